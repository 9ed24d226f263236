"""Small multiples: one indicator over the chosen pilots, a small panel per pilot on one shared value axis, so each
pilot's course reads on its own and the panels still compare. Resolved as the comparison's lines are (any mode)."""

from __future__ import annotations

import math

from plotly.subplots import make_subplots
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Emu, Pt

from ...domain.formatting import axis_ticks, format_value
from ...domain.i18n import Text
from .. import miniatures, slide_charts
from ..chart_data import ChartData, Line
from ..chart_spec import ChartSpec
from ..plotly_layout import Figure, Style, base_layout, merge, new_figure
from ..style import GRID_COLOUR
from ..year_charts import NOT_REPORTED
from .base import ChartKind
from .compare import resolve_compare

MULTIPLES_CHART = Text("小多图", "small multiples")
COLUMNS = 4  # panels a row: twelve pilots make three rows
PANEL_HEIGHT = 190  # px a row of panels takes on a page


def _some_pilots(spec: ChartSpec) -> None:
    if not spec.cities:
        raise ValueError("small multiples need at least one pilot")


def _grid(count: int) -> tuple[int, int]:
    """(rows, columns) of panels for this many pilots."""
    columns = min(COLUMNS, max(count, 1))
    return math.ceil(max(count, 1) / columns), columns


def _shared_axis(lines: tuple[Line, ...], data: ChartData) -> tuple[list[float], list[str], str, list[float]]:
    """The value axis every panel shares: its ticks, their labels, its unit and its range."""
    finite = [v for line in lines for v in line.values if not math.isnan(v)] or [0.0]
    low, high = min(min(finite), 0.0), max(finite)
    ticks, labels, unit = axis_ticks(low, high, data.indicator, data.lang)
    pad = (high - low) * 0.06 or 1
    return ticks, labels, unit, [low - (pad if low < 0 else 0), max(high, ticks[-1]) + pad]


def _figure(data: ChartData, source: str, style: Style) -> Figure:
    """A panel per pilot in a grid, sharing the value axis and the years, each named at its top left."""
    k = style.scale
    rows, columns = _grid(len(data.lines))
    grid = make_subplots(rows=rows, cols=columns, shared_xaxes="all", shared_yaxes="all", horizontal_spacing=0.035,
                         vertical_spacing=min(0.5 / rows, 0.12) if rows > 1 else 0.1)  # fmt: skip
    axes = {key: value for key, value in grid.to_plotly_json()["layout"].items() if key[1:5] == "axis"}
    traces = []
    for i, line in enumerate(data.lines):
        suffix = "" if i == 0 else str(i + 1)
        exact = [format_value(v, data.indicator, data.lang, compact=False) if not math.isnan(v)
                 else NOT_REPORTED(data.lang) for v in line.values]  # fmt: skip
        traces.append({
            "type": "scatter", "x": list(line.years), "y": [None if math.isnan(v) else v for v in line.values],
            "xaxis": f"x{suffix}", "yaxis": f"y{suffix}", "name": line.name, "mode": "lines+markers",
            "connectgaps": False, "showlegend": False, "line": {"color": line.colour, "width": 2.5 * k},
            "marker": {"size": 5 * k}, "customdata": exact,
            "hovertemplate": "<b>%{fullData.name}</b> %{x}<br>%{customdata}<extra></extra>",
        })  # fmt: skip
    fig = new_figure(traces, showlegend=False, hovermode="closest", **axes)
    ticks, labels, unit, value_range = _shared_axis(data.lines, data)
    base_layout(fig, data.title, source, PANEL_HEIGHT * rows + 170, data.lang, unit=unit, style=style)
    layout = fig["layout"]
    if unit:  # the unit goes a row up: the first row's panel names stand where it would be
        layout["annotations"][1]["yshift"] += 20 * k
        layout["margin"]["t"] += 20 * k
    for key in axes:
        if key.startswith("y"):
            merge(layout, {key: {"tickvals": ticks, "ticktext": labels, "range": value_range, "gridcolor": GRID_COLOUR,
                                 "zerolinecolor": "#b8bfc7", "tickfont": {"size": 12 * k}}})  # fmt: skip
        else:
            merge(layout, {key: {"tickformat": "d", "nticks": 4, "gridcolor": GRID_COLOUR,
                                 "tickfont": {"size": 12 * k}}})  # fmt: skip
    for i, line in enumerate(data.lines):  # the pilot's name in its colour, over its panel's top left
        suffix = "" if i == 0 else str(i + 1)
        x_axis, y_axis = layout[f"xaxis{suffix}"], layout[f"yaxis{suffix}"]
        layout["annotations"].append({
            "text": f"<b>{line.name}</b>", "xref": "paper", "yref": "paper", "x": x_axis["domain"][0],
            "y": y_axis["domain"][1], "xanchor": "left", "yanchor": "bottom", "showarrow": False,
            "font": {"size": 13 * k, "color": line.colour},
        })  # fmt: skip
    return fig


def _slide(slide, data: ChartData) -> list[str]:
    """A small native line chart per pilot in a grid on the slide, every one on the same value axis."""
    left, top, width, height = slide_charts.CHART_BOX
    rows, columns = _grid(len(data.lines))
    ticks, _, unit, (low, high) = _shared_axis(data.lines, data)
    slide_charts.text_box(slide, slide_charts.UNIT.format(u=unit)(data.lang), left, top - Pt(22), width, Pt(20), 11,
                          colour=slide_charts.GREY)  # fmt: skip
    cell_w, cell_h = Emu(int(width / columns)), Emu(int(height / rows))
    fmt = slide_charts.number_format(data.indicator.decimals)
    for i, line in enumerate(data.lines):
        chart_data = CategoryChartData(number_format=fmt)
        chart_data.categories = [str(y) for y in line.years]
        chart_data.add_series(line.name, [slide_charts.cell_value(v) for v in line.values])
        box = (Emu(left + cell_w * (i % columns)), Emu(top + cell_h * (i // columns)), cell_w, cell_h)
        chart = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, *box, chart_data).chart
        chart.font.size = Pt(9)
        chart.has_legend = False
        chart.has_title = True
        chart.chart_title.text_frame.text = line.name
        title = chart.chart_title.text_frame.paragraphs[0].runs[0].font
        title.size, title.bold, title.color.rgb = Pt(12), True, slide_charts.rgb(line.colour)
        axis = chart.value_axis
        axis.minimum_scale, axis.maximum_scale = low, high  # one scale for every panel
        axis.major_unit = ticks[1] - ticks[0] if len(ticks) > 1 else None
        axis.tick_labels.number_format, axis.tick_labels.number_format_is_linked = fmt, False
        axis.major_gridlines.format.line.color.rgb = slide_charts.rgb("E3E6EA")
        series = chart.series[0]
        series.smooth = False
        series.format.line.color.rgb = slide_charts.rgb(line.colour)
        series.format.line.width = Pt(2)
        series.marker.size = 4
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = slide_charts.rgb(line.colour)
        slide_charts.gaps_not_zero(chart)
    return []


def _miniature(data: ChartData) -> list[str]:
    """A small box per pilot with its line, every one on the same value scale."""
    rows, columns = _grid(len(data.lines))
    pad, gap = miniatures.PAD, 3
    w = (miniatures.WIDTH - 2 * pad - gap * (columns - 1)) / columns
    h = (miniatures.HEIGHT - 2 * pad - gap * (rows - 1)) / rows
    values = [v for line in data.lines for v in line.values]
    shapes = []
    for i, line in enumerate(data.lines):
        x0, y0 = pad + (i % columns) * (w + gap), pad + (i // columns) * (h + gap)
        shapes.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{w:.1f}" height="{h:.1f}" fill="white"/>')
        x = miniatures.scale(line.years or (0,), x0 + 2, x0 + w - 2, from_zero=False)
        y = miniatures.scale(values, y0 + h - 2, y0 + 2)
        points = zip(line.years, line.values, strict=True)
        run = [f"{x(year):.1f},{y(v):.1f}" for year, v in points if not math.isnan(v)]
        if run:
            shapes.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{line.colour}" stroke-width="1.5"/>')
    return shapes


MULTIPLES = ChartKind("multiples", MULTIPLES_CHART, "panels", frozenset({"cities", "mode", "base_year"}),
                      resolve_compare, _figure, _slide, _miniature, check=_some_pilots)  # fmt: skip
