"""Pilots' names as officers write them (metrics/ingest/city_matching.py): each written form and the pilot it names,
or the error it stays (an ambiguous form lists its candidates; an unknown one suggests the closest, same sound
first). Tables of cases over the sample's pilots, CityMatcher directly and through uploads.prepare."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from metrics.ingest import uploads
from metrics.ingest.city_matching import CityMatcher, aliases, name_key, park_forms
from metrics.store.cities import list_cities

# Written form -> the code it names, read without a warning.
ACCEPTED = {
    # codes and names, as before
    "330100": "330100",
    "330100.0": "330100",
    "杭州市": "330100",
    "杭州": "330100",
    "浙江省杭州市": "330100",
    "杭州市科协": "330100",
    "廣州市": "440100",
    # English forms of a city
    "Hangzhou City": "330100",
    "Hangzhou Shi": "330100",
    "Hangzhou Municipality": "330100",
    "Municipality of Hangzhou": "330100",
    "City of Hangzhou": "330100",
    "Hangzhou Municipal": "330100",
    "Hangzhou Municipal People's Government": "330100",
    "hangzhou municipal government": "330100",
    "Chongqing Municipality": "500000",
    "Xi'an": "610100",
    "Xian": "610100",
    "XI AN": "610100",
    "Xi’an": "610100",
    "Xi-an City": "610100",
    "Jilin City": "220200",
    # a park's everyday Chinese forms, derived from its official name (X高新技术产业开发区)
    "西安高新区": "P0005",
    "西安高新技术开发区": "P0005",
    "西安高新开发区": "P0005",
    "西安国家高新区": "P0005",
    "西安高新技术产业开发区": "P0005",
    "西安市高新区": "P0005",
    "西安 高新区": "P0005",
    "陕西省西安高新区": "P0005",
    "陕西西安市高新技术产业开发区": "P0005",
    "西安高新区管委会": "P0005",
    "成都高新区": "P0006",
    "成都市高新区": "P0006",
    "合肥高新区": "P0007",
    "长沙高新区": "P0008",
    "长沙高新技术开发区": "P0008",
    "武汉东湖高新区": "P0004",
    "武汉市东湖新技术开发区": "P0004",
    "武汉东湖国家高新区": "P0004",
    "苏州工业园": "P0002",
    "苏州市工业园区": "P0002",
    # a park's English forms
    "Chengdu Hi-tech Zone": "P0006",
    "Chengdu High-Tech Zone": "P0006",
    "CHENGDU HIGH TECH ZONE": "P0006",
    "Chengdu High-tech Industrial Development Zone": "P0006",
    "Chengdu National Hi-tech Zone": "P0006",
    "Xi'an Hi-tech Zone": "P0005",
    "Xian High-tech Zone": "P0005",
    "Xi'an Hi-Tech Industries Development Zone": "P0005",
    "Xi’an National High-tech Industrial Development Zone": "P0005",
    "Hefei High-tech Zone Administrative Committee": "P0007",
    "Wuhan East Lake Hi-tech Zone": "P0004",
    "Changsha Hi-Tech Zone": "P0008",
    # everyday names kept in domain/city_aliases.csv, and forms derived from them
    "东湖高新区": "P0004",
    "东湖新技术开发区": "P0004",
    "光谷": "P0004",
    "中国光谷": "P0004",
    "Optics Valley of China": "P0004",
    "East Lake High-tech Zone": "P0004",
    "中关村": "P0001",
    "北京中关村": "P0001",
    "中关村国家自主创新示范区": "P0001",
    "Z-Park": "P0001",
    "张江": "P0003",
    "张江高新区": "P0003",
    "上海张江高新区": "P0003",
    "Zhangjiang High-tech Zone": "P0003",
    "中新苏州工业园区": "P0002",
    # a bracket naming nothing else
    "杭州市（浙江）": "330100",
    "（西安）": "610100",
    "成都高新区（成都市）": "P0006",
}

# Former names: read, with a warning that says so.
FORMER = {"襄樊": "420600", "襄樊市": "420600", "Xiangfan": "420600", "湖北襄樊": "420600", "迪化": "650100"}

# Written form -> the candidates its error lists: a form that could be two pilots is never guessed.
AMBIGUOUS = {
    "西安（高新区）": ("西安市（610100）", "西安高新技术产业开发区（P0005）"),
    "西安(高新区)": ("西安市（610100）", "西安高新技术产业开发区（P0005）"),
    "成都市（高新区）": ("成都市（510100）", "成都高新技术产业开发区（P0006）"),
    "Chengdu (Hi-tech Zone)": ("成都市（510100）", "成都高新技术产业开发区（P0006）"),
}

# Written form -> the first suggestion of its "unknown" error (None: any), and names it must not suggest.
UNKNOWN = {
    "株州市": ("株洲市", ()),  # same sound (zhuzhoushi) first, before 郑州市/苏州市/福州市 (one character off)
    "株州": ("株洲市", ()),
    "湖南株州市": ("株洲市", ()),
    "杭洲": ("杭州市", ()),
    "杭洲市": ("杭州市", ()),
    "常洲": ("常州市", ()),
    "襄凡": ("襄阳市", ()),  # sounds as the former name 襄樊
    "西安高新": ("西安高新技术产业开发区", ()),
    "重庆高新区": (None, ()),  # a park that is no pilot: unknown, never read as the city 重庆市
    "株洲高新区": (None, ()),
    "Zhuzhou Hi-tech Zone": (None, ()),
    "四川西安高新区": ("西安高新技术产业开发区", ()),  # the park is in 陕西
}


@pytest.fixture(scope="module")
def cities(sample_db) -> pd.DataFrame:
    with sample_db.cursor() as cur:
        return list_cities(cur)


@pytest.fixture(scope="module")
def matcher(cities) -> CityMatcher:
    return CityMatcher(cities)


def pilot(code: str, name_zh: str, name_en: str, province_zh: str = "湖北省") -> dict:
    """A made-up pilot's row of the cities table."""
    return {"city_code": code, "name_zh": name_zh, "name_en": name_en, "province_zh": province_zh, "kind": "park"}


@pytest.mark.parametrize(("written", "code"), ACCEPTED.items(), ids=list(ACCEPTED))
def test_each_form_names_its_pilot(matcher, written, code):
    assert matcher.resolve(written) == (code, None, None)


@pytest.mark.parametrize(("written", "code"), FORMER.items(), ids=list(FORMER))
def test_a_former_name_is_read_with_a_warning(matcher, written, code):
    found, error, warning = matcher.resolve(written)
    assert (found, error) == (code, None)
    assert warning is not None and "former name" in warning.en and f"({code})" in warning.en


@pytest.mark.parametrize(("written", "candidates"), AMBIGUOUS.items(), ids=list(AMBIGUOUS))
def test_a_form_of_two_pilots_is_an_error_listing_both(matcher, written, candidates):
    code, error, _ = matcher.resolve(written)
    assert code is None and error is not None
    assert all(c in error.zh and c in error.en for c in candidates), error.en
    assert "Use the city code" in error.en


@pytest.mark.parametrize(("written", "expected"), UNKNOWN.items(), ids=list(UNKNOWN))
def test_an_unknown_name_suggests_the_same_sound_first(matcher, written, expected):
    first, never = expected
    code, error, _ = matcher.resolve(written)
    assert code is None and error is not None
    assert error.en.startswith(f"Unknown city '{written}'")
    suggested = error.zh.split("最接近的是：")[1].rstrip("。").split("、")
    assert first is None or suggested[0] == first, error.zh
    assert not set(never) & set(suggested)
    assert "合计" not in suggested


@pytest.mark.parametrize(
    ("written", "also", "both"),
    [
        # the sample's everyday alias 东湖高新区 (P0004) is a derived form of another park as well
        ("东湖高新区", pilot("P0099", "东湖高新技术产业开发区", "Donghu Park"), ("P0004", "P0099")),
        # one pilot's name is another's everyday form
        ("西安高新区", pilot("P0098", "西安高新区", "Xi'an Zone", "陕西省"), ("P0005", "P0098")),
        ("Xian", pilot("P0097", "咸县", "Xian"), ("610100", "P0097")),  # Xi'an and Xian read alike
    ],
    ids=["an alias and a derived form", "a name and a derived form", "Xi'an and Xian"],
)
def test_an_alias_that_could_name_two_pilots_stays_an_error(cities, written, also, both):
    matcher = CityMatcher(pd.concat([cities, pd.DataFrame([also])], ignore_index=True))
    code, error, _ = matcher.resolve(written)
    assert code is None and error is not None
    assert all(f"（{c}）" in error.zh for c in both), error.zh


@pytest.mark.parametrize("written", ["西安高新区", "西安市高新区", "成都高新区", "Chengdu Hi-tech Zone", "中关村"])
def test_a_park_form_never_reads_as_its_city(cities, written):
    """Without the parks (a programme of cities only), their forms are unknown, not the city they are in."""
    matcher = CityMatcher(cities[cities["kind"] == "city"])
    code, error, _ = matcher.resolve(written)
    assert code is None and error is not None and error.en.startswith("Unknown city")


def test_park_forms_come_from_the_official_name():
    xian = set(park_forms("西安高新技术产业开发区"))
    assert {"西安高新区", "西安高新技术开发区", "西安高新开发区", "西安国家高新区"} <= xian
    assert {"杭州经开区", "杭州国家级经济技术开发区"} <= set(park_forms("杭州经济技术开发区"))
    assert "武汉东湖高新区" in park_forms("武汉东湖新技术开发区")
    assert name_key("Chengdu High-tech Industrial Development Zone") in park_forms(name_key("Chengdu Hi-Tech Zone"))
    assert park_forms("杭州市") == park_forms("高新区") == []  # a city's name; a family's form with no place


def test_a_new_park_in_the_cities_table_gets_its_everyday_forms(cities):
    park = pilot("P0100", "株洲高新技术产业开发区", "Zhuzhou Hi-Tech Industrial Development Zone", "湖南省")
    matcher = CityMatcher(pd.concat([cities, pd.DataFrame([park])], ignore_index=True))
    for written in ("株洲高新区", "株洲市高新区", "Zhuzhou High-tech Zone", "Zhuzhou National Hi-tech Zone"):
        assert matcher.resolve(written) == ("P0100", None, None), written
    assert matcher.resolve("株洲市")[0] == "430200"


def test_every_kept_name_is_valid_and_names_its_pilot(matcher, cities):
    codes = set(cities["city_code"])
    kept = aliases()
    assert len(set(kept)) == len(kept), "a name is kept twice"
    for name, code, kind in kept:
        assert code in codes, name
        found, error, warning = matcher.resolve(name)
        assert (found, error) == (code, None), name
        assert (warning is not None) == (kind == "former"), name


def test_find_gives_the_codes_alone(matcher):
    """What shapes.read asks of a 填报单位 line or a title: the codes, without suggestions (nor pinyin)."""
    assert matcher.find("西安高新区") == {"P0005"}
    assert matcher.find("西安（高新区）") == {"610100", "P0005"}
    assert matcher.find("株州市") == matcher.find("合计") == matcher.find("") == set()
    assert matcher.province_in("湖北省合计") == matcher.province_in("湖北合计") == "湖北省"
    assert matcher.province_of("420100") == "湖北省"
    assert matcher.province_in("合计") is None


def test_a_huge_cell_is_quoted_short_and_answered_without_a_search(matcher, monkeypatch):
    def searched(*args):
        raise AssertionError("a cell longer than any pilot's name was looked up")

    for name in ("_found", "_suggestions"):  # a search by name or by sound of a million characters would crawl
        monkeypatch.setattr(matcher, name, searched)
    code, error, _ = matcher.resolve("杭" * 1_000_000)
    assert code is None and error is not None and len(error.zh) < 100 and "1,000,000" in error.zh


def test_pinyin_is_loaded_only_for_an_unknown_name():
    script = (
        "import sys, pandas as pd\n"
        "from metrics.ingest.city_matching import CityMatcher\n"
        "m = CityMatcher(pd.read_csv('data/sample_cities.csv', dtype=str))\n"
        "assert [m.resolve(n)[0] for n in ('杭州', '西安高新区', 'Xian', '廣州市', '西安（高新区）')][:4] "
        "== ['330100', 'P0005', '610100', '440100']\n"
        "assert m.find('株州市') == set() and 'pypinyin' not in sys.modules\n"
        "assert '株洲市' in m.resolve('株州市')[1].zh and 'pypinyin' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=Path(__file__).resolve().parent.parent)


def test_forms_load_through_an_upload(sample_db):
    written = ["西安高新区", "Hangzhou Municipality", "Chengdu High-Tech Zone", "光谷", "西安市"]
    data = "城市,年份,签订合作协议（项）\n" + "".join(f"{w},2025,{i}\n" for i, w in enumerate(written, 1))
    report = uploads.prepare(sample_db, data.encode(), "f.csv").report
    assert report.ok, [i.message.en for i in report.issues]
    assert report.rows is not None
    assert report.rows["city_code"].tolist() == ["P0005", "330100", "P0006", "P0004", "610100"]
    assert not [i for i in report.issues if i.column == "城市"]


def test_an_upload_names_the_same_sound_first(sample_db):
    report = uploads.prepare(sample_db, "城市,年份,签订合作协议（项）\n株州市,2025,3\n".encode(), "f.csv").report
    (issue,) = [i for i in report.issues if i.level == "error"]
    assert (issue.row, issue.column) == (2, "城市")
    assert "未知城市“株州市”。最接近的是：株洲市" in issue.message.zh
