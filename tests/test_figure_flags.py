"""Review flags beside the figures (analysis/flagged.py, present/flag_notes.py): which figures a chart shows, a city
chart's hover with each flag's reason and decision, and a deck's speaker notes listing the flags of the figures each
slide shows; the city profile in both languages."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from conftest import EDITOR, SAMPLE_END_YEAR
from pptx import Presentation

from metrics.analysis.flagged import figure_flags, flags_of
from metrics.analysis.review import decide
from metrics.domain import registry
from metrics.domain.i18n import LANGS
from metrics.domain.programme import Scope
from metrics.present import charts, deck, flag_notes
from metrics.present.chart_resolve import resolve
from metrics.present.chart_spec import ChartSpec
from metrics.present.kinds import kind_of

YEAR = SAMPLE_END_YEAR
YEARS = (2018, YEAR)
NANJING = "320100"  # its talent pool far above the other pilots' every year of the sample
COMMENT = "市科协电话确认：含 <b>高校</b> 专家"  # markup in a comment stays text


@pytest.fixture()
def decided(db):
    """The sample with Nanjing's 2025 talent pool confirmed, with a comment."""
    decide(db, YEAR, NANJING, ("experts_in_pool",), "confirmed", COMMENT, EDITOR)
    return db


ALL = tuple(sorted(registry.BASE_KEYS))


@pytest.mark.parametrize(
    ("spec", "keys", "cities", "years"),
    [
        (ChartSpec("city", "agreements", YEARS, cities=("330100",)), ("agreements",), ("330100",), YEARS),
        (ChartSpec("compare", "agreements_per_activity", YEARS, cities=("330100", NANJING)),
         ("agreements", "activities"), ("330100", NANJING), YEARS),  # a ratio: both parts
        (ChartSpec("trend", "cumulative_agreements", YEARS), ("agreements",), 65, YEARS),  # every pilot
        (ChartSpec("trend", "activities", YEARS, Scope(batches=(1,))), ("activities",), 10, YEARS),  # in scope: batch 1
        (ChartSpec("map", "agreements", YEARS), ("agreements",), 65, (YEAR, YEAR)),  # one year: the last
        (ChartSpec("index", "composite_index", (YEAR, YEAR)), ALL, 65, (YEAR, YEAR)),  # every indicator
        (ChartSpec("pilots", "pilot_cities", YEARS), (), (), YEARS),  # none: who was designated
        (ChartSpec("completeness", "activities", YEARS), (), (), YEARS),  # none: who reported
    ],
)  # fmt: skip
def test_the_figures_a_chart_shows(sample_db, spec, keys, cities, years):
    with sample_db.snapshot() as cur:
        got_keys, got_cities, got_years = flag_notes.shown_figures(cur, spec, kind_of(spec).one_year)
    assert set(got_keys) == set(keys) and got_years == years
    assert (len(got_cities) if isinstance(cities, int) else got_cities) == cities


def test_a_rules_flag_is_beside_each_figure_it_reads(sample_db):
    with sample_db.snapshot() as cur:
        flags = figure_flags(cur, YEARS)
    rules = flags[flags["reason"] == "rule"]
    assert not rules.empty
    for _, group in rules.groupby(["city_code", "year", "rule_id"]):
        shown_on = set(group["key"])
        assert len(shown_on) >= 1 and group["indicator"].iloc[0] in shown_on
    both = rules[rules["rule_id"] == "agreements-per-activity"]
    if not both.empty:  # on the agreements and on the activities it is measured against
        assert set(both["key"]) == {"agreements", "activities"}
    assert len(flags_of(flags, ("agreements", "activities"))) == len(flags_of(flags, ("agreements", "activities"))
                                                                     .drop_duplicates())  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("zh", ["⚑ 与本年", "已确认：市科协电话确认：含 &lt;b&gt;高校&lt;/b&gt;", EDITOR.name, "待核实"]),
        ("en", ["⚑ far from the median of", "confirmed: “市科协电话确认：含 &lt;b&gt;高校", EDITOR.name, "open"]),
    ],
)  # fmt: skip
def test_a_city_chart_rings_flagged_values_and_says_why_and_what_was_decided_in_their_hover(decided, lang, said):
    with decided.snapshot() as cur:
        data = resolve(cur, ChartSpec("city", "experts_in_pool", YEARS, cities=(NANJING,)), lang)
    figure = charts.figure(data)
    line, median = figure["data"]
    ringed = [x for x, width in zip(line["x"], line["marker"]["line"]["width"], strict=True) if width]
    assert YEAR in ringed and len(ringed) >= 2 and "line" not in median["marker"]
    hovers = {x: c[2].replace("<br>", "") for x, c in zip(line["x"], line["customdata"], strict=True)}
    assert all(part.replace(" ", "") in hovers[YEAR].replace(" ", "") for part in said[:3])
    assert said[3] in " ".join(hovers[y] for y in ringed if y != YEAR)  # the years nobody decided on yet
    assert all(not hovers[y] for y in set(line["x"]) - set(ringed))
    assert "%{customdata[2]}" in line["hovertemplate"] and "customdata[2]" not in median["hovertemplate"]
    assert data.caption == flag_notes.CAPTION(lang)


def test_a_city_without_flags_draws_as_before(sample_db):
    with sample_db.snapshot() as cur:
        flags = figure_flags(cur, YEARS)
        code = next(c for c in ("330100", "120000", "440300") if c not in set(flags["city_code"]))
        data = resolve(cur, ChartSpec("city", "activities", YEARS, cities=(code,)), "en")
    assert data.lines[0].flags is None and not data.caption
    assert charts.figure(data)["data"][0]["marker"] == {"size": 7}


@pytest.mark.parametrize("lang", LANGS)
def test_the_deck_notes_list_the_flags_of_the_figures_each_slide_shows(decided, lang):
    specs = [
        ChartSpec("pilots", "pilot_cities", YEARS),
        ChartSpec("city", "experts_in_pool", YEARS, cities=(NANJING,), events=True),
        ChartSpec("city", "activities", YEARS, cities=("330100",)),
    ]
    with decided.snapshot() as cur:
        prs = Presentation(io.BytesIO(deck.build(cur, specs, lang, date(2026, 3, 1))))
    notes = {s.shapes[0].text_frame.text: s.notes_slide.notes_text_frame.text for s in prs.slides}
    heading = flag_notes.HEADING(lang)
    nanjing = next(text for title, text in notes.items() if title.startswith("南京市" if lang == "zh" else "Nanjing"))
    listed = nanjing.split(heading)[1].strip().splitlines()
    assert len(listed) >= 2  # every year of the chart its talent pool stands out
    decided_line = next(line for line in listed if f"{YEAR}" in line and COMMENT in line)
    assert ("南京市 2025 · 专家库人数" if lang == "zh" else "Nanjing 2025 · Experts in the talent pool") in decided_line
    assert ("已确认" if lang == "zh" else "confirmed") in decided_line and EDITOR.name in decided_line
    pilots = next(text for title, text in notes.items() if registry.get("pilot_cities").label(lang) in title)
    assert heading not in pilots


@pytest.mark.duckdb_only
@pytest.mark.parametrize("lang", LANGS)
def test_the_city_profile_shows_the_flags_in_the_hover(app_db, lang):
    from test_pages import open_app

    from metrics.store.database import open_database

    database = open_database(app_db)
    decide(database, YEAR, NANJING, ("experts_in_pool",), "confirmed", COMMENT, EDITOR)
    database.close()
    at = open_app("city", lang=lang, city=NANJING)
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    pool = next(s for s in specs if "line" in s["data"][0]["marker"])  # its values ringed
    hover = " ".join(c[2] for c in pool["data"][0]["customdata"])
    assert "&lt;b&gt;" in hover and EDITOR.name in hover
    assert any(flag_notes.CAPTION(lang) in c.value.replace("\\", "") for c in at.caption)


def test_a_provisional_year_keeps_each_points_ring_on_its_own_point():
    from metrics.present.provisional import _marked

    trace = {"type": "scatter", "x": [2023, 2024, 2025, 2026], "y": [1.0, 2.0, 3.0, 4.0], "name": "Nanjing",
             "marker": {"size": [7, 10, 7, 10], "line": {"width": [0, 2.5, 0, 2.5], "color": "#B5542D"}},
             "customdata": [["a"], ["b"], ["c"], ["d"]]}  # fmt: skip
    solid, dashed = _marked(trace, trace["x"], {2026: "2026 provisional"})
    assert dashed["x"] == [2025, 2026] and dashed["marker"]["size"] == [7, 10]
    assert dashed["marker"]["line"] == {"width": [0, 2.5], "color": "#B5542D"}
    assert solid["marker"] == trace["marker"] and solid["y"] == [1.0, 2.0, 3.0, None]
