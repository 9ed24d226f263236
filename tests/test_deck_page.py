"""The Deck page's saved decks through AppTest: save (an editor), list, open, present and download over the deck's
own release; refusals in both languages; who may delete."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import ADMIN, EDITOR, SAMPLE_END_YEAR
from test_pages import open_app
from test_saved_decks import CHARTS, CORRECTION, FIRST, pptx_said, publish, save, withdraw_all

from metrics.access import accounts
from metrics.domain.i18n import LANGS
from metrics.domain.roles import Actor
from metrics.ingest import uploads
from metrics.store import releases
from metrics.store.database import open_database
from metrics.store.saved_decks import NAME_MISSING, NAME_TAKEN, list_decks

PASSWORD = "a long enough password"
LI = Actor("li", "editor", "password")


def deck_page(**params) -> object:
    return open_app("deck", **params)


def captions(at) -> list[str]:
    return [c.value.replace("\\", "") for c in at.caption]


def save_in_app(at, name: str, pin: str | None = None):
    at.text_input(key="deck_save_name").input(name)
    if pin is not None:
        at.radio(key="deck_save_pin").set_value(pin)
    at.button(key="deck_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def agreements_in(at) -> dict[int, float]:
    """The programme's agreements by year, as the first chart on the page draws them (the trend of CHARTS)."""
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    trace = next(t for t in spec["data"] if t.get("x"))
    return dict(zip(trace["x"], trace["y"], strict=True))


@pytest.mark.parametrize("lang", LANGS)
def test_an_editor_saves_the_deck_pinned_to_the_latest_release_and_it_is_listed_and_open(app_db, lang):
    first = publish(open_database(app_db))
    at = deck_page(lang=lang)
    at.button(key="deck_standard").click().run()
    assert at.radio(key="deck_save_pin").options == [
        ("始终用最新发布（现为“{n}”）" if lang == "zh" else "Always the latest release (now “{n}”)").format(n=FIRST)
    ]  # the working data is shown: only the latest release is offered
    save_in_app(at, "三月汇报")
    with open_database(app_db).cursor() as cur:
        (kept,) = list_decks(cur)
    assert (kept.name, kept.latest, kept.saved_by) == ("三月汇报", True, "local")
    assert at.query_params["saved"] == "三月汇报"
    assert any("三月汇报" in m.value for m in at.markdown)  # open, and listed
    assert first.source()(lang) in captions(at)  # the deck now shows the release
    assert len([b for b in at.button if b.key and b.key.startswith("saved-open-")]) == 1


REFUSED_SAVES = {
    "name-taken": (lambda db: save(db, "三月汇报", publish(db)), "三月汇报",
                   NAME_TAKEN.format(name="三月汇报", who="Li", when=f"{dt.date.today():%Y-%m-%d}")),
    "no-name": (publish, " ", NAME_MISSING),
}  # fmt: skip


@pytest.mark.parametrize(("arrange", "name", "said"), REFUSED_SAVES.values(), ids=REFUSED_SAVES)
@pytest.mark.parametrize("lang", LANGS)
def test_a_refused_save_is_said_in_the_pages_language_and_saves_nothing(app_db, arrange, name, said, lang):
    database = open_database(app_db)
    arrange(database)
    with database.cursor() as cur:
        before = list_decks(cur)
    at = deck_page(lang=lang)
    at.button(key="deck_standard").click().run()
    save_in_app(at, name)
    assert [e.value for e in at.error] == [said(lang)]
    with database.cursor() as cur:
        assert list_decks(cur) == before


def test_with_no_release_the_page_says_a_saved_deck_needs_one(app_db):
    withdraw_all(open_database(app_db))
    at = deck_page(lang="en")
    at.button(key="deck_standard").click().run()
    assert any("There is no release in force: a saved deck is pinned to a release." in i.value for i in at.info)
    assert not at.text_input


def test_opening_a_saved_deck_shows_its_release_whatever_was_loaded_since_and_presents_it(app_db):
    database = open_database(app_db)
    save(database, "三月汇报", publish(database), charts=CHARTS)
    uploads.load(database, CORRECTION, "correction.csv", EDITOR)  # Hangzhou's agreements, a year back, now 999
    at = open_app("overview", lang="en")
    at.switch_page("app_pages/deck.py").run()
    at.button(key="saved-open-0").click().run()
    assert not at.exception
    assert len([b for b in at.button if b.key and b.key.startswith("deck-drop-")]) == len(CHARTS)
    with database.cursor() as cur:
        release = releases.find(cur, FIRST)
    assert release is not None and release.source()("en") in captions(at)
    at.button(key="saved-present-0").click().run()
    assert not at.exception and at.subheader[0].value == f"1 / {len(CHARTS)}"
    assert release.source()("en") in captions(at)
    published = agreements_in(at)
    working = open_app("present", lang="en", deck=at.query_params["deck"])  # the same charts, the working data
    year = SAMPLE_END_YEAR - 1
    assert agreements_in(working)[year] != published[year]  # the correction is there, and not in the release


def test_a_link_to_a_saved_deck_opens_it_and_an_unknown_one_says_so(app_db):
    database = open_database(app_db)
    save(database, "三月汇报", publish(database), charts=CHARTS)
    at = deck_page(lang="en", saved="三月汇报")
    assert len([b for b in at.button if b.key and b.key.startswith("deck-drop-")]) == len(CHARTS)
    assert any("Saved deck **三月汇报** open" in m.value.replace("\\", "") for m in at.markdown)
    at = deck_page(lang="zh", saved="六月汇报")
    assert any("没有名为“六月汇报”的已保存演示稿。已有：三月汇报" in w.value for w in at.warning)
    assert "saved" not in at.query_params


def test_a_deck_pinned_to_a_withdrawn_release_still_opens_marked(app_db):
    database = open_database(app_db)
    save(database, "三月汇报", publish(database), charts=CHARTS)
    releases.withdraw(database, FIRST, "a wrong year", ADMIN)
    at = deck_page(lang="en", saved="三月汇报")
    assert any("was withdrawn on" in w.value and "a wrong year" in w.value for w in at.warning)
    assert any(c.endswith("(withdrawn)") for c in captions(at))


def test_a_saved_decks_download_is_made_over_its_release(app_db, monkeypatch):
    """What the PPTX button of a saved deck (and the deck's own, with a release shown) makes when clicked: data.make
    over the view of the release, outside the page's run."""
    from metrics.present import deck
    from ui import data
    from ui.state import View

    database = open_database(app_db)
    first = publish(database)
    uploads.load(database, CORRECTION, "correction.csv", EDITOR)
    at = deck_page(lang="zh")
    assert [b.proto.label for b in at.get("download_button")] == []  # no saved deck, no deck yet
    save(database, "三月汇报", first, charts=CHARTS)
    at = deck_page(lang="zh")
    assert [b.proto.label for b in at.get("download_button")] == ["PPTX"]
    view = View("zh", at.session_state["_view"].years, at.session_state["_view"].scope, release=first)
    made = pptx_said(data.make(view, deck.build, CHARTS, "zh", release=first))
    with database.cursor() as cur, releases.frozen(cur, first.release_id) as frozen:
        expected = pptx_said(deck.build(frozen, CHARTS, "zh", release=first))
    with database.snapshot() as cur:
        working = pptx_said(deck.build(cur, CHARTS, "zh"))
    assert made == expected and made[0] != working[0]  # the release, not the correction loaded since
    assert first.source()("zh") in made[1][0]


@pytest.fixture()
def app_people(app_db):
    """The app's database with an editor who saved a deck, another editor, a viewer and an admin."""
    database = open_database(app_db)
    for name, role in (("root", "admin"), ("li", "editor"), ("wang", "editor"), ("zhao", "viewer")):
        accounts.add_user(database, name, role, PASSWORD, ADMIN)
    save(database, "三月汇报", publish(database), by=LI, charts=CHARTS)
    return app_db


@pytest.mark.parametrize(
    ("name", "saves", "deletes"),
    [("li", True, True), ("wang", True, False), ("root", True, True), ("zhao", False, False)],
)
def test_who_saves_and_who_deletes(app_people, name, saves, deletes):
    from test_access import signed_in

    at = signed_in(name, PASSWORD)
    at.switch_page("app_pages/deck.py").run()
    at.button(key="saved-open-0").click().run()
    assert not at.exception
    assert any(t.key == "deck_save_name" for t in at.text_input) is saves
    keys = {b.key for b in at.button}
    assert ("saved-delete-yes-0" in keys) is deletes
    if deletes:
        at.button(key="saved-delete-yes-0").click().run()
        assert not [b for b in at.button if b.key == "saved-open-0"]
        assert "saved" not in at.query_params  # the deck it had open is closed
