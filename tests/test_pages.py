"""The dashboard through Streamlit's AppTest: every page in both languages, and the numbers it shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import EDITOR, SAMPLE_END_YEAR, lock_holder
from streamlit.testing.v1 import AppTest

from benchmarks.browser import DRAWN
from benchmarks.pages import FLIPS
from metrics.cli import main
from metrics.domain import registry
from metrics.domain.formatting import format_value
from metrics.domain.i18n import LANGS
from metrics.domain.programme import Scope
from metrics.ingest import uploads
from metrics.store.database import open_database
from metrics.store.meta import bump_data_version
from metrics.store.series import series
from ui.nav import DEFAULT, PAGES

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60


class Shows(NamedTuple):
    """What shows that a page has drawn (an element type of AppTest), and whether the page is framed by a title and
    the sample-data banner (presentation mode is neither)."""

    element: str
    framed: bool = True


# Every page of ui.nav.PAGES, by its url (test_every_page_has_a_case keeps the two equal).
SHOWN = {
    "overview": Shows("plotly_chart"),
    "city": Shows("plotly_chart"),
    "compare": Shows("plotly_chart"),
    "map": Shows("plotly_chart"),
    "assessment": Shows("plotly_chart"),
    "completeness": Shows("plotly_chart"),
    "round": Shows("dataframe"),
    "changes": Shows("caption"),
    "deck": Shows("button"),
    "upload": Shows("file_uploader"),
    "admin": Shows("expander"),
    "about": Shows("table"),
    "present": Shows("plotly_chart", framed=False),
}
URLS = [page.url for page in PAGES]


def open_app(page: str = DEFAULT, **params) -> AppTest:
    """The app run once on the page at url `page`, with URL query parameters."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.query_params.update(params)
    at.run()
    if page != DEFAULT:
        # As a link straight to the page would: its own parameters are there when it first runs.
        at.query_params.update(params)
        at.switch_page(next(p.path for p in PAGES if p.url == page)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def cli_series(capsys, key: str, *codes: str) -> dict:
    """`python -m metrics series KEY [--city …] --json`, as {(city_code, year): value}."""
    args = ["series", key, "--json"] + [a for c in codes for a in ("--city", c)]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    return {(p["city_code"], p["year"]): p["value"] for p in result["series"]}


def metric_values(at: AppTest) -> dict[str, str]:
    """Metric label -> value shown."""
    return {m.label: m.value for m in at.metric}


def chart_traces(at: AppTest, index: int) -> dict[str, dict[int, float | None]]:
    """Trace name -> {year: y} of the index-th Plotly chart on the page."""
    spec = json.loads(at.get("plotly_chart")[index].proto.spec)
    return {t["name"]: dict(zip(t["x"], t["y"], strict=True)) for t in spec["data"] if t.get("x")}


@pytest.mark.parametrize(
    ("cases", "what"),
    [
        (SHOWN, "tests/test_pages.py's SHOWN"),
        (DRAWN, "benchmarks/browser.py's DRAWN (the browser tests, the screenshots)"),
        (FLIPS, "benchmarks/pages.py's FLIPS (the benchmark)"),
    ],
)
def test_every_page_has_a_case(cases, what):
    assert list(cases) == URLS, f"{what} must name every page of ui.nav.PAGES, in its order"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", URLS)
def test_every_page_runs_in_both_languages(sample_app, page, lang):
    at = open_app(page, lang=lang)
    assert not at.error, [e.value for e in at.error]
    assert at.get(SHOWN[page].element), f"the page draws its {SHOWN[page].element}"
    if SHOWN[page].framed:
        assert at.title, "every page has a title"
        # The sample-data banner is shown while the sample is loaded.
        assert any(("示例数据" if lang == "zh" else "Sample data") in i.value for i in at.info)


@pytest.mark.parametrize("lang", LANGS)
def test_navigation_is_titled_in_the_language(sample_app, lang):
    at = open_app(DEFAULT, lang=lang)
    titles = {p["page_name"] for p in at._registered_pages.values()}  # the pages st.navigation offered this run
    assert titles == {page.title(lang) for page in PAGES}  # every page in local mode


def test_headlines_equal_the_cli(sample_app, capsys):
    at = open_app("overview", lang="en")
    shown = metric_values(at)
    for key in registry.CORE_KEYS:
        ind = registry.get(key)
        expected = cli_series(capsys, key)[(None, SAMPLE_END_YEAR)]
        assert shown[ind.label_en] == format_value(expected, ind, "en")


def test_changing_the_year_range_moves_the_headline_year(sample_app, capsys):
    at = open_app("overview", lang="zh")
    at.sidebar.slider[0].set_value((2015, 2019)).run()
    assert any("2019 年主要指标" in h.value for h in at.subheader)
    expected = cli_series(capsys, "agreements")[(None, 2019)]
    assert metric_values(at)["签订合作协议"] == format_value(expected, registry.get("agreements"), "zh")
    trend = chart_traces(at, 2)  # the matching activities trend, after the pilots bar chart
    assert sorted(next(iter(trend.values()))) == [2015, 2016, 2017, 2018, 2019]
    assert at.query_params["years"] == "2015-2019"


def test_city_profile_lines_equal_the_cli(sample_app, capsys):
    at = open_app("city", lang="en")
    at.selectbox(key="city").set_value("330100").run()
    assert at.title[0].value == "Hangzhou"
    expected = cli_series(capsys, "activities", "330100")
    line = chart_traces(at, 0)["Hangzhou"]
    assert {y: v for y, v in line.items()} == {y: v for (_, y), v in expected.items()}
    assert at.query_params["city"] == "330100"


def test_switching_language_relabels_everything(sample_app):
    at = open_app("overview", lang="zh")
    assert at.metric[0].label == "对接活动"
    at.sidebar.radio(key="lang").set_value("en").run()
    assert at.metric[0].label == "Matching activities held"
    assert at.title[0].value == "Pilot-city innovation dashboard"  # the first screen says what the tool is
    assert at.caption[0].value.endswith("Programme overview: 2014–2025, total of the selected pilots")


@pytest.mark.parametrize("mode", ["absolute", "change", "indexed", "share"])
def test_compare_modes(sample_app, capsys, mode):
    at = open_app("compare", lang="en", indicator="activities", cities="330100,420100", mode=mode)
    traces = chart_traces(at, 0)
    assert set(traces) == {"Hangzhou", "Wuhan"}
    raw = cli_series(capsys, "activities", "330100", "420100")
    total = cli_series(capsys, "activities")
    hz = traces["Hangzhou"]
    if mode == "absolute":
        assert hz[2020] == raw[("330100", 2020)]
    elif mode == "change":
        assert hz[2020] == raw[("330100", 2020)] - raw[("330100", 2019)]
    elif mode == "indexed":
        assert hz[2014] == pytest.approx(100) and hz[2020] == pytest.approx(
            raw[("330100", 2020)] / raw[("330100", 2014)] * 100
        )
    else:
        assert hz[2020] == pytest.approx(raw[("330100", 2020)] / total[(None, 2020)] * 100)


def test_url_reproduces_the_view(sample_app):
    at = open_app("compare", lang="en", indicator="stations_founded", cities="P0001", region="east", years="2018-2024")
    assert at.selectbox(key="compare_indicator").value == "stations_founded"
    assert at.multiselect(key="cities").value == ["P0001"]
    assert at.sidebar.slider[0].value == (2018, 2024)
    assert at.sidebar.multiselect(key="region").value == ["east"]


def test_bad_url_parameters_fall_back_to_defaults(sample_app):
    at = open_app("compare", lang="xx", indicator="nope", years="abc", cities="999999,330100", batch="x")
    assert at.sidebar.radio(key="lang").value == "zh"
    assert at.multiselect(key="cities").value == ["330100"]
    assert not at.error


def test_filters_narrow_the_totals(sample_app, capsys):
    at = open_app("overview", lang="en", region="west")
    with open_database(sample_app).cursor() as cur:
        scope = Scope(regions=("west",))
        expected = series(cur, "activities", scope, years=(SAMPLE_END_YEAR, SAMPLE_END_YEAR))
    assert at.metric[0].value == format_value(expected["value"].iloc[0], registry.get("activities"), "en")


def test_a_commit_shows_at_once(app_db):
    at = open_app("overview", lang="en")
    before = at.metric[0].value
    database = open_database(app_db)
    with database.cursor() as cur:
        cur.execute(
            "UPDATE matching_activities SET activities = activities + 1000 WHERE year = $y", {"y": SAMPLE_END_YEAR}
        )
        bump_data_version(cur)
    at.run()
    assert at.metric[0].value != before


def test_a_missing_database_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("PILOT_DB", str(tmp_path / "missing.duckdb"))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert "python -m metrics init" in at.error[0].value


def test_a_link_with_too_many_cities_keeps_the_first_twelve(sample_app):
    codes = ["330100", "420100", "510100", "610100", "320100", "370200", "430100", "210100", "340100", "410100",
             "330200", "320500", "440100", "440300"]  # fmt: skip
    at = open_app("compare", lang="en", cities=",".join(codes))
    assert at.multiselect(key="cities").value == codes[:12]


def test_the_year_range_follows_the_data_when_it_shrinks(app_db):
    at = open_app("overview", lang="en", years=f"{SAMPLE_END_YEAR}-{SAMPLE_END_YEAR}")
    with open_database(app_db).cursor() as cur:
        for table in ("matching_activities", "agreements", "service_stations", "experts"):
            cur.execute(f"DELETE FROM {table} WHERE year = $y", {"y": SAMPLE_END_YEAR})
        bump_data_version(cur)
    at.run()
    assert not at.exception
    # The officer was looking at the latest year; now that is the year before.
    assert at.sidebar.slider[0].value == (SAMPLE_END_YEAR - 1, SAMPLE_END_YEAR - 1)


def test_the_url_is_written_even_when_a_page_stops_early(sample_app):
    at = open_app("compare", lang="en", cities="330100")
    at.multiselect(key="cities").set_value([]).run()
    assert "cities" not in at.query_params and "indicator" in at.query_params


def test_choices_follow_the_officer_from_page_to_page(sample_app):
    at = open_app("compare", lang="en")
    at.selectbox(key="compare_indicator").set_value("stations_founded").run()
    at.switch_page("app_pages/map.py").run()
    assert at.selectbox(key="map_indicator").value == "stations_founded"
    assert at.query_params["indicator"] == "stations_founded" and "cities" not in at.query_params


UPLOADS = ROOT / "tests" / "data"


def table_with(at: AppTest, column: str):
    """The first table on the page that has this column."""
    return next(d.value for d in [*at.dataframe, *at.table] if column in d.value.columns)


def upload_file(at: AppTest, name: str, data: bytes | None = None) -> AppTest:
    data = (UPLOADS / name).read_bytes() if data is None else data
    at.get("file_uploader")[0].set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_upload_preview_confirm_and_undo(app_db, capsys):
    at = open_app("upload", lang="zh")
    at.text_input(key="upload_by").input("王芳").run()
    upload_file(at, "good-gbk-excel.csv")
    counts = metric_values(at)
    assert (counts["新增行"], counts["修改行"], counts["未变行"]) == ("2", "0", "0")
    preview = table_with(at, "变化")
    assert set(preview["变化"]) == {"新增"} and "杭州市" in set(preview["城市"])
    warnings = table_with(at, "说明")  # 5678.5 万元 is far below Hangzhou's figure the year before
    assert set(warnings["级别"]) == {"提醒"} and "协议金额（万元）" in set(warnings["列"])
    at.button(key="upload_confirm").click().run()
    assert any("已导入，上传编号 2" in s.value for s in at.success)
    # Every page shows the new data at once, and it equals the CLI.
    assert cli_series(capsys, "activities", "330100")[("330100", 2026)] == 40
    at.switch_page("app_pages/city.py").run()
    at.selectbox(key="city").set_value("330100").run()
    assert 2026 not in chart_traces(at, 0)["杭州市"]  # one pilot of 65: 2026 is being collected, shown when asked
    at.toggle(key="collecting").set_value(True).run()
    assert chart_traces(at, 0)["杭州市"][2026] == 40
    at.switch_page("app_pages/upload.py").run()
    assert at.text_input(key="upload_by").value == "王芳"  # typed once, kept from page to page
    undo = at.selectbox(key="undo_id")
    assert undo.format_func(2).startswith("2 · good-gbk-excel.csv · ") and undo.format_func(2).endswith(" · 王芳")
    undo.set_value(2)
    at.button(key="undo_button").click().run()
    assert not at.success and "确认撤销上传 2 · good-gbk-excel.csv" in at.warning[0].value  # asks first
    at.button(key="undo_confirm").click().run()
    assert any("已撤销上传 2" in s.value for s in at.success)
    database = open_database()
    with database.cursor() as cur:
        assert cur.execute("SELECT created_by, undone_by FROM uploads WHERE upload_id = 2").fetchone() == (
            "王芳",
            "王芳",
        )
    assert max(year for _, year in cli_series(capsys, "activities", "330100")) == SAMPLE_END_YEAR


def test_a_bad_upload_shows_row_and_column_and_offers_no_confirm(sample_app):
    at = open_app("upload", lang="en")
    upload_file(at, "bad-one-row-of-many.csv")
    assert "nothing was written" in at.error[0].value
    report = table_with(at, "Message")
    assert report.iloc[0]["Row"] == "38" and report.iloc[0]["Column"] == "对接活动（场）"
    assert not [b for b in at.button if b.key == "upload_confirm"]


def test_a_workbook_with_a_table_on_two_sheets_loads_each_sheet_as_a_file_of_a_batch(app_db):
    from test_officer_workbooks import title_rows
    from workbooks import Sheet, xlsx

    data = xlsx([Sheet("说明", [["填报说明"]]), *title_rows(), Sheet("2024", [["城市", "年份", "签订合作协议（项）"],
                                                                           ["杭州市", 2024, 300]])])  # fmt: skip
    at = open_app("upload", lang="en")
    upload_file(at, "forms.xlsx", data)
    shown = table_with(at, "Problems")
    assert list(shown["File"]) == ["forms.xlsx › 汇总", "forms.xlsx › 2024"]
    assert list(shown["Status"]) == ["warnings: see below", "ready to load"]  # 汇总's figures warrant a look
    assert list(shown["New/changed/unchanged"]) == ["0 / 2 / 0", "0 / 1 / 0"]
    at.checkbox(key="load_warned_all").check().run()  # looked at: loaded as the officer asks
    at.button(key="upload_batch_warned_confirm").click().run()
    at.button(key="upload_batch_confirm").click().run()
    assert any("Loaded 2 file(s) (upload(s) 2, 3)" in s.value for s in at.success)


def test_templates_are_offered_in_both_languages_and_formats(sample_app):
    at = open_app("upload", lang="en")
    keys = {b.proto.id.rsplit("-", 2)[-2] + "-" + b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button")}
    assert {"xlsx-zh", "csv-zh", "xlsx-en", "csv-en", "events-list"} <= keys
    ids = {b.proto.id for b in at.get("download_button")}
    for kind in ("figures", "targets"):  # a template of each kind, in both languages and formats
        assert sum(f"template-{kind}-" in i for i in ids) == 4


def test_every_chart_offers_the_deck_and_four_downloads_drawn_when_its_menu_opens(sample_app):
    at = open_app("overview", lang="en")
    charts = at.get("plotly_chart")
    deck_buttons = [b for b in at.button if b.key and b.key.startswith("deck-")]
    assert len(deck_buttons) == len(charts) == 5
    assert not at.get("download_button")  # drawn only in an open menu
    for button in deck_buttons:
        at.session_state[button.key.replace("deck-", "downloads-", 1)] = True  # as a click on "Download" does
    at.run()
    labels = [b.proto.label for b in at.get("download_button")]
    for fmt in ("PNG", "SVG", "CSV", "Excel"):
        assert sum(label.startswith(fmt) for label in labels) == len(charts)


def test_charts_added_from_pages_make_the_deck_in_order(sample_app):
    at = open_app("overview", lang="en")
    first, second = [b for b in at.button if b.key and b.key.startswith("deck-")][1:3]  # activities, stations
    second.click().run()
    next(b for b in at.button if b.key == first.key).click().run()
    assert [b.proto.label for b in at.button if b.key in (first.key, second.key)] == [
        "In the deck (click to remove)"
    ] * 2
    at.switch_page("app_pages/deck.py").run()
    assert not at.exception
    titles = [m.value for m in at.markdown if m.value.startswith("**") and len(m.value) > 8]
    assert [t.strip("*").replace("\\", "") for t in titles] == [
        "Service stations founded",
        "Matching activities held",
    ]
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("deck-down-"))).click().run()
    titles = [
        m.value.strip("*").replace("\\", "") for m in at.markdown if m.value.startswith("**") and len(m.value) > 8
    ]
    assert titles == ["Matching activities held", "Service stations founded"]
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("deck-drop-"))).click().run()
    titles = [m.value for m in at.markdown if m.value.startswith("**") and len(m.value) > 8]
    assert len(titles) == 1
    assert at.get("download_button")[0].proto.label == "Download PowerPoint (.pptx)"


def test_the_standard_deck_is_offered_when_nothing_was_added(sample_app):
    at = open_app("deck", lang="zh")
    at.button(key="deck_standard").click().run()
    assert not at.exception
    assert len([b for b in at.button if b.key and b.key.startswith("deck-drop-")]) == 9


@pytest.mark.parametrize("lang", LANGS)
def test_presentation_mode_steps_through_the_charts_without_a_sidebar(sample_app, lang):
    at = open_app("present", lang=lang)
    assert not at.sidebar.radio and not at.sidebar.slider  # no filters: the sidebar is not drawn
    assert at.subheader[0].value == "1 / 9"
    first = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert first["layout"]["font"]["size"] > 20  # large type
    at.button(key="present_next").click().run()
    assert at.subheader[0].value == "2 / 9"
    assert at.query_params["slide"] == "2"
    second = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert second["layout"]["title"]["text"] != first["layout"]["title"]["text"]
    at.button(key="present_back").click().run()
    assert at.subheader[0].value == "1 / 9"
    assert at.button(key="present_back").disabled


def test_presentation_mode_follows_the_chosen_deck_and_a_linked_slide(sample_app):
    at = open_app("compare", lang="en")
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("deck-"))).click().run()
    at.query_params["slide"] = "5"  # out of range: the last slide
    at.switch_page("app_pages/present.py").run()
    assert at.subheader[0].value == "1 / 1"
    title = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"]
    assert title.startswith("Cooperation agreements signed · Values")


def test_events_are_marked_on_time_charts_and_can_be_switched_off(sample_app):
    at = open_app("overview", lang="en")
    annotations = json.loads(at.get("plotly_chart")[1].proto.spec)["layout"]["annotations"]
    hover = [a.get("hovertext", "") for a in annotations]
    assert "2014 CAST launches CONTRID" in hover and "2014 Batch 1 (10 pilots)" in hover
    assert any("① 2014 CAST launches CONTRID" in c.value for c in at.caption)
    at.toggle(key="events").set_value(False).run()
    annotations = json.loads(at.get("plotly_chart")[1].proto.spec)["layout"]["annotations"]
    assert not [a for a in annotations if a.get("hovertext")]
    assert at.query_params["events"] == "0"


def test_the_overview_shows_the_highlights(sample_app):
    at = open_app("overview", lang="en")
    bullets = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert bullets and "like for like" in bullets[0]


def test_a_database_held_by_another_process_is_said_in_a_banner_that_does_not_show_the_process(app_db):
    with lock_holder(app_db) as holder:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
        at.query_params["lang"] = "en"
        at.run()
    assert not at.exception
    banner = at.error[0].value
    assert "in use by another process" in banner and str(holder.pid) not in banner and "python" not in banner


def test_a_preview_overtaken_by_another_officer_is_not_committed(app_db):
    at = open_app("upload", lang="en")
    upload_file(at, "good-gbk-excel.csv")  # Hangzhou 2026: 40 activities, new
    other = b"city,year,activities\n330100,2026,99\n"
    _, theirs = uploads.load(open_database(app_db), other, "other.csv", EDITOR)  # another officer, meanwhile
    at.button(key="upload_confirm").click().run()
    assert not at.success and f"changed the data (upload {theirs})" in at.warning[0].value.replace("\\", "")
    preview = table_with(at, "Change")
    assert "changed" in set(preview["Change"])  # checked again: 99 -> 40 now, not new
    at.button(key="upload_confirm").click().run()
    assert any(f"Loaded as upload {theirs + 1}" in s.value for s in at.success)


@pytest.mark.parametrize("page", URLS)
def test_every_page_shows_the_same_on_postgresql(sample_db, pg_db, monkeypatch, page):
    """The same sample on the two engines: every page's numbers and charts alike."""
    shown = {}
    for database in (sample_db, pg_db):
        monkeypatch.setenv("PILOT_DB", database.name)
        at = open_app(page, lang="en")
        assert not at.error, [e.value for e in at.error]
        charts = [json.loads(c.proto.spec)["data"] for c in at.get("plotly_chart")]
        shown[database.engine] = (metric_values(at), [[(t.get("x"), t.get("y")) for t in c] for c in charts])
    assert shown["postgres"] == shown["duckdb"]
