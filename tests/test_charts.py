"""Charts: gaps stay gaps, colours are stable per city, every chart has its source line."""

import html
import itertools
import math

import pandas as pd
import plotly.graph_objects as go
import pytest

from metrics.domain import registry
from metrics.domain.i18n import LANGS
from metrics.present import chart_data, charts, map_chart, plotly_layout, rank_charts, style, year_charts
from metrics.present.chart_resolve import resolve
from metrics.present.kinds import kind_of
from metrics.present.plotly_layout import WIDE

ACT = registry.get("activities")
FRAME = pd.DataFrame(
    {"year": [2014, 2015, 2016, 2017], "value": [10.0, math.nan, 30.0, 40.0], "reporting": [1, 0, 2, 2]}
)


def drawn(figure: dict) -> go.Figure:
    """The figure as Plotly reads it: validated against Plotly's schema (a misspelt property raises)."""
    return go.Figure(figure)


def annotation_texts(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations]


@pytest.mark.parametrize("lang", LANGS)
def test_time_chart_keeps_gaps_and_labels_source_and_unit(lang):
    line = chart_data.Line.from_frame("杭州市", FRAME, "#123456")
    fig = drawn(year_charts.time_chart([line], ACT, lang, ACT.title(lang), "来源：测试"))
    trace = fig.data[0]
    assert list(trace.y) == [10.0, None, 30.0, 40.0] and trace.connectgaps is False
    assert "来源：测试" in annotation_texts(fig)
    assert ("单位：场" if lang == "zh" else "activities") in annotation_texts(fig)
    # Hover shows the exact value, and says when a year was not reported.
    assert trace.customdata[1][0] == ("未报送" if lang == "zh" else "not reported")


def test_city_colours_are_distinct_and_stable():
    codes = [f"{i:06d}" for i in range(65)]
    colours = style.city_colours(codes)
    assert len(set(colours.values())) == 65
    assert style.city_colours(codes) == colours
    assert style.city_colours([*codes, "999999"])["000007"] == colours["000007"]


def test_a_dozen_cities_in_one_chart_have_colours_told_apart():
    codes = [f"{i:06d}" for i in range(65)]
    home = style.city_colours(codes)
    chosen = codes[::5][:12]  # any dozen of the 65
    colours = style.chart_colours(chosen, home)
    assert list(colours) == chosen and colours[chosen[0]] == home[chosen[0]]  # the first keeps its own
    for a, b in itertools.combinations(colours.values(), 2):
        assert style._distance(a, b) >= style.SAME_COLOUR
    assert all(style._lab(c)[0] > 30 for c in home.values()), "no near-black line"
    apart = style.chart_colours(codes[:3], home)  # the palette's first colours are far apart: each keeps its own
    assert apart == {c: home[c] for c in codes[:3]}


def test_the_city_brought_forward_is_drawn_on_top_and_the_others_faded():
    lines = chart_data.city_lines(
        pd.DataFrame({"city_code": ["A", "A", "B", "B"], "year": [2014, 2015] * 2, "value": [1.0, 2, 3, 4]}),
        {"A": "甲", "B": "乙"}, {"A": "#1f77b4", "B": "#ff7f0e"}, focus="A",
    )  # fmt: skip
    fig = drawn(year_charts.time_chart(lines, ACT, "zh", "t", "s"))
    assert [t.name for t in fig.data] == ["乙", "甲"] and [t.opacity for t in fig.data] == [0.3, 1]


@pytest.mark.parametrize(
    ("text", "units", "lines"),
    [
        (
            "Transformation sub-centres founded (sub-centres)",
            40,
            ["Transformation sub-centres founded", "(sub-centres)"],
        ),
        ("新建成果转化分中心（个）", 40, ["新建成果转化分中心（个）"]),
        (
            "来源：示例数据（按中国科协公布的总数校准，各城市数值为示意）",
            40,
            ["来源：示例数据", "（按中国科协公布的总数校准，", "各城市数值为示意）"],
        ),
        ("x" * 50, 20, ["x" * 20, "x" * 20, "x" * 10]),
    ],
)
def test_long_titles_wrap_at_natural_breaks(text, units, lines):
    assert plotly_layout.wrap(text, units) == lines


def test_bar_chart_labels_each_bar():
    frame = pd.DataFrame({"year": [2014, 2015], "value": [10.0, 20.0]})
    fig = drawn(year_charts.bar_chart(frame, registry.get("pilot_cities"), "zh", "试点", "来源"))
    assert list(fig.data[0].text) == ["10", "20"]


def test_point_map_draws_no_base_map_and_marks_non_reporters():
    cities = pd.DataFrame(
        {
            "name": ["A", "B", "C"],
            "lon": [120.0, 114.0, 104.0],
            "lat": [30.0, 30.5, 30.6],
            "value": [100.0, math.nan, 25.0],
            "region": ["east", "central", "west"],
            "region_label": ["East", "Central", "West"],
        }
    )
    fig = drawn(map_chart.point_map(cities, registry.get("agreements"), "en", "Agreements", "Source"))
    assert all(t.type == "scatter" for t in fig.data)  # plain axes: no geo, no tiles to fetch
    assert [t.name for t in fig.data if t.showlegend is not False] == ["East", "West", "not reported"]
    sizes = {t.name: t.marker.size[0] for t in fig.data if t.name in ("East", "West")}
    assert sizes["East"] > sizes["West"]
    key = next(t for t in fig.data if t.showlegend is False)  # the key to the sizes, with the values it stands for
    assert list(key.text) == ["25 agreements", "50 agreements", "100 agreements"] and key.hoverinfo == "skip"
    assert "Point size: Cooperation agreements signed" in annotation_texts(fig)


def test_map_names_go_where_they_cover_no_other_point_or_name():
    cities = pd.DataFrame(
        {
            "name": ["Big", "Near", "Far"],
            "lon": [113.3, 114.8, 100.0],  # Near sits just right of Big: Big's name goes to another side
            "lat": [23.1, 23.1, 40.0],
            "value": [900.0, 300.0, 100.0],
            "region": ["east", "east", "west"],
            "region_label": ["East", "East", "West"],
        }
    )
    # As wide as the map page draws it: the key to the sizes in the south-west keeps clear of Big
    fig = drawn(map_chart.point_map(cities, registry.get("agreements"), "en", "Agreements", "Source", style=WIDE))
    east = fig.data[0]
    places = dict(zip(east.text, east.textposition, strict=True))
    assert places["Big"] != "middle right"
    assert fig.data[1].text == ("Far",) and fig.data[1].textposition == ("middle right",)


@pytest.mark.parametrize(
    ("values", "gap", "expected"),
    [
        ([10, 11, 30], 5, [8, 13, 30]),  # two close labels straddle their values
        ([30, 10, 11], 5, [30, 8, 13]),
        ([1, 1, 1], 2, [-1, 1, 3]),  # a crowd is centred on its value, not stacked above it
        ([317, 320, 322, 325, 330, 700], 20, [282.8, 302.8, 322.8, 342.8, 362.8, 700]),  # 天津 stays near its dot
        ([0, 100], 5, [0, 100]),
        ([], 1, []),
    ],
)
def test_slope_labels_are_spread_apart_and_stay_beside_their_dots(values, gap, expected):
    placed = year_charts._spread(values, gap)
    assert placed == pytest.approx(expected)
    in_order = sorted(placed)
    assert all(b - a >= gap - 1e-9 for a, b in itertools.pairwise(in_order))


@pytest.mark.parametrize(
    ("values", "within", "expected"),
    [
        ([0, 1, 2, 3], (0, 100), [5, 15, 25, 35]),  # a crowd at the floor moves up into the axis, where it shows
        ([99, 100], (0, 100), [85, 95]),  # and down from the ceiling
        ([10, 50], (0, 100), [10, 50]),  # labels with room stay at their values
    ],
)
def test_labels_stay_within_the_value_axis(values, within, expected):
    assert year_charts._spread(values, 10, within) == pytest.approx(expected)


def test_slope_chart_names_each_city_at_its_last_value():
    frame = pd.DataFrame({"city_code": ["A", "A", "B", "B"], "year": [2014, 2025] * 2, "value": [1.0, 300, 2, 301]})
    fig = drawn(
        year_charts.slope_chart(
            frame, (2014, 2025), {"A": "甲", "B": "乙"}, {"A": "#111", "B": "#222"}, ACT, "zh", "t", "s"
        )
    )
    labels = {a.text: a.y for a in fig.layout.annotations if a.text in ("甲", "乙")}
    assert labels["乙"] - labels["甲"] > 1  # 300 and 301 are too close to print on top of each other


ROWS = rank_charts.GRID_ROWS


@pytest.mark.parametrize(("pilots", "rows", "note"), [(5, 5, False), (ROWS, ROWS, False), (150, ROWS, True)])
def test_the_reporting_grid_keeps_the_pilots_with_most_gaps_beyond_its_rows(pilots, rows, note):
    codes = [f"{i:06d}" for i in range(pilots)]
    gaps = {c: i % 7 for i, c in enumerate(codes)}  # pilot i misses i % 7 of its seven years
    status = pd.DataFrame(
        [{"city_code": c, "year": y, "status": "missing" if y - 2014 < gaps[c] else "reported"}
         for c in codes for y in range(2014, 2021)]
    )  # fmt: skip
    fig = drawn(rank_charts.completeness_chart(status, {c: f"城市{c}" for c in codes}, "en", "Who reported", "Source"))
    shown = list(fig.data[0].y)
    assert len(shown) == rows
    assert (
        f"the {rank_charts.GRID_ROWS} with the most gaps (of 150 pilots)" in fig.layout.title.text.replace("<br>", " ")
    ) == note
    if note:  # the most gaps go in first (all with 6, 5 or 4 of 7 missing, then some with 3), most first
        kept = [gaps[name.removeprefix("城市")] for name in shown]
        assert min(kept) == 3 and sum(1 for k in kept if k >= 4) == sum(1 for g in gaps.values() if g >= 4)
        assert kept == sorted(kept, reverse=True)
        ties = [name for name in shown if gaps[name.removeprefix("城市")] == 6]
        assert ties == sorted(ties)  # ties in the pilots' order


@pytest.mark.parametrize("name", ["pilots", "trend", "compare", "slope", "map", "completeness", "index",
                                  "index_history", "breakdown", "achievement"])  # fmt: skip
def test_every_chart_has_a_miniature_in_its_own_colours(sample_db, name):
    from xml.etree import ElementTree

    from test_specs import SPECS

    from metrics.present import thumbnails

    with sample_db.cursor() as cur:
        data = resolve(cur, SPECS[name], "zh")
    svg = ElementTree.fromstring(thumbnails.thumbnail(data))
    shapes = [el for el in svg.iter() if el.tag.rsplit("}", 1)[-1] in ("polyline", "rect", "line", "circle")]
    assert len(shapes) > 1, "more than the frame is drawn"
    colours = {el.get("stroke") or el.get("fill") for el in shapes[1:]}
    expected = {line.colour for line in data.lines} if data.lines else None
    if kind_of(data.spec).form == "ranking":  # bars in the colours of their groups or statuses
        expected = set(data.drawn()["colour"].head(20))
    assert expected is None or expected <= colours


@pytest.mark.parametrize(("lang", "locale"), [("zh", "zh-CN"), ("en", None)])
def test_the_chart_toolbar_speaks_the_pages_language(lang, locale):
    config = charts.config(lang, "stem")
    assert config.get("locale") == locale and config["toImageButtonOptions"]["filename"] == "stem"
    if locale:  # every button the toolbar shows has its words in the dictionary given with the chart
        words = config["locales"][locale]["dictionary"]
        assert {"Download plot as a PNG", "Zoom", "Pan", "Zoom in", "Zoom out", "Autoscale", "Reset axes"} <= set(words)
        # and the notices its download shows (Plotly's Lib.notifier, over the page's top right)
        assert {"Preparing image - this may take a few seconds", "Image download succeeded"} <= set(words)


@pytest.mark.parametrize(
    "names",
    [
        ["北京", "Tianjin"],
        ['<a href="https://x.example">点我</a>', "A & B <b>", "&amp; already"],
        ["&<>", "", "<<&&>>"],
        pd.Series(["深圳 <i>", "x"], dtype="object"),
        pd.Series([], dtype="str"),
    ],
)
def test_a_column_of_names_is_escaped_as_html_escape_writes_each(names):
    column = pd.Series(names)
    assert charts._escaped_text(column).tolist() == [html.escape(n, quote=False) for n in column.tolist()]


@pytest.mark.parametrize(
    "texts",
    [[], [""], ["北京市"], ["Beijing", "北京市"], ["abcdefgh", "中文中文"], ["中a", "ab中", "abcd", "ab"], ["x"] * 3],
)
def test_the_widest_text_is_the_most_display_units_of_any(texts):
    expected = max((plotly_layout.display_units(t) for t in texts), default=7)
    assert plotly_layout.widest(texts, default=7) == expected


@pytest.mark.parametrize("name", ["pilots", "trend", "compare", "slope", "map", "completeness", "index",
                                  "index_history", "breakdown", "achievement"])  # fmt: skip
def test_a_charts_table_is_made_when_first_asked_for_and_kept(sample_db, name):
    """Drawing a chart (its miniature, its figure) never makes its table: only a download asks for it."""
    from test_specs import SPECS

    from metrics.present import thumbnails

    with sample_db.cursor() as cur:
        data = resolve(cur, SPECS[name], "zh")
    thumbnails.thumbnail(data)
    charts.figure(data)
    assert "table" not in vars(data)
    table = data.table
    assert not table.empty and table is data.table
