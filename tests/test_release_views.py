"""Every view can show a release: the sidebar's choice (in the URL, a viewer's default), the release's numbers after
the working data changed, source lines and downloads naming it, publishing and withdrawing on the round page, and
a release's view staying cached whatever is loaded or undone."""

from __future__ import annotations

import codecs
import io
import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import ADMIN, EDITOR, SAMPLE_END_YEAR, copy_sample
from streamlit.testing.v1 import AppTest
from test_pages import ROOT, SHOWN, URLS, chart_traces, metric_values, open_app

from metrics.access import accounts
from metrics.analysis.publication import cautions, edition, suggested_name
from metrics.domain import registry
from metrics.domain.formatting import format_value
from metrics.domain.i18n import LANGS, Refused
from metrics.domain.programme import Scope
from metrics.ingest import forms, uploads
from metrics.present import exports
from metrics.present.chart_resolve import resolve
from metrics.present.chart_spec import ChartSpec
from metrics.store import releases
from metrics.store.database import open_database
from metrics.store.rounds import Round
from metrics.store.series import series
from ui import data
from ui.nav import PAGES

NAME = "2025年度数据（第1版）"
SAMPLE_RELEASE = f"{SAMPLE_END_YEAR}年度数据（样例）"  # what init publishes
HANGZHOU = "330100"
CORRECTION = f"city,year,agreements\n{HANGZHOU},{SAMPLE_END_YEAR},9999\n".encode()  # loaded after publishing
PASSWORD = "a long enough password"
WORKING_PAGES = {p.url for p in PAGES if p.working}


def agreements(path: Path, release: str | None, city: str | None = None) -> float:
    """The programme's (or a city's) agreements of the last year, as the working data or a release holds them."""
    scope = Scope(cities=(city,)) if city else None
    with open_database(path).cursor() as cur:
        if release is None:
            return float(series(cur, "agreements", scope, years=(SAMPLE_END_YEAR,) * 2)["value"].iloc[0])
        with releases.frozen(cur, releases.named(cur, release).release_id) as frozen:
            return float(series(frozen, "agreements", scope, years=(SAMPLE_END_YEAR,) * 2)["value"].iloc[0])


@pytest.fixture(scope="module")
def released_file(sample_file, tmp_path_factory) -> Path:
    """The sample with a release published and a correction loaded after it (the working data now differs), in a
    closed file made once for this module."""
    path = copy_sample(sample_file, tmp_path_factory.mktemp("released") / "pilot.duckdb")
    database = open_database(path)
    releases.publish(database, NAME, "pytest", EDITOR)
    _, upload_id = uploads.load(database, CORRECTION, "correction.csv", EDITOR)
    assert upload_id is not None
    database.close()
    return path


@pytest.fixture()
def released_app(released_file, monkeypatch) -> Path:
    """The module's released sample, shared by the tests that only read it, opened by the app through PILOT_DB."""
    monkeypatch.setenv("PILOT_DB", str(released_file))
    return released_file


@pytest.fixture()
def own_released(released_file, tmp_path, monkeypatch) -> Path:
    """A copy of the released sample of this test's own, for a test that writes."""
    path = copy_sample(released_file, tmp_path / "data" / "pilot.duckdb")
    monkeypatch.setenv("PILOT_DB", str(path))
    return path


def flat(text: str) -> str:
    return re.sub(r"<br>|\s", "", text)


def chart_sources(at: AppTest) -> list[str]:
    """The source line under each Plotly chart of the page (its last annotation that names the data)."""
    found = []
    for chart in at.get("plotly_chart"):
        texts = [a.get("text", "") for a in json.loads(chart.proto.spec)["layout"].get("annotations", [])]
        found += [flat(t) for t in texts if "数据：" in t or "Data:" in t]
    return found


def headline(at: AppTest, lang: str) -> str:
    return metric_values(at)[registry.get("agreements").label(lang)]


def formatted(value: float, lang: str) -> str:
    return format_value(value, registry.get("agreements"), lang)


# --- the store and the core -------------------------------------------------------------------------------------


@pytest.mark.both_engines
@pytest.mark.parametrize("name", ["working", "Working", " working "])
def test_the_working_datas_name_is_reserved(db, name):
    with db.cursor() as cur:
        before = releases.list_releases(cur)  # the sample's own
    with pytest.raises(Refused, match="reserved"):
        releases.publish(db, name, None, EDITOR)
    with db.cursor() as cur:
        assert releases.list_releases(cur) == before


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2025年度数据（第1版）", 1),
        ("2025年度数据（第 12 版）", 12),
        ("2025 annual data, edition 3", 3),
        ("2025年度数据", 1),
    ],
)
def test_a_names_edition(name, expected):
    assert edition(name) == expected


@pytest.mark.parametrize(
    ("published", "lang", "expected"),
    [
        # The sample ships its own release of the year (SAMPLE_RELEASE, no edition named: the first).
        ((), "zh", f"{SAMPLE_END_YEAR}年度数据（第2版）"),
        ((), "en", f"{SAMPLE_END_YEAR} annual data, edition 2"),
        ((f"{SAMPLE_END_YEAR}年度数据（第1版）",), "zh", f"{SAMPLE_END_YEAR}年度数据（第2版）"),
        ((f"{SAMPLE_END_YEAR}年度数据（第1版）", f"{SAMPLE_END_YEAR} annual data, edition 2"), "zh",
         f"{SAMPLE_END_YEAR}年度数据（第3版）"),
        (("2019年度数据（第4版）",), "zh", f"{SAMPLE_END_YEAR}年度数据（第2版）"),
    ],
)  # fmt: skip
def test_the_next_release_is_suggested_by_year_and_edition(db, published, lang, expected):
    for name in published:
        releases.publish(db, name, None, EDITOR)
    with db.cursor() as cur:
        assert suggested_name(cur, lang) == expected


def test_publishing_warns_of_a_year_being_collected_and_pilots_not_approved(db):
    with db.cursor() as cur:
        assert cautions(cur) == ()
    forms.open_round(db, Round(SAMPLE_END_YEAR + 1, ("agreements",), None), EDITOR)
    uploads.load(db, f"city,year,agreements\n{HANGZHOU},{SAMPLE_END_YEAR + 1},10\n".encode(), "a.csv", EDITOR)
    forms.open_round(db, Round(SAMPLE_END_YEAR, ("agreements",), None), EDITOR)
    forms.close_round(db, SAMPLE_END_YEAR, ADMIN)
    with db.cursor() as cur:
        said = [c.en for c in cautions(cur)]
    assert len(said) == 2
    assert said[0].startswith(f"{SAMPLE_END_YEAR + 1} is still being collected (1 of ")
    assert said[1].startswith(f"{SAMPLE_END_YEAR}: 0 of ") and "approved" in said[1]


@pytest.mark.parametrize("lang", LANGS)
def test_a_charts_source_line_names_the_release_or_the_working_data(released_file, lang):
    spec = ChartSpec("trend", "agreements", (2014, SAMPLE_END_YEAR))
    with open_database(released_file).cursor() as cur:
        release = releases.named(cur, NAME)
        working = resolve(cur, spec, lang)
        with releases.frozen(cur, release.release_id) as frozen:
            published = resolve(frozen, spec, lang, release=release)
            asked = resolve(frozen, spec, lang)  # a caller that does not say (the deck): the cursor knows
        assert releases.shown(cur) is None  # the block is over: the working data again
    assert releases.WORKING(lang) in working.source and releases.WORKING(lang) in working.brief_source
    assert release.source()(lang) in published.source and release.source()(lang) in published.brief_source
    assert asked.source == published.source
    assert published.lines[0].values[-1] != working.lines[0].values[-1]  # the correction is not in the release


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_a_table_export_names_its_data_under_the_table(fmt):
    frame = pd.DataFrame({"city": ["杭州市"], "value": [1]})
    line = "数据：2025年度数据（第1版），2026-03-04 发布"
    made = exports.to_bytes(frame, fmt, "data", line)
    if fmt == "csv":
        assert made.startswith(codecs.BOM_UTF8)
        assert made.decode("utf-8-sig").splitlines() == ["city,value", "杭州市,1", "", line]
    else:
        rows = list(openpyxl.load_workbook(io.BytesIO(made)).active.iter_rows(values_only=True))
        assert rows[:2] == [("city", "value"), ("杭州市", 1)] and rows[-1][0] == line


# --- every page, of a release -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", URLS)
def test_every_page_shows_the_release_its_link_names(released_app, page, lang):
    at = open_app(page, lang=lang, release=NAME, city=HANGZHOU)
    assert not at.error, [e.value for e in at.error]
    assert at.get(SHOWN[page].element), f"the page draws its {SHOWN[page].element}"
    if page in WORKING_PAGES:  # about the working data itself: it says so, and the link's choice does not apply
        assert "release" not in [s.key for s in at.sidebar.selectbox] and "release" not in at.query_params
        assert any(("本页显示工作数据" if lang == "zh" else "shows the working data") in c.value
                   for c in at.sidebar.caption)  # fmt: skip
        assert all(flat(releases.WORKING(lang)) in s for s in chart_sources(at))
        return
    if page != "present":  # presentation mode has no sidebar, but follows the choice
        assert at.sidebar.selectbox(key="release").value == NAME
        assert at.query_params["release"] == NAME
    with open_database(released_app).cursor() as cur:
        line = flat(releases.named(cur, NAME).source()(lang))
    sources = chart_sources(at)
    assert sources if SHOWN[page].element == "plotly_chart" else not sources
    assert all(line in s for s in sources), sources
    if page == "overview":
        assert headline(at, lang) == formatted(agreements(released_app, NAME), lang)
    if page == "city":  # the corrected pilot's agreements chart, as published
        titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
        lines = chart_traces(at, next(i for i, t in enumerate(titles) if registry.get("agreements").label(lang) in t))
        shown = lines["杭州市" if lang == "zh" else "Hangzhou"][SAMPLE_END_YEAR]
        assert shown == agreements(released_app, NAME, HANGZHOU)
        assert agreements(released_app, None, HANGZHOU) == 9999  # the working data's, since corrected


def test_the_release_shows_its_numbers_and_the_working_data_the_correction(released_app):
    published, working = agreements(released_app, NAME), agreements(released_app, None)
    assert published != working
    at = open_app("overview", lang="en", release=NAME)
    assert headline(at, "en") == formatted(published, "en")
    at.sidebar.selectbox(key="release").set_value(releases.WORKING_NAME).run()
    assert headline(at, "en") == formatted(working, "en")
    assert at.query_params["release"] == releases.WORKING_NAME
    assert all(flat(releases.WORKING("en")) in s for s in chart_sources(at))


def test_the_choice_round_trips_through_the_url_and_survives_a_working_page(released_app):
    at = open_app("compare", lang="en", release=releases.WORKING_NAME)
    assert at.sidebar.selectbox(key="release").value == releases.WORKING_NAME  # the local admin's default too
    at.sidebar.selectbox(key="release").set_value(NAME).run()
    assert at.query_params["release"] == NAME
    at.switch_page("app_pages/round.py").run()
    assert "release" not in at.query_params  # the round is the working data's
    at.switch_page("app_pages/map.py").run()
    assert at.query_params["release"] == NAME and at.sidebar.selectbox(key="release").value == NAME
    again = open_app("map", **dict(at.query_params))  # the link, opened afresh
    assert again.sidebar.selectbox(key="release").value == NAME


@pytest.mark.parametrize("lang", LANGS)
def test_an_unknown_release_says_so_and_shows_the_default(released_app, lang):
    at = open_app("overview", lang=lang, release="没有这一版")
    said = [w.value for w in at.warning]
    assert any("没有这一版" in w and ("不存在" if lang == "zh" else "does not exist") in w for w in said), said
    assert at.sidebar.selectbox(key="release").value == releases.WORKING_NAME  # the local admin's default
    assert at.query_params["release"] == releases.WORKING_NAME


@pytest.mark.parametrize("lang", LANGS)
def test_a_withdrawn_release_still_opens_under_a_banner_naming_who_when_and_why(own_released, lang):
    database = open_database(own_released)
    releases.withdraw(database, NAME, "数字有误 wrong figures", ADMIN)
    at = open_app("overview", lang=lang, release=NAME)
    banner = next(w.value for w in at.warning if ADMIN.name in w.value)
    assert "数字有误 wrong figures" in banner and ("撤回" if lang == "zh" else "withdrawn") in banner
    picker = at.sidebar.selectbox(key="release")
    assert picker.value == NAME
    assert any(c.value.startswith("已撤回" if lang == "zh" else "Withdrawn") for c in at.sidebar.caption)
    assert all(("（已撤回）" if lang == "zh" else "(withdrawn)") in s for s in chart_sources(at))
    assert headline(at, lang) == formatted(agreements(own_released, NAME), lang)


@pytest.mark.parametrize(("release", "editable"), [(NAME, False), (releases.WORKING_NAME, True)])
def test_a_release_offers_no_rule_to_change_the_working_data_does(released_app, release, editable):
    at = open_app("about", lang="en", release=release)
    assert ("rule-edit" in [s.key for s in at.selectbox]) is editable
    assert any("published release, which never changes" in c.value for c in at.caption) is not editable


# --- who sees what by default ------------------------------------------------------------------------------------


def signed_in(name: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    at.text_input(key="sign_in_name").input(name)
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button[-1].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize(("name", "role", "shown"), [("viewer", "viewer", NAME), ("ed", "editor", "working")])
def test_a_viewer_sees_the_latest_release_and_an_editor_the_working_data(own_released, name, role, shown):
    database = open_database(own_released)
    accounts.add_user(database, "root", "admin", PASSWORD, ADMIN)  # the first account is an admin
    accounts.add_user(database, name, role, PASSWORD, ADMIN)
    at = signed_in(name)
    assert at.sidebar.selectbox(key="release").value == shown
    assert headline(at, "en") == formatted(agreements(own_released, None if shown == "working" else shown),
                                           "en")  # fmt: skip


# --- publishing and withdrawing on the round page -------------------------------------------------------------


def test_an_editor_publishes_from_the_round_page_and_an_admin_withdraws(own_released):
    at = open_app("round", lang="zh")
    assert not [i for i in at.text_input if i.key == "release_name"]  # drawn only once opened
    at.session_state["release_publish_open"] = True  # as a click on the expander does
    at.session_state["release_withdraw_open"] = True
    at.run()
    assert at.text_input(key="release_name").value == f"{SAMPLE_END_YEAR}年度数据（第2版）"
    at.text_input(key="release_note").input("更正杭州市数字后重新发布")
    at.button(key="release_publish_button").click().run()
    assert any(f"已发布“{SAMPLE_END_YEAR}年度数据（第2版）”" in s.value for s in at.success)
    listed = next(d.value for d in [*at.dataframe, *at.table] if "名称" in d.value.columns)
    assert list(listed["名称"]) == [f"{SAMPLE_END_YEAR}年度数据（第2版）", NAME, SAMPLE_RELEASE]
    assert at.text_input(key="release_name").value == f"{SAMPLE_END_YEAR}年度数据（第3版）"  # suggested afresh
    with open_database(own_released).cursor() as cur:
        second = releases.named(cur, f"{SAMPLE_END_YEAR}年度数据（第2版）")
    assert second.note == "更正杭州市数字后重新发布" and second.published_by == "local"
    assert agreements(own_released, second.name) == agreements(own_released, None)

    at.text_input(key="release_name").input("working")  # refused, said, nothing written
    at.button(key="release_publish_button").click().run()
    assert any("保留名称" in e.value for e in at.error)
    at.selectbox(key="release_withdraw_name").set_value(NAME)
    at.button(key="release_withdraw_button").click().run()  # no reason: refused
    assert any("撤回发布须写明原因" in e.value for e in at.error)
    at.text_input(key="release_withdraw_reason").input("杭州市数字有误")
    at.button(key="release_withdraw_button").click().run()
    assert any(f"已撤回“{NAME}”" in s.value for s in at.success)
    with open_database(own_released).cursor() as cur:
        assert [r.name for r in releases.list_releases(cur)] == [second.name, NAME, SAMPLE_RELEASE]
        assert releases.named(cur, NAME).withdrawn_reason == "杭州市数字有误"


# --- a release's view stays cached --------------------------------------------------------------------------------


def undo_last(path: Path) -> None:
    database = open_database(path)
    with database.cursor() as cur:
        upload_id = int(cur.execute("SELECT max(upload_id) FROM uploads").fetchone()[0])
    uploads.undo(database, upload_id, EDITOR)


def load_more(path: Path) -> None:
    uploads.load(open_database(path), CORRECTION.replace(b"9999", b"12345"), "more.csv", EDITOR)


@pytest.mark.parametrize("change", [load_more, undo_last])
def test_loading_or_undoing_leaves_a_release_views_caches_alone(own_released, monkeypatch, change):
    reads = {"release": 0, "working": 0}  # cache misses, by the data they read
    reading = data.reading

    def counted(data_key=None):
        reads["release" if data_key is not None and data_key[1] == "release" else "working"] += 1
        return reading(data_key)

    monkeypatch.setattr(data, "reading", counted)
    at = open_app("overview", lang="en", release=NAME)
    shown = metric_values(at)
    assert reads["release"] > 0  # the first visit read the release
    reads.update(release=0, working=0)
    change(own_released)
    at.run()
    assert metric_values(at) == shown
    assert reads["release"] == 0  # the working data's own reads (which releases there are, accounts) are read again
    # only if what they read changed
