"""Chart layouts keep their words apart: event labels in rows that do not collide, a slope chart's years thinned,
a ranking's guides clear of its value labels, the legend under the title, no toolbar when presenting."""

import itertools
import math

import pandas as pd
import pytest

from metrics.domain import registry
from metrics.present import charts, plotly_layout, rank_charts, year_charts
from metrics.present.chart_data import Line, Mark
from metrics.present.plotly_layout import IMAGE, PROJECTOR, PROJECTOR_HD, SCREEN, WIDE, Style

ACT = registry.get("activities")
BATCH = "第{n}批试点（10个）"
LONG_EVENT = "科协“创新驱动助力工程”启动"


def marks_every_year(first: int, count: int, label: str) -> list[Mark]:
    return [Mark(first + i, label.format(n=i + 1), f"B{i + 1}", "batch") for i in range(count)]


def spans(placed: list[tuple], years: list[int], style: Style) -> list[tuple[int, float, float, float]]:
    """(row, left, right, line x) of each placed label, in px from the plot's left edge, as place_marks estimates."""
    lo, hi = min(years), max(years)
    out = []
    for mark, text, row, right in placed:
        x = (mark.year - lo) / (hi - lo) * style.plot_width
        width = plotly_layout.text_width(text, plotly_layout.MARK_FONT * style.scale) + 2
        out.append((row, x - 2 - width, x - 2, x) if right else (row, x + 2, x + 2 + width, x))
    return out


A_YEAR_APART = list(range(2014, 2026))
BESIDE = [
    Mark(2014, BATCH.format(n=1), "1批", "batch"),
    Mark(2014, LONG_EVENT, "①", "event"),
    Mark(2015, BATCH.format(n=2), "2批", "batch"),
    Mark(2016, "全国科技创新大会召开", "②", "event"),
]
LAST_YEARS = marks_every_year(2022, 4, "Batch {n} (10 pilots)")
CASES = {  # marks, years on the axis, style, unit label
    "batches a year apart, in full": (marks_every_year(2014, 8, BATCH), A_YEAR_APART, IMAGE, "单位：场"),
    "a long event beside a batch": (BESIDE, A_YEAR_APART, IMAGE, "单位：场"),
    "tags on a half-width chart": (marks_every_year(2014, 8, BATCH), A_YEAR_APART, SCREEN, "sub-centres"),
    "on a projector": (marks_every_year(2014, 8, "Batch {n} (10 pilots)"), A_YEAR_APART, PROJECTOR, ""),
    "the last years, right-anchored": (LAST_YEARS, A_YEAR_APART, PROJECTOR_HD, "agreements"),
}


@pytest.mark.parametrize("case", CASES)
def test_event_labels_a_year_apart_are_staggered_so_none_collide(case):
    marks, years, style, unit = CASES[case]
    placed = plotly_layout.place_marks(marks, years, style, unit)
    assert [p[0] for p in placed] == marks  # in the marks' order
    boxes = spans(placed, years, style)
    for (row_a, a0, a1, _), (row_b, b0, b1, _) in itertools.combinations(boxes, 2):
        assert row_a != row_b or a1 <= b0 or b1 <= a0, "two labels in one row overlap"
    unit_end = plotly_layout.UNIT_SHIFT * style.scale + plotly_layout.text_width(unit, 13 * style.scale)
    lines = {x for *_, x in boxes}
    for row, x0, x1, own in boxes:
        if row == 0:  # just over the lines' tops: a label never runs across another mark's line
            assert not any(x0 < line < x1 for line in lines if abs(line - own) > 1)
            assert not unit or x0 >= unit_end, "clear of the unit label"
        assert x1 <= style.plot_width + 20 * style.scale, "inside the chart"


def test_marks_a_year_apart_climb_into_rows_and_the_figure_makes_room_for_them():
    marks = marks_every_year(2014, 6, BATCH)
    lines = [Line.from_frame("甲", pd.DataFrame({"year": range(2014, 2026), "value": range(12)}), "#123456")]
    fig = year_charts.time_chart(lines, ACT, "zh", "t", "s", marks=marks, style=IMAGE)
    rows = 1 + max(plotly_layout.place_marks(marks, range(2014, 2026), IMAGE, "单位：场")[i][2] for i in range(6))
    assert rows > 1
    labels = [a for a in fig["layout"]["annotations"] if a.get("hovertext")]
    highest = max(a["yshift"] for a in labels) + 11 * 1.4
    title_block = (16 + 26 + 8) * IMAGE.scale
    assert fig["layout"]["margin"]["t"] - title_block >= highest, "the top margin holds every row"


@pytest.mark.parametrize(
    ("starts", "plot_px", "kept"),
    [
        ([2014, 2015, 2018, 2025], 260, [2014, 2018, 2025]),  # a half-width chart at 1280: 2015 would hit 2014
        ([2014, 2015, 2018, 2025], 1200, [2014, 2015, 2018, 2025]),  # wide enough for every start
        ([2014, 2024, 2025], 260, [2014, 2025]),  # the first and the last always
        ([2020], 260, [2020]),
    ],
)
def test_a_slope_charts_years_are_thinned_where_their_labels_would_collide(starts, plot_px, kept):
    span = (starts[0] - 1, starts[-1] + 1)
    assert year_charts.thin_years(starts, span, plot_px, SCREEN) == kept


def test_the_slope_chart_labels_years_level_and_apart():
    frame = pd.DataFrame({"city_code": ["A", "A", "B", "B"], "year": [2014, 2025, 2015, 2025],
                          "value": [1.0, 5.0, 2.0, 4.0]})  # fmt: skip
    fig = year_charts.slope_chart(frame, (2014, 2025), {"A": "甲", "B": "乙"}, {"A": "#1f77b4", "B": "#ff7f0e"},
                                  ACT, "zh", "t", "s")  # fmt: skip
    axis = fig["layout"]["xaxis"]
    assert axis["tickangle"] == 0 and axis["tickvals"] == [2014, 2025]


LABELS = [(30.0, 40.0), (25.0, 40.0), (10.0, 40.0)]  # (value, label width in px) of three bars, best first


@pytest.mark.parametrize(
    ("guide", "runs"),
    [
        (31.0, [(1, 2)]),  # over the first bar's label: the line leaves a gap there
        (26.0, [(0, 0), (2, 2)]),  # over the second's
        (5.0, [(0, 2)]),  # inside every bar: hidden by the bars, drawn whole
        (60.0, [(0, 2)]),  # beyond every label
    ],
)
def test_a_rankings_guide_leaves_a_gap_where_a_value_label_stands(guide, runs):
    assert rank_charts.guide_runs(guide, LABELS, per_unit=8.0) == runs


@pytest.mark.parametrize(
    ("guides", "rows"),
    [
        ([(17.6, "70%"), (25.1, "平均 25.1"), (31.4, "125%")], [0, 1, 0]),
        ([(17.6, "70%"), (25.1, "mean 25.1"), (31.4, "125%")], [0, 1, 0]),
        ([(10.0, "70%"), (50.0, "mean 50"), (90.0, "125%")], [0, 0, 0]),  # far apart: one row
    ],
)
def test_guide_labels_close_together_go_into_rows(guides, rows):
    assert rank_charts.guide_rows(guides, per_unit=6.0, font=12 * 1.45) == rows


def lines_of(names: list[str]) -> list[Line]:
    frame = pd.DataFrame({"year": [2014, 2015], "value": [1.0, 2.0]})
    return [Line.from_frame(n, frame, "#123456") for n in names]


LONG_NAMES = ["Wuhan East Lake High-Tech Zone", "Batch 2 median", "Zhongguancun Science Park"]


@pytest.mark.parametrize("style", [SCREEN, WIDE, IMAGE, PROJECTOR, PROJECTOR_HD], ids=lambda s: str(s.width))
@pytest.mark.parametrize("names", [["杭州市", "批次中位数"], LONG_NAMES])
def test_the_legend_stands_under_the_title_with_its_rows_room(style, names):
    title = "Transformation sub-centres founded · the programme over time"
    fig = year_charts.time_chart(lines_of(names), ACT, "en", title, "s", style=style)
    layout = fig["layout"]
    k, height = style.scale, layout["height"]
    lines = len(layout["title"]["text"].split("<br>"))
    title_bottom = (16 + 26 * lines) * k  # its pad and its lines
    legend_top = (1 - layout["legend"]["y"]) * height
    assert layout["legend"]["yanchor"] == "top" and legend_top >= title_bottom, "the legend never meets the title"
    rows = plotly_layout.legend_lines(names, style)
    assert legend_top + rows * plotly_layout.LEGEND_ROW * k <= layout["margin"]["t"], "its rows above the plot"


@pytest.mark.parametrize(
    ("names", "style", "rows"),
    [
        (["杭州市", "批次中位数"], SCREEN, 1),
        (["Wuhan East Lake High-Tech Zone", "Zhongguancun Science Park", "Batch 2 median"], SCREEN, 3),
        (["Leaders (16)", "Strong (12)", "Moderate (14)", "Emerging (19)"], WIDE, 1),
        (["Leaders (16)", "Strong (12)", "Moderate (14)", "Emerging (19)"], SCREEN, 2),
    ],
)
def test_legend_rows_are_counted_in_the_figures_width(names, style, rows):
    assert plotly_layout.legend_lines(names, style) == rows


@pytest.mark.parametrize(
    ("title", "style", "one_line"),
    [
        ("Guangzhou · Transformation sub-centres founded", SCREEN, True),  # a little long: set smaller
        ("广州市 · 新建成果转化分中心", SCREEN, True),
        ("Wuhan East Lake High-Tech Zone · Transformation sub-centres founded", SCREEN, False),  # too long: wraps
        ("Guangzhou · Transformation sub-centres founded · the programme over the years", IMAGE, True),
    ],
)
def test_a_page_charts_title_stays_on_one_line_by_its_size(title, style, one_line):
    lines = [Line.from_frame("甲", pd.DataFrame({"year": [2014, 2015], "value": [1.0, 2.0]}), "#123456")]
    fig = year_charts.time_chart(lines, ACT, "en", title, "s", style=style)
    shown = fig["layout"]["title"]
    assert ("<br>" not in shown["text"]) == one_line
    size = shown["font"]["size"]
    assert size >= plotly_layout.SMALLEST_TITLE * style.scale
    assert one_line or size == plotly_layout.TITLE_FONT * style.scale
    if one_line:  # it fits the narrowest screen the style is for
        assert plotly_layout.text_width(title, size) <= style.width * 1.02


def test_a_bars_value_stays_inside_the_plot_and_its_marks_line_starts_above_it():
    frame = pd.DataFrame({"year": [2019, 2020, 2021], "value": [55.0, 55.0, 65.0]})
    marks = [Mark(2021, BATCH.format(n=6), "6批", "batch")]
    fig = year_charts.bar_chart(frame, ACT, "zh", "t", "s", marks=marks, style=PROJECTOR)
    layout = fig["layout"]
    low, high = layout["yaxis"]["range"]
    plot_px = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    assert (high - 65) / (high - low) * plot_px >= 15 * PROJECTOR.scale * 1.4, "room for the value over the bar"
    (line,) = layout["shapes"]
    assert line["yref"] == "y" and line["y0"] > 65 and math.isclose(line["y1"], high)


@pytest.mark.parametrize("style", [PROJECTOR, PROJECTOR_HD, IMAGE])
def test_a_presented_chart_has_no_toolbar(style):
    assert charts.config("zh", "stem", style)["displayModeBar"] is False


@pytest.mark.parametrize("style", [SCREEN, WIDE])
def test_a_chart_on_a_page_keeps_its_toolbar(style):
    assert "displayModeBar" not in charts.config("en", "stem", style)


@pytest.mark.parametrize("units", [("stations", "sub-centres"), ("单位：个", "participations")])
def test_charts_side_by_side_on_a_page_stack_their_marks_alike_whatever_their_unit(units):
    marks, years = marks_every_year(2014, 6, BATCH), list(range(2014, 2026))
    rows = [[p[2] for p in plotly_layout.place_marks(marks, years, SCREEN, unit)] for unit in units]
    assert rows[0] == rows[1]
