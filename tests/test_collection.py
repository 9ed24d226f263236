"""Years being collected: which they are, that no page, headline, ranking, index or deck defaults to one, that one
chosen is marked provisional, the round's default due date, and closing and reopening a round."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from conftest import EDITOR, SAMPLE_END_YEAR
from pptx import Presentation
from test_pages import chart_traces, open_app
from test_rounds import filled

from metrics.analysis.collection import COMPLETE_SHARE, collection, latest_complete_year, years_being_collected
from metrics.analysis.round_status import round_status
from metrics.cli import main
from metrics.domain.roles import cli_actor
from metrics.ingest import forms, uploads
from metrics.present import deck
from metrics.store.cities import list_cities
from metrics.store.database import Database, open_database
from metrics.store.rounds import Round, default_due, default_round, get_round
from metrics.store.transactions import transaction

YEAR = SAMPLE_END_YEAR + 1  # the year after the sample's last: its round is the one being collected
ADMIN = cli_actor("admin-test")
TWO = ("330100", "440100")  # 杭州市, 广州市


def load_forms(database: Database, year: int, codes, opened: bool = True) -> None:
    """Open the year's round (with its defaults) unless not `opened`, and load these pilots' filled-in forms."""
    round_ = Round(year, default_round(year).indicators, default_due(year))
    if opened:
        forms.open_round(database, round_, EDITOR)
    with database.snapshot() as cur:
        sent = forms.write_forms(cur, round_, "zh", codes=codes)
    for k, form in enumerate(sent):
        _, upload_id = uploads.load(database, filled(form.content, seed=k), form.file_name, EDITOR)
        assert upload_id is not None


def load_summary(database: Database, year: int, codes) -> None:
    """Load one year's figures for these pilots the old way: one summary file, no round."""
    with database.snapshot() as cur:
        names = list_cities(cur).set_index("city_code")["name_zh"]
    lines = ["城市,年份,对接活动（场）", *(f"{names[c]},{year},{10 + k}" for k, c in enumerate(codes))]
    _, upload_id = uploads.load(database, "\n".join(lines).encode(), "summary.csv", EDITOR)
    assert upload_id is not None


def pilots_designated_by(database: Database, year: int) -> list[str]:
    with database.snapshot() as cur:
        cities = list_cities(cur)
    return cities.loc[cities["designated_year"] <= year, "city_code"].tolist()


# --- which years are being collected -----------------------------------------------------------------------------


def _share(database: Database, share: float) -> list[str]:
    codes = pilots_designated_by(database, YEAR)
    return codes[: int(len(codes) * share)]


@pytest.mark.both_engines
@pytest.mark.parametrize(
    ("story", "collecting", "latest"),
    [
        ("the sample", (), SAMPLE_END_YEAR),
        ("round open, two loaded", ((YEAR, 2, True),), SAMPLE_END_YEAR),
        ("round open, nothing loaded", ((YEAR, 0, True),), SAMPLE_END_YEAR),
        ("round closed", (), YEAR),
        ("round closed, then reopened", ((YEAR, 2, True),), SAMPLE_END_YEAR),
        ("no round, below the share", ((YEAR, 50, False),), SAMPLE_END_YEAR),  # 50 of 65: 77%
        ("no round, at the share", (), YEAR),
        ("no round, all of them", (), YEAR),
    ],
)
def test_which_years_are_being_collected(db, story, collecting, latest):
    if story.startswith("round"):
        codes = () if "nothing" in story else TWO
        load_forms(db, YEAR, codes) if codes else forms.open_round(db, Round(YEAR, (), default_due(YEAR)), EDITOR)
    if "closed" in story:
        forms.close_round(db, YEAR, ADMIN)
    if "reopened" in story:
        forms.reopen_round(db, YEAR, ADMIN)
    if story.startswith("no round"):
        share = {"below": COMPLETE_SHARE - 0.02, "at": COMPLETE_SHARE, "all": 1.0}[story.split()[2]]
        load_summary(db, YEAR, _share(db, share))
    with db.snapshot() as cur:
        found = years_being_collected(cur)
        assert [(c.year, c.reported, c.round_open) for c in found] == list(collecting)
        assert latest_complete_year(cur) == latest
        assert all(c.designated == 65 for c in found)


def test_every_year_of_the_built_in_sample_is_complete(tmp_path):
    path = tmp_path / "fresh.duckdb"
    assert main(["init", "--db", str(path)]) == 0
    with open_database(path).snapshot() as cur:
        assert years_being_collected(cur) == ()
        assert collection(cur).complete_span == collection(cur).span


@pytest.mark.parametrize(("lang", "label"), [("zh", "2026（报送中，2/65）"), ("en", "2026 (being collected, 2/65)")])
def test_a_year_being_collected_is_named_so(db, lang, label):
    load_forms(db, YEAR, TWO)
    with db.snapshot() as cur:
        (being,) = collection(cur).collecting
    assert being.label()(lang) == label.replace("2026", str(YEAR))


# --- the round's due date, closing and reopening -------------------------------------------------------------------


@pytest.mark.parametrize("year", [2025, 2026, 2030])
def test_the_default_due_date_is_31_march_after_the_year(year):
    assert default_due(year) == dt.date(year + 1, 3, 31)


def test_a_round_opened_with_its_defaults_shows_no_pilot_late(sample_path, tmp_path, capsys):
    assert main(["round", "forms", str(YEAR), "--out", str(tmp_path / "forms"), "--db", str(sample_path)]) == 0
    assert main(["round", "status", str(YEAR), "--json", "--db", str(sample_path)]) == 0
    status = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert status["due"] == f"{YEAR + 1}-03-31" and status["counts"]["late"] == 0
    with open_database(sample_path).snapshot() as cur:  # late only from the day after the due date
        assert round_status(cur, YEAR, dt.date(YEAR + 1, 3, 31)).counts["late"] == 0
        assert round_status(cur, YEAR, dt.date(YEAR + 1, 4, 1)).counts["late"] == 65


def test_round_close_and_reopen_in_the_cli(sample_path, capsys):
    database = open_database(sample_path)
    load_forms(database, YEAR, TWO)
    db = ["--db", str(sample_path)]
    assert main(["round", "close", str(YEAR), "--by", "李华", *db]) == 0
    with database.snapshot() as cur:
        round_ = get_round(cur, YEAR)
        assert round_ is not None and round_.closed and round_.closed_by == "李华" and latest_complete_year(cur) == YEAR
    assert main(["round", "status", str(YEAR), "--json", *db]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["closed_by"] == "李华"
    assert main(["round", "reopen", str(YEAR), "--by", "李华", *db]) == 0
    with database.snapshot() as cur:
        round_ = get_round(cur, YEAR)
        assert round_ is not None and not round_.closed and round_.changed_by == "李华"
        assert latest_complete_year(cur) == SAMPLE_END_YEAR
    assert main(["round", "reopen", str(YEAR + 5), *db]) == 2  # no such round: a usage error


def test_closing_needs_an_admin(db):
    load_forms(db, YEAR, TWO)
    with pytest.raises(Exception, match="may not"):
        forms.close_round(db, YEAR, EDITOR)


def test_schema_8_adds_the_closing_to_a_version_7_database(db):
    from older_schemas import RELEASES_UNDONE

    from metrics.store.meta import get_meta, set_meta
    from metrics.store.schema import SCHEMA_VERSION, migrate

    with db.cursor() as cur, transaction(cur):
        for statement in RELEASES_UNDONE:  # version 12's
            cur.execute(statement)
        cur.execute("DROP TABLE flags")  # version 10's
        cur.execute("DROP TABLE rule_overrides")  # version 9's
        cur.execute("DROP TABLE approvals")  # version 11's
        cur.execute("DROP TABLE approval_events")
        cur.execute("DROP SEQUENCE approval_event_id_seq")
        cur.execute("ALTER TABLE rounds DROP COLUMN closed_at")
        cur.execute("ALTER TABLE rounds DROP COLUMN closed_by")
        set_meta(cur, "schema_version", "7")
    with db.cursor() as cur:
        migrate(cur)
        assert get_meta(cur, "schema_version") == str(SCHEMA_VERSION)
    forms.close_round(db, YEAR, ADMIN)  # a year with no round yet gets one, closed
    with db.snapshot() as cur:
        round_ = get_round(cur, YEAR)
        assert round_ is not None and round_.closed and round_.closed_by == ADMIN.name


# --- the deck -----------------------------------------------------------------------------------------------------


def _deck_title(content: bytes) -> str:
    slide = Presentation(io.BytesIO(content)).slides[0]
    return " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_standard_deck_stops_at_the_latest_complete_year(db, lang):
    load_forms(db, YEAR, TWO)
    with db.snapshot() as cur:
        specs = deck.standard_specs(cur)
        title = _deck_title(deck.build(cur, specs, lang))
    assert {s.years[1] for s in specs} == {SAMPLE_END_YEAR}
    up_to = {"zh": "数据截至 {y} 年", "en": "figures up to {y}"}[lang]
    assert up_to.format(y=SAMPLE_END_YEAR) in title and f"{SAMPLE_END_YEAR}（" not in title


def test_a_deck_asked_to_reach_the_year_being_collected_says_so(db):
    load_forms(db, YEAR, TWO)
    with db.snapshot() as cur:
        specs = deck.standard_specs(cur, (2014, YEAR))
        prs = Presentation(io.BytesIO(deck.build(cur, specs, "zh")))
    title = " ".join(s.text_frame.text for s in prs.slides[0].shapes if s.has_text_frame)
    assert f"2014—{YEAR} 年工作数据（报送中，2/65）" in title and f"数据截至 {YEAR} 年（报送中，2/65）" in title
    trend = prs.slides[3].notes_slide.notes_text_frame.text  # after the title, highlights and the pilots
    assert f"{YEAR} 年数据仍在报送中（已报送 2/65 个试点）" in trend


def test_the_deck_command_defaults_to_the_latest_complete_year(sample_path, tmp_path):
    load_forms(open_database(sample_path), YEAR, TWO)
    out = tmp_path / "deck.pptx"
    assert main(["deck", "--out", str(out), "--lang", "en", "--db", str(sample_path)]) == 0
    title = _deck_title(out.read_bytes())
    assert f"figures up to {SAMPLE_END_YEAR} Data: working data" in title  # unmarked, then the data it shows


# --- the pages ----------------------------------------------------------------------------------------------------

HEADLINE = {"zh": "{y} 年主要指标", "en": "Headline figures, {y}"}
STANDING = {"zh": "{y} 年在全部试点中的位次", "en": "Standing among all pilots, {y}"}
RANKING = {"zh": "{y} 年排名", "en": "Ranking, {y}"}


@pytest.fixture()
def collecting_app(app_db) -> Database:
    """The sample with the next year's round open and two pilots' forms loaded, opened by the app."""
    database = open_database(app_db)
    load_forms(database, YEAR, TWO)
    return database


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_defaults_to_the_latest_complete_year(collecting_app, lang):
    at = open_app("overview", lang=lang)
    assert any(HEADLINE[lang].format(y=SAMPLE_END_YEAR) == h.value for h in at.subheader)
    assert at.sidebar.slider[0].value[1] == SAMPLE_END_YEAR
    assert all(YEAR not in line for line in chart_traces(at, 1).values())
    at.switch_page("app_pages/city.py").run()
    assert any(STANDING[lang].format(y=SAMPLE_END_YEAR) == h.value for h in at.subheader)
    profile = at.dataframe[0].value
    assert not any("/ 2" in str(cell) for cell in profile.to_numpy().ravel())  # ranked among all 65, not 2
    at.switch_page("app_pages/assessment.py").run()
    assert at.selectbox(key="assess_year").value == SAMPLE_END_YEAR
    assert not any(str(YEAR) in option for option in at.selectbox(key="assess_year").options)
    at.switch_page("app_pages/compare.py").run()
    assert any(RANKING[lang].format(y=SAMPLE_END_YEAR) == h.value for h in at.subheader)
    compare = chart_traces(at, 0)
    assert len(compare) == 5 and all(YEAR not in line for line in compare.values())


@pytest.mark.parametrize(
    ("lang", "mark"), [("zh", "（报送中，2/65）"), ("en", " (being collected, 2/65)")]
)  # fmt: skip
def test_the_year_being_collected_shows_when_chosen_and_is_marked(collecting_app, lang, mark):
    at = open_app("overview", lang=lang)
    at.toggle(key="collecting").set_value(True).run()
    assert not at.exception
    shown = f"{YEAR}{mark}"
    assert at.sidebar.slider[0].value[1] == YEAR
    assert any(HEADLINE[lang].format(y=YEAR) + mark == h.value for h in at.subheader)  # the mark after the heading
    assert sum(shown in c.value.replace("\\", "") for c in at.caption) == 4  # on every headline card
    spec = json.loads(at.get("plotly_chart")[1].proto.spec)  # the matching activities trend
    axis = spec["layout"]["xaxis"]
    assert f"{YEAR}<br>{'报送中' if lang == 'zh' else 'provisional'}" in axis["ticktext"]
    assert any(t.get("line", {}).get("dash") == "dot" and YEAR in t["x"] for t in spec["data"])
    at.switch_page("app_pages/assessment.py").run()
    assert shown in at.selectbox(key="assess_year").options  # offered now, and named so


def test_a_viewer_link_cannot_reach_the_year_being_collected_without_the_toggle(collecting_app):
    at = open_app("overview", lang="en", years=f"2014-{YEAR}")
    assert at.sidebar.slider[0].value[1] == SAMPLE_END_YEAR


def _open_sample_year(database: Database) -> None:
    forms.open_round(database, default_round(SAMPLE_END_YEAR), EDITOR)


def _close_sample_year(database: Database) -> None:
    _open_sample_year(database)
    forms.close_round(database, SAMPLE_END_YEAR, ADMIN)


def _close_the_new_year(database: Database) -> None:
    load_forms(database, YEAR, TWO)
    forms.close_round(database, YEAR, ADMIN)


# (what happened before the page opens, and the rounds it summarises: (year, state) from the newest down): the round
# of the year the view ends on, closed or not, and the round still open, if another year's
COMPLETENESS_CASES = [
    ("nothing", lambda db: None, []),
    ("new-year-open", lambda db: load_forms(db, YEAR, TWO), [(YEAR, "open")]),
    ("sample-year-closed", _close_sample_year, [(SAMPLE_END_YEAR, "closed")]),
    ("both", lambda db: (_close_sample_year(db), load_forms(db, YEAR, TWO)), [(SAMPLE_END_YEAR, "closed"),
                                                                              (YEAR, "open")]),
    ("sample-year-open", _open_sample_year, [(SAMPLE_END_YEAR, "open")]),  # 63 of 65: still being collected
    ("new-year-closed", _close_the_new_year, [(YEAR, "closed")]),  # the view now ends on it
]  # fmt: skip
STATE_WORDS = {"open": ("进行中", "open"), "closed": ("标记结束", "closed by admin-test")}


@pytest.mark.parametrize(("story", "arrange", "shown"), COMPLETENESS_CASES, ids=[c[0] for c in COMPLETENESS_CASES])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_completeness_summarises_the_round_of_the_year_shown_and_the_open_one(app_db, story, arrange, shown, lang):
    database = open_database(app_db)
    arrange(database)
    database.close()
    at = open_app("completeness", lang=lang)
    rounds = [i.value.replace("\\", "") for i in at.info if ("年报送（" in i.value or "round (" in i.value)]
    assert len(rounds) == len(shown), rounds
    for said, (year, state) in zip(rounds, shown, strict=True):
        assert said.startswith(f"{year} 年报送（" if lang == "zh" else f"The {year} round (")
        assert STATE_WORDS[state][0 if lang == "zh" else 1] in said
