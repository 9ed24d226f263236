"""Saved decks: kept under a name, pinned to a release or to the latest; refusals in both languages; the same deck
over the same release is the same slides and numbers whatever is loaded since; the CLI's deck --saved and decks.

The tests that take `db` run on DuckDB and PostgreSQL (both_engines)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from conftest import ADMIN, EDITOR, SAMPLE_END_YEAR
from lxml import etree
from pptx import Presentation

from metrics.cli import main
from metrics.domain.i18n import LANGS, Refused
from metrics.domain.roles import Actor, Forbidden
from metrics.ingest import forms, uploads
from metrics.present import deck
from metrics.present.chart_spec import ChartSpec
from metrics.present.deck_link import specs_text
from metrics.store import releases, saved_decks
from metrics.store.meta import run_state
from metrics.store.releases import Release
from metrics.store.rounds import Round
from metrics.store.saved_decks import SavedDeck, delete_deck, list_decks, pinned_release, save_deck
from metrics.store.schema import SCHEMA_VERSION, migrate
from metrics.store.transactions import transaction

pytestmark = pytest.mark.both_engines

FIRST, SECOND = "2025年度数据（第1版）", "2025年度数据（第2版）"
YEARS = (2014, SAMPLE_END_YEAR)
CHARTS = (
    ChartSpec("trend", "agreements", YEARS, events=True),
    ChartSpec("compare", "agreements", YEARS, cities=("330100", "440100")),
)
VIEWER = Actor("zhao", "viewer", "password")
OTHER = Actor("wang", "editor", "password")
SAVER = Actor("Li", "editor", "password")
CORRECTION = f"city,year,agreements\n330100,{SAMPLE_END_YEAR - 1},999\n".encode()  # a pilot's later correction


def publish(db, name: str = FIRST) -> Release:
    return releases.publish(db, name, None, EDITOR)


def save(db, name: str = "三月汇报", release: Release | None = None, by: Actor = SAVER, charts=CHARTS) -> SavedDeck:
    return save_deck(db, name, specs_text(charts), release, by)


def shown(db) -> tuple:
    with db.cursor() as cur:
        return list_decks(cur), run_state(cur)


def test_a_saved_deck_keeps_its_charts_its_pin_who_and_when(db):
    first = publish(db)
    pinned = save(db, "三月汇报", first)
    following = save(db, "  always   latest ", None, by=OTHER)
    with db.cursor() as cur:
        listed = list_decks(cur)
    assert [d.name for d in listed] == ["always latest", "三月汇报"]  # the newest first; spaces as typed, tidied
    assert (pinned.release_id, pinned.latest, pinned.saved_by) == (first.release_id, False, "Li")
    assert (following.release_id, following.latest, following.saved_by) == (None, True, "wang")
    assert listed[1].definition == specs_text(CHARTS) and listed[1].saved_at is not None


def _taken(db):
    save(db, "三月汇报", publish(db))
    return ("三月汇报", specs_text(CHARTS), None, SAVER), saved_decks.NAME_TAKEN.format(
        name="三月汇报", who="Li", when=f"{shown(db)[0][0].saved_at:%Y-%m-%d}"
    )


def _withdrawn(db):
    publish(db)
    gone = releases.withdraw(db, FIRST, "wrong year", ADMIN)
    publish(db, SECOND)
    return ("deck", specs_text(CHARTS), gone, SAVER), saved_decks.PIN_WITHDRAWN.format(name=FIRST)


def withdraw_all(db) -> None:
    """Withdraw every release (the sample's own included): none is in force."""
    with db.cursor() as cur:
        names = [r.name for r in releases.list_releases(cur) if not r.withdrawn]
    for name in names:
        releases.withdraw(db, name, "none in force", ADMIN)


def _case(name: str, definition: str, text, by: Actor = SAVER):
    def arrange(db):
        publish(db)
        return (name, definition, None, by), text

    return arrange


def _no_release(db):
    withdraw_all(db)
    return ("deck", specs_text(CHARTS), None, SAVER), saved_decks.NO_RELEASE


DEFINITION = specs_text(CHARTS)
REFUSALS = {
    "no-name": (_case("  ", DEFINITION, saved_decks.NAME_MISSING), Refused),
    "name-too-long": (_case("x" * 81, DEFINITION, saved_decks.NAME_TOO_LONG.format(n=80)), Refused),
    "no-charts": (_case("deck", "", saved_decks.EMPTY), Refused),
    "name-taken": (_taken, Refused),
    "pinned-to-a-withdrawn-release": (_withdrawn, Refused),
    "latest-with-no-release": (_no_release, Refused),
    "a-viewer": (_case("deck", DEFINITION, None, VIEWER), Forbidden),
}


@pytest.mark.parametrize(("arrange", "refusal"), REFUSALS.values(), ids=REFUSALS)
def test_a_refused_save_says_why_in_both_languages_and_writes_nothing(db, arrange, refusal):
    args, text = arrange(db)
    before = shown(db)
    with pytest.raises(refusal) as refused:
        save_deck(db, *args)
    if text is not None:
        assert refused.value.text == text
    assert all(refused.value.text) and refused.value.text.zh != refused.value.text.en  # both languages
    assert shown(db) == before


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (SAVER, True),
        (Actor("ｌｉ", "editor", "password"), True),  # the saver's name as compared (NFKC, case folded)
        (ADMIN, True),
        (OTHER, False),  # another editor: the deck is the saver's record
        (Actor("Li", "viewer", "password"), False),  # the saver, no longer an editor
        (VIEWER, False),
    ],
)
def test_the_saver_or_an_admin_deletes_a_deck(db, who, allowed):
    save(db, "三月汇报", publish(db))
    before = shown(db)
    assert saved_decks.may_delete(who, before[0][0]) is allowed
    if not allowed:
        with pytest.raises(Forbidden):
            delete_deck(db, "三月汇报", who)
        assert shown(db) == before
        return
    assert delete_deck(db, "三月汇报", who).name == "三月汇报"
    assert shown(db)[0] == ()


def test_deleting_an_unknown_deck_names_the_saved_ones(db):
    save(db, "三月汇报", publish(db))
    with pytest.raises(Refused) as refused:
        delete_deck(db, "六月汇报", ADMIN)
    assert refused.value.text == saved_decks.UNKNOWN.format(name="六月汇报", known="三月汇报")


def _release(release_id: int, withdrawn: bool = False) -> Release:
    when = dt.datetime(2026, 3, release_id)
    return Release(release_id, f"r{release_id}", None, "li", when, 1, withdrawn_at=when if withdrawn else None)


def _deck(release_id: int | None) -> SavedDeck:
    return SavedDeck("d", "x", release_id, "li", dt.datetime(2026, 3, 5))


@pytest.mark.parametrize(
    ("deck_pin", "known", "shows"),
    [
        (1, (_release(2), _release(1)), 1),  # pinned: that release, whatever came since
        (1, (_release(2), _release(1, withdrawn=True)), 1),  # still opens, marked (Release.withdrawn)
        (None, (_release(2), _release(1)), 2),  # the latest follows a newer release
        (None, (_release(2, withdrawn=True), _release(1)), 1),  # the newest in force
        (None, (_release(1, withdrawn=True),), None),  # none in force: the working data
        (None, (), None),
    ],
)
def test_the_release_a_saved_deck_shows(deck_pin, known, shows):
    release = pinned_release(_deck(deck_pin), known)
    assert (release.release_id if release else None) == shows


def test_a_pin_to_a_release_not_in_the_database_is_refused():
    with pytest.raises(Refused) as refused:
        pinned_release(_deck(7), (_release(1),))
    assert refused.value.text == saved_decks.RELEASE_GONE.format(name="d", id=7)


def test_schema_14_adds_the_saved_decks_to_a_version_13_database(db):
    with db.cursor() as cur, transaction(cur):
        cur.execute("DROP TABLE saved_decks")
        cur.execute("UPDATE meta SET value = '13' WHERE key = 'schema_version'")
    with db.cursor() as cur:
        migrate(cur)
        assert cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()[0][0] == str(
            SCHEMA_VERSION
        )
    assert save(db, "三月汇报", publish(db)).name == "三月汇报"


# --- the same deck, the same numbers ------------------------------------------------------------------------------


def cli(db, *args: str) -> int:
    return main([*args, "--db", db.name])


def pptx_said(deck_file) -> tuple[list[bytes], list[list[str]]]:
    """What a deck (a file, or its bytes) says: each chart's XML (its data and labels), and each slide's texts,
    table cells and notes (not the zip's bytes: its timestamps differ from file to file)."""
    prs = Presentation(io.BytesIO(deck_file) if isinstance(deck_file, bytes) else str(deck_file))
    shapes = [sh for s in prs.slides for sh in s.shapes]
    charts = [etree.tostring(sh.chart._chartSpace, method="c14n") for sh in shapes if sh.has_chart]
    texts = [
        [sh.text_frame.text for sh in s.shapes if sh.has_text_frame]
        + [c.text for sh in s.shapes if sh.has_table for row in sh.table.rows for c in row.cells]
        + [s.notes_slide.notes_text_frame.text]
        for s in prs.slides
    ]
    return charts, texts


def test_a_saved_deck_over_one_release_is_the_same_after_a_correction_and_the_latest_follows_the_next(db, tmp_path):
    with db.cursor() as cur:
        standard = deck.standard_specs(cur)  # every kind the standard deck draws: trends, map, index, targets
    first = publish(db)
    save(db, "三月汇报", first, charts=standard)
    save(db, "最新", None, charts=standard)

    def export(name: str, out: str) -> tuple:
        assert cli(db, "deck", "--saved", name, "--out", str(tmp_path / out), "--lang", "zh") == 0
        return pptx_said(tmp_path / out)

    def working(out: str) -> tuple:
        assert cli(db, "deck", "--out", str(tmp_path / out), "--lang", "zh") == 0
        return pptx_said(tmp_path / out)

    march, before = export("三月汇报", "march.pptx"), working("before.pptx")
    assert march[0] == before[0]  # published as it stood: the same figures
    uploads.load(db, CORRECTION, "correction.csv", EDITOR)
    assert export("三月汇报", "march-again.pptx") == march  # chart data and every text, the same
    assert working("after.pptx")[0] != before[0]  # the correction does show in the working data
    assert export("最新", "latest.pptx") == march  # the latest is still the first release
    publish(db, SECOND)
    latest = export("最新", "latest-again.pptx")
    assert latest[0] == working("now.pptx")[0] != march[0]  # now the second, with the correction
    assert any(SECOND in line for line in latest[1][0]) and not any(SECOND in line for line in march[1][0])


@pytest.mark.parametrize("lang", LANGS)
def test_the_title_slide_and_every_slides_notes_name_the_data(db, tmp_path, lang):
    first = publish(db)
    save(db, "三月汇报", first)
    named = first.source()(lang)
    _, texts = pptx_said_of(db, tmp_path, lang, "--saved", "三月汇报")
    assert named in texts[0] and all(named in slide[-1] for slide in texts)
    _, working = pptx_said_of(db, tmp_path, lang)
    said = releases.WORKING(lang)
    assert said in working[0] and all(said in slide[-1] for slide in working)


def pptx_said_of(db, tmp_path, lang: str, *args: str) -> tuple:
    out = tmp_path / f"deck-{lang}-{len(args)}.pptx"
    assert cli(db, "deck", "--out", str(out), "--lang", lang, *args) == 0
    return pptx_said(out)


def test_a_deck_pinned_to_a_withdrawn_release_still_exports_marked(db, tmp_path, capsys):
    save(db, "三月汇报", publish(db))
    releases.withdraw(db, FIRST, "a wrong year", ADMIN)
    capsys.readouterr()
    assert cli(db, "deck", "--saved", "三月汇报", "--out", str(tmp_path / "d.pptx"), "--lang", "en") == 0
    assert "withdrawn" in capsys.readouterr().err
    _, texts = pptx_said(tmp_path / "d.pptx")
    assert any(line.endswith("(withdrawn)") for line in texts[0])


@pytest.mark.parametrize(
    ("args", "status", "said"),
    [
        (["deck", "--saved", "三月汇报"], 0, "Wrote the deck"),
        (["deck", "--saved", "六月汇报"], 2, "There is no saved deck named “六月汇报”. Saved decks: 三月汇报"),
        (["deck", "--saved", "三月汇报", "--city", "330100"], 2, "has its own charts and release"),
        (["deck", "--saved", "三月汇报", "--release", FIRST], 2, "has its own charts and release"),
        (["deck", "--release", FIRST], 0, f"Data: {FIRST}"),
        (["deck", "--release", "第9版"], 2, f"There is no release named “第9版”. Releases: {FIRST}"),
        (["deck"], 0, "Data: working data"),
    ],
)
def test_deck_command_exit_statuses(db, tmp_path, capsys, args, status, said):
    save(db, "三月汇报", publish(db), charts=CHARTS[:1])
    out = tmp_path / "deck.pptx"
    assert cli(db, *args, "--out", str(out), "--lang", "en") == status
    printed = capsys.readouterr()
    assert said in printed.out + printed.err and "Traceback" not in printed.err
    assert out.exists() is (status == 0)


def test_decks_lists_the_saved_decks_and_what_each_shows(db, capsys):
    first = publish(db)
    save(db, "三月汇报", first)
    save(db, "最新", None, by=OTHER)
    releases.withdraw(db, FIRST, "wrong", ADMIN)
    publish(db, SECOND)
    capsys.readouterr()
    assert cli(db, "decks", "--json") == 0
    listed = {d["name"]: d for d in json.loads(capsys.readouterr().out)}
    assert listed["三月汇报"] | {"saved_at": None} == {
        "name": "三月汇报", "charts": 2, "pinned_release": FIRST, "latest": False, "shows": FIRST, "withdrawn": True,
        "saved_by": "Li", "saved_at": None,
    }  # fmt: skip
    assert (listed["最新"]["pinned_release"], listed["最新"]["latest"], listed["最新"]["shows"]) == (None, True, SECOND)
    assert cli(db, "decks", "--lang", "zh") == 0
    lines = capsys.readouterr().out.splitlines()
    assert any("三月汇报" in line and "（已撤回）" in line for line in lines)
    assert any("最新" in line and f"最新发布 → {SECOND}" in line for line in lines)


def test_decks_with_none_saved_prints_nothing(db, capsys):
    assert cli(db, "decks", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_saved_decks_charts_are_as_the_link_carries_them(db):
    first = publish(db)
    kept = save(db, "三月汇报", first)
    with db.cursor() as cur:
        assert saved_decks.deck_release(cur, kept) == first
    from metrics.present.deck_link import saved_specs

    assert saved_specs(kept) == list(CHARTS)
    with pytest.raises(Refused):
        saved_specs(SavedDeck("bad", "not-a-deck", None, "li", kept.saved_at))


def test_a_releases_deck_leaves_out_the_open_rounds_progress(db):
    """The round's progress is the working data's (files come in, pilots fall late day by day): a release's deck,
    the same every time, has no such slide."""
    year = SAMPLE_END_YEAR + 1
    forms.open_round(db, Round(year, ("activities",), dt.date(year, 1, 31)), EDITOR)
    first = publish(db)

    def titles(prs) -> list[str]:
        return [next(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in prs.slides]

    with db.cursor() as cur:
        working = Presentation(io.BytesIO(deck.build(cur, list(CHARTS), "en")))
        with releases.frozen(cur, first.release_id) as frozen:
            published = Presentation(io.BytesIO(deck.build(frozen, list(CHARTS), "en", release=first)))
    assert f"Collecting the {year} figures" in titles(working)
    assert not [t for t in titles(published) if t.startswith("Collecting")]
