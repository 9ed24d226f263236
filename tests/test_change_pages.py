"""What changed, in the app (AppTest, both languages): the page of changes between two releases or since one, its
choice in the URL, and the city profile ringing the figures revised since the latest release."""

from __future__ import annotations

import json

import pytest
from conftest import EDITOR, SAMPLE_END_YEAR
from test_pages import open_app

from metrics.domain import registry
from metrics.domain.i18n import LANGS
from metrics.ingest import uploads
from metrics.store import releases
from metrics.store.database import open_database

YEAR = SAMPLE_END_YEAR
FIRST, SECOND = "2025年度数据（第1版）", "2025年度数据（第2版）"
CORRECTION = f"city,year,agreements\n330100,{YEAR},1990\n".encode()
NEW_YEAR = f"city,year,agreements\n330100,{YEAR + 1},12\n".encode()
NAMES = {"zh": "杭州市", "en": "Hangzhou"}


def publish_and_correct(path, *, again: bool = False) -> None:
    """The first release, a correction loaded after it, and (again) a second release of the corrected data."""
    database = open_database(path)
    releases.publish(database, FIRST, "3 月会议", EDITOR)
    uploads.load(database, CORRECTION, "correction.csv", EDITOR)
    uploads.load(database, NEW_YEAR, "next-year.csv", EDITOR)
    if again:
        releases.publish(database, SECOND, None, EDITOR)


def revised_rows(at) -> list[dict]:
    return at.table[0].value.to_dict("records")  # drawn whole (the table of totals is a data grid)


# (language, what the line of totals says, the table's headers for old and new, the pilot's name)
SHOWN = [
    ("zh", "1 个数字修订，新增 1 个试点年度（1 个数字）", ("原值", "新值", "上传")),
    ("en", "1 figure revised, 1 pilot-year new (1 figure)", ("Before", "After", "Upload")),
]


@pytest.mark.parametrize(("lang", "summary", "headers"), SHOWN)
def test_the_page_lists_the_correction_since_the_latest_release(app_db, lang, summary, headers):
    publish_and_correct(app_db)
    at = open_app("changes", lang=lang)
    assert not at.error, [e.value for e in at.error]
    assert summary in at.markdown[0].value.replace("\\", "")
    before, after, upload = headers
    [row] = revised_rows(at)
    assert row[after] == 1990 and row[before] != 1990 and row[upload] == "#2 correction.csv"
    assert NAMES[lang] in row.values()
    assert dict(at.query_params) | {"from": FIRST, "to": "working"} == dict(at.query_params)
    added = at.dataframe[1].value.to_dict("records")
    assert [r[next(iter(r))] for r in added] == [YEAR + 1]


def test_a_link_reproduces_the_two_sides_it_names(app_db):
    publish_and_correct(app_db, again=True)
    at = open_app("changes", lang="en", **{"from": FIRST, "to": SECOND})
    assert (at.selectbox(key="changes_from").value, at.selectbox(key="changes_to").value) == (FIRST, SECOND)
    assert [r["After"] for r in revised_rows(at)] == [1990]
    at.selectbox(key="changes_from").set_value(SECOND).run()
    assert "two different" in at.info[-1].value
    at.selectbox(key="changes_to").set_value("").run()  # the second release to the working data: the same
    assert "Nothing changed" in at.success[0].value
    assert at.query_params["from"] == SECOND and at.query_params["to"] == "working"


def test_with_nothing_changed_since_the_latest_release_it_opens_on_the_two_latest(app_db):
    publish_and_correct(app_db, again=True)
    at = open_app("changes", lang="zh")
    assert (at.query_params["from"], at.query_params["to"]) == (FIRST, SECOND)


@pytest.mark.parametrize("lang", LANGS)
def test_without_a_release_the_page_says_how_to_make_one(app_db, lang):
    database = open_database(app_db)
    with database.cursor() as cur:  # the sample's own release, gone as if never made
        cur.execute("DELETE FROM releases")
    at = open_app("changes", lang=lang)
    assert ("还没有发布" if lang == "zh" else "Nothing has been published") in at.info[-1].value


def rings(at) -> dict[str, tuple[dict, dict[int, str]]]:
    """The rings of revised figures on a page's charts, by the chart's title: the ring's trace, and what the hover
    of the pilot's line says at each year (its second line)."""
    found = {}
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        traces = spec["data"]
        for trace in traces:
            if trace.get("marker", {}).get("symbol") == "diamond-open":
                said = dict(zip(traces[0]["x"], (note[1] for note in traces[0]["customdata"]), strict=True))
                found[spec["layout"]["title"]["text"]] = (trace, said)
    return found


# (language, what the hover of the revised figure says)
HOVERS = [
    ("zh", "已修订：发布时 {old} 项 → 1,990 项<br>（"),
    ("en", "Revised: {old} agreements when published → 1,990 agreements<br>("),
]


@pytest.mark.parametrize(("lang", "hover"), HOVERS)
def test_the_city_profile_rings_a_figure_revised_since_the_latest_release(app_db, lang, hover):
    with open_database(app_db).cursor() as cur:
        old = cur.execute("SELECT agreements FROM agreements WHERE city_code = '330100' AND year = $y", {"y": YEAR})
        published = old.fetchall()[0][0]
    publish_and_correct(app_db)
    at = open_app("city", lang=lang, city="330100")
    [(title, (ring, said))] = rings(at).items()  # only the agreements chart has a revised figure
    assert registry.get("agreements").label(lang) in title
    assert ring["x"] == [YEAR] and ring["y"] == [1990]
    assert hover.format(old=f"{published:,}") in said[YEAR] and "correction.csv" in said[YEAR]
    assert not said[YEAR - 1]  # the figures not revised say nothing more
    assert any(FIRST in c.value for c in at.caption)


def test_the_city_profile_marks_nothing_before_a_release(sample_app):
    at = open_app("city", lang="en", city="330100")
    assert at.get("plotly_chart") and not rings(at)
