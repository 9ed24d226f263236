"""The assessment as officers read it: its charts and deck slides, the Assessment page, the city profile's targets and
the overview's counts, each checked against what `python -m metrics index` and `targets` print."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from conftest import ADMIN, SAMPLE_END_YEAR, city
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from test_pages import open_app

from metrics.analysis.index import index_years
from metrics.cli import main
from metrics.domain.i18n import LANGS
from metrics.domain.index_method import DEFAULT_METHOD
from metrics.present import deck, flag_notes, slide_charts
from metrics.present.chart_resolve import resolve
from metrics.present.chart_spec import ChartSpec
from metrics.present.kinds import checked
from metrics.present.kinds.assessment import METHOD_GONE
from metrics.present.style import GROUP_COLOURS, TARGET_COLOURS
from metrics.store.cities import insert_cities
from metrics.store.creation import initialise
from metrics.store.database import open_database
from metrics.store.index_methods import method_names, save_method
from metrics.store.transactions import transaction

YEAR = SAMPLE_END_YEAR
ONE_YEAR = (YEAR, YEAR)


def cli_json(capsys, *args: str) -> dict:
    """A command's --json output."""
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("lang", LANGS)
def test_the_index_chart_draws_what_the_cli_prints(sample_app, sample_db, capsys, lang):
    printed = cli_json(capsys, "index", str(YEAR), "--db", str(sample_app))
    with sample_db.snapshot() as cur:
        data = resolve(cur, ChartSpec("index", "composite_index", ONE_YEAR), lang)
    ranked = [p for p in printed["pilots"] if p["index"] is not None]
    frame = data.drawn()
    assert frame["city_code"].tolist() == [p["city_code"] for p in ranked]  # best first, as the CLI ranks them
    assert frame["value"].tolist() == pytest.approx([p["index"] for p in ranked], abs=1e-8)
    assert frame["colour"].tolist() == [GROUP_COLOURS[p["group"]] for p in ranked]
    mean = printed["mean_index"]
    assert [g for g, _ in data.guides] == pytest.approx([mean * 1.25, mean, mean * 0.7])
    unranked = len(printed["pilots"]) - len(ranked)
    assert (unranked > 0) == bool(data.caption) and len(data.table) == len(printed["pilots"])
    assert ("默认方法" if lang == "zh" else "default method") in data.title


@pytest.mark.parametrize("code", ["440100", "330100", "650100"])  # the largest pilot, a middling one, a late one
def test_a_breakdown_adds_up_to_the_pilots_index(sample_db, code):
    with sample_db.snapshot() as cur:
        data = resolve(cur, ChartSpec("breakdown", "index_contribution", ONE_YEAR, cities=(code,)), "en")
        ranking = resolve(cur, ChartSpec("index", "composite_index", ONE_YEAR), "en").drawn()
    index = ranking.set_index("city_code")["value"].get(code)
    contributions = data.drawn()["value"]
    assert len(contributions) == len(DEFAULT_METHOD.keys)
    if index is None:  # not enough data: no contributions, and the caption says why
        assert contributions.isna().all() and "no index" in data.caption
    else:
        assert contributions.sum() == pytest.approx(index) and f"Index {index:.1f}" in data.caption


def test_the_targets_chart_draws_what_the_cli_prints(sample_app, sample_db, capsys):
    printed = cli_json(capsys, "targets", str(YEAR), "--db", str(sample_app))
    with sample_db.snapshot() as cur:
        data = resolve(cur, ChartSpec("achievement", "target_share", ONE_YEAR), "en")
    frame = data.drawn()
    assert frame["city_code"].tolist() == [p["city_code"] for p in printed["pilots"]]
    assert (frame["value"] / 100).tolist() == pytest.approx([p["mean_share"] for p in printed["pilots"]], abs=1e-8)
    assert frame["colour"].tolist() == [TARGET_COLOURS[p["status"]] for p in printed["pilots"]]
    counts = printed["summary"]
    assert [label for label, _ in data.legend] == [f"Met ({counts['met']})", f"Nearly met ({counts['nearly']})",
                                                   f"Missed ({counts['missed']})",
                                                   f"No actual ({counts['no_actual']})"]  # fmt: skip


WEIGHTED = DEFAULT_METHOD.with_weights("activity-heavy", {"activities": 4, "agreements": 1, "experts_in_pool": 1})


@pytest.mark.parametrize(
    ("method", "in_title", "gone"),
    [
        (None, "default method", False),
        ("activity-heavy", "method “activity-heavy”", False),
        ("removed-since", "default method", True),  # a deck link naming a method removed since: said, not a crash
    ],
)
def test_an_index_chart_names_the_method_that_made_it(db, method, in_title, gone):
    save_method(db, WEIGHTED, ADMIN)
    with db.snapshot() as cur:
        data = resolve(cur, ChartSpec("index", "composite_index", ONE_YEAR, method=method), "en")
        history = resolve(cur, ChartSpec("index_history", "composite_index", (2018, YEAR), cities=("330100",),
                                         method=method), "en")  # fmt: skip
    assert in_title in data.title and in_title in history.title
    assert (METHOD_GONE.format(n=method)("en") in data.caption) is gone


def test_the_deck_shows_the_index_and_targets_as_native_bar_charts(sample_db):
    specs = [ChartSpec("index", "composite_index", ONE_YEAR), ChartSpec("achievement", "target_share", ONE_YEAR)]
    with sample_db.snapshot() as cur:
        prs = Presentation(io.BytesIO(deck.build(cur, specs, "zh")))
        ranked = resolve(cur, specs[0], "zh").drawn()
    charts = [shape.chart for slide in prs.slides for shape in slide.shapes if shape.has_chart]
    assert [c.chart_type for c in charts] == [XL_CHART_TYPE.BAR_CLUSTERED] * 2
    index_chart = charts[0]
    categories = list(index_chart.plots[0].categories)
    assert categories == list(reversed(ranked["name"].head(slide_charts.DECK_BARS)))  # best at the top of the slide
    assert {s.name[:2] for s in index_chart.series} <= {"领先", "较强", "中等", "追赶"}
    texts = [shape.text_frame.text for slide in prs.slides for shape in slide.shapes if shape.has_text_frame]
    assert f"前 {slide_charts.DECK_BARS} 名（共 {len(ranked)} 个），其余见备注" in texts
    notes = next(s for s in prs.slides if any(sh.has_chart for sh in s.shapes)).notes_slide.notes_text_frame.text
    rest = notes.split("其余排名：")[1].split(flag_notes.HEADING("zh"))[0].strip().splitlines()  # before the flags
    rest = [line for line in rest if not line.startswith("数据：")]  # nor the line naming the data
    assert [line.split(" ")[0] for line in rest] == ranked["name"].iloc[slide_charts.DECK_BARS :].tolist()  # every one


def test_the_assessment_page_shows_the_cli_s_numbers(sample_app, capsys):
    index = cli_json(capsys, "index", str(YEAR), "--db", str(sample_app))
    targets = cli_json(capsys, "targets", str(YEAR), "--db", str(sample_app))
    groups = pd.Series([p["group"] for p in index["pilots"] if p["group"]]).value_counts()
    for lang, labels in (("zh", ("领先", "较强", "中等", "追赶", "已完成", "未完成")),
                         ("en", ("Leaders", "Strong", "Moderate", "Emerging", "Met", "Missed"))):  # fmt: skip
        shown = {m.label: m.value for m in open_app("assessment", lang=lang).metric}
        assert [shown[label] for label in labels[:4]] == [
            str(groups.get(g, 0)) for g in ("leaders", "strong", "moderate", "emerging")
        ]
        pilots = targets["summary"]["pilots"]
        assert shown[labels[4]] == f"{targets['summary']['met']} / {pilots}"
        assert shown[labels[5]] == f"{targets['summary']['missed']} / {pilots}"


def test_a_changed_weight_ranks_side_by_side_and_an_admin_saves_it_as_a_method(app_db, capsys):
    at = open_app("assessment", lang="en")
    assert not any("Rank (default method)" in df.value.columns for df in at.dataframe)  # weights as they are
    at.number_input(key="weight-default-activities").set_value(4.0).run()
    side = next(df.value for df in at.dataframe if "Rank (default method)" in df.value.columns)
    assert "Rank (method “as edited”)" in side.columns
    assert (side["Rank (default method)"] != side["Rank (method “as edited”)"]).any(), "a weight of 4 moves ranks"
    at.text_input[0].input("activity-heavy")
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception and at.selectbox(key="method").value == "activity-heavy"
    title = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"]
    assert "method “activity-heavy”" in title
    saved = cli_json(capsys, "index", str(YEAR), "--method", "activity-heavy", "--db", str(app_db))
    assert saved["method"] == "activity-heavy" and saved["weights"]["activities"] == 4.0
    ranks = dict(zip(side["City"], side["Rank (method “as edited”)"], strict=True))
    names = {p["name_en"]: p["rank"] for p in saved["pilots"]}
    assert {n: r for n, r in ranks.items() if pd.notna(r)} == {n: r for n, r in names.items() if r is not None}
    at.button(key="remove-method").click().run()  # in its popover, which asks first
    assert at.selectbox(key="method").value == "default"
    with open_database(app_db).cursor() as cur:
        assert method_names(cur) == ("default",)


@pytest.mark.parametrize("lang", LANGS)
def test_the_city_profile_shows_each_target_against_its_actual(sample_app, capsys, lang):
    targets = cli_json(capsys, "targets", str(YEAR), "--db", str(sample_app))
    mine = next(p for p in targets["pilots"] if p["city_code"] == "330100")
    at = open_app("city", lang=lang, city="330100")
    achieved = "完成率（%）" if lang == "zh" else "Achieved (%)"
    table = next(df.value for df in at.dataframe if achieved in df.value.columns)
    assert table[achieved].tolist() == [round(t["share"] * 100) for t in mine["indicators"]]


def test_the_overview_counts_the_pilots_that_met_their_targets(sample_app, capsys):
    summary = cli_json(capsys, "targets", str(YEAR), "--db", str(sample_app))["summary"]
    shown = {m.label: m.value for m in open_app("overview", lang="en").metric}
    for label, key in (("Met", "met"), ("Nearly met", "nearly"), ("Missed", "missed"), ("No actual", "no_actual")):
        assert shown[label] == f"{summary[key]} / {summary['pilots']}"


@pytest.mark.parametrize(
    ("chart", "indicator", "cities"),
    [
        ("trend", "composite_index", ()),  # a score is no series: a hand-edited deck link is refused, not drawn
        ("index", "agreements", ()),
        ("breakdown", "index_contribution", ()),  # a breakdown is of one pilot
        ("breakdown", "index_contribution", ("330100", "440100")),
        ("index_history", "composite_index", ()),
    ],
)
def test_a_spec_that_mixes_charts_and_scores_is_refused(chart, indicator, cities):
    with pytest.raises((ValueError, KeyError)):  # specs_from_text turns either into "not a deck"
        checked(ChartSpec(chart, indicator, ONE_YEAR, cities=cities))


def test_a_year_whose_figures_have_not_come_in_has_no_index_and_the_page_opens_on_the_last_that_has(app_db):
    database = open_database(app_db)
    with database.write_lock, database.cursor() as cur, transaction(cur):  # a batch designated for next year
        insert_cities(cur, pd.DataFrame([city("990100", designated_year=YEAR + 1)]), 1)
    with database.cursor() as cur:
        assert index_years(cur)[0] == YEAR and YEAR + 1 not in index_years(cur)
    database.close()
    at = open_app("assessment", lang="en", years=f"2014-{YEAR + 1}")
    assert at.selectbox(key="assess_year").value == YEAR
    assert not any("No pilot reported enough" in i.value for i in at.info)


def test_the_assessment_page_of_an_empty_database_says_so(tmp_path, monkeypatch):
    initialise(tmp_path / "empty.duckdb", with_sample=False).close()
    monkeypatch.setenv("PILOT_DB", str(tmp_path / "empty.duckdb"))
    at = open_app("assessment", lang="zh")
    assert any("还没有哪个试点报送了足够的数据" in i.value for i in at.info)


def test_the_targets_follow_the_sidebar_on_the_overview_and_the_assessment_page(sample_app, capsys):
    shown = []
    for page in ("overview", "assessment"):
        metrics = {m.label: m.value for m in open_app(page, lang="en", region="west").metric}
        shown.append(metrics["Met"])
    everyone = cli_json(capsys, "targets", str(YEAR), "--db", str(sample_app))["summary"]
    assert shown[0] == shown[1] and not shown[0].endswith(f"/ {everyone['pilots']}")
