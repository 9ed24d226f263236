"""Plotly figures fit for a projector: one colour per city everywhere, gaps for unreported years,
labels and numbers in the reader's language, and a source line under every chart."""

from __future__ import annotations

import colorsys
import functools
import html
import math
import threading
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import colorcet
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from .formatting import axis_ticks, format_number, format_value
from .i18n import Text
from .registry import Indicator

FONT_FAMILY = '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "Source Han Sans SC", Arial, sans-serif'
PROGRAMME_COLOUR = "#1f3b73"
PEER_COLOUR = "#8a8f98"
TEXT_COLOUR = "#1d2530"
GRID_COLOUR = "#e3e6ea"
EVENT_COLOUR = "#b5542d"
# Every figure is drawn on plotly_white. Set as the default, a new figure starts from it; naming it in each figure's
# layout made Plotly validate and copy the whole template again, 5 ms a figure (measured with benchmarks/run.py).
pio.templates.default = "plotly_white"

REGION_COLOURS = {"east": "#1f77b4", "central": "#e6842a", "west": "#2ca02c", "northeast": "#8c564b"}
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


@dataclass(frozen=True)
class Style:
    """How big a chart is drawn: in a half-width dashboard column, as a 1280x720 image, or for a projector."""

    scale: float = 1.0  # type and spacing
    title_units: int = 40  # what fits one title line, in display units (a CJK character is 2)
    source_units: int = 52
    height: int | None = None  # None: the chart's own height
    full_marks: bool = False  # events labelled in full rather than tagged (the full text shows on hover)
    plot_width: int = 460  # about how wide the plot area is, in px, for placing labels
    edge: int = 0  # px kept free at the left and right edges (an image has no page around it)


SCREEN = Style()
IMAGE = Style(title_units=96, source_units=130, height=720, full_marks=True, plot_width=1100, edge=32)
PROJECTOR = Style(scale=1.45, title_units=70, source_units=96, height=620, full_marks=True, plot_width=1050)
MARK_ROW = 17  # px between rows of event labels above a time chart

REPORTING = Text("{n} 个城市报送", "{n} cities reporting")
NOT_REPORTED = Text("未报送", "not reported")
UNIT = Text("单位：{unit}", "{unit}")


def city_colours(codes: Sequence[str]) -> dict[str, str]:
    """A distinct, stable colour per city, given every city code in a fixed order (the cities table's).

    Colours come from colorcet's Glasbey palette that starts with the ten Tableau colours (each next colour is
    as different as possible from all before it), keeping those that read well on white: no greys (they mean
    "peers" and "not reported" here), nothing too pale or too dark.
    """
    palette = [c for c in colorcet.palette["glasbey_category10"] if _readable(c)]
    return {code: palette[i % len(palette)] for i, code in enumerate(codes)}


def _readable(hex_colour: str) -> bool:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    _, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return saturation > 0.3 and lightness > 0.18 and luminance < 0.6


@dataclass(frozen=True)
class Line:
    """One line on a time chart: yearly values (NaN = not reported) with a name and a colour."""

    name: str
    years: tuple[int, ...]
    values: tuple[float, ...]
    colour: str
    reporting: tuple[int, ...] | None = None
    dash: str = "solid"
    width: float = 3.0

    @classmethod
    def from_frame(cls, name: str, frame: pd.DataFrame, colour: str, **style) -> Line:
        """A line from a frame with columns year, value and optionally reporting."""
        reporting = tuple(int(r) for r in frame["reporting"]) if "reporting" in frame else None
        return cls(
            name,
            tuple(int(y) for y in frame["year"]),
            tuple(float(v) for v in frame["value"]),
            colour,
            reporting,
            **style,
        )


def city_lines(
    frame: pd.DataFrame, names: dict[str, str], colours: dict[str, str], order: Sequence[str] | None = None
) -> list[Line]:
    """One line per city from a per-city frame (city_code, year, value), in `order` (default: as they come)."""
    groups = dict(tuple(frame.groupby("city_code", sort=False)))
    return [Line.from_frame(names[c], groups[c], colours[c]) for c in (order or groups) if c in groups]


_BREAK_BEFORE = (" · ", "（", " (")
_BREAK_AFTER = (" ", "，", "、", "；", "：")


def _units(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, units: int) -> list[str]:
    """Lines of at most `units` display units, broken before a separator where there is one."""
    lines = []
    while _units(text) > units:
        fits = max(i for i in range(1, len(text) + 1) if _units(text[:i]) <= units)
        before = [text.rfind(b, 1, fits) for b in _BREAK_BEFORE]
        after = [i + len(b) for b in _BREAK_AFTER if (i := text.rfind(b, 1, fits - len(b) + 1)) > 0]
        cut = max([*before, *after, 0])
        cut = cut if cut > 0 else fits
        lines.append(text[:cut].rstrip())
        text = text[cut:].lstrip(" ·")
    return [*lines, text]


def _base_layout(
    fig: go.Figure,
    title: str,
    source: str,
    height: int,
    lang: str,
    unit: str = "",
    style: Style = SCREEN,
    mark_rows: int = 0,
    marks: tuple[list, list] = ([], []),
) -> go.Figure:
    """Title (wrapped), legend, unit label above the value axis and source line under the chart; `mark_rows`
    rows of event labels share the unit's row and stack above it, and `marks` holds their (shapes, annotations)."""
    k = style.scale
    title_lines = wrap(title, style.title_units)
    source_lines = wrap(source, style.source_units)
    shown = fig.layout.showlegend is not False
    legend_entries = sum(1 for trace in fig.data if shown and trace.showlegend is not False and trace.name)
    legend_rows = 0 if legend_entries < 2 else 1 if legend_entries <= 5 else 2
    unit_row = (22 + MARK_ROW * max(mark_rows - 1, 0)) * k if unit or mark_rows else 0
    top = (16 + 26 * len(title_lines) + 8 + 26 * legend_rows + 6) * k + unit_row
    bottom = (58 + 16 * len(source_lines)) * k
    total = (style.height or height) + 26 * k * (len(title_lines) - 1)
    plot_height = max(total - top - bottom, 100)
    annotations = [
        {
            "text": "<br>".join(source_lines),
            "xref": "paper",
            "yref": "paper",
            "x": 0,
            "y": 0,
            "yshift": -50 * k,
            "xanchor": "left",
            "yanchor": "top",
            "align": "left",
            "showarrow": False,
            "font": {"size": 12 * k, "color": "#5f6b7a"},
        }
    ]
    if unit:  # '单位：项' read horizontally above the axis (a rotated 项 reads as a glyph, not a word)
        annotations.append(
            {
                "text": UNIT.format(unit=unit)(lang),
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 1,
                "xshift": -62 * k,
                "yshift": 4,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 13 * k, "color": "#5f6b7a"},
            }
        )
    fig.update_layout(
        height=round(total),
        title={
            "text": "<br>".join(title_lines),
            "x": 0,
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 16 * k, "l": style.edge},
            "font": {"size": 19 * k},
        },
        font={"family": FONT_FAMILY, "size": 15 * k, "color": TEXT_COLOUR},
        margin={"l": 70 * k + style.edge, "r": 24 * k + style.edge, "t": top, "b": bottom},
        legend={
            "orientation": "h",
            "x": 0,
            "y": 1 + (unit_row + 4) / plot_height,
            "yanchor": "bottom",
            "font": {"size": 14 * k},
        },
        hoverlabel={"font": {"family": FONT_FAMILY, "size": 15 * k}},
        separators=".,",
        annotations=[*annotations, *marks[1]],
        shapes=marks[0],
    )
    fig.update_xaxes(gridcolor=GRID_COLOUR)
    fig.update_yaxes(gridcolor=GRID_COLOUR, zerolinecolor="#b8bfc7")
    return fig


def _place_marks(marks: Sequence, years: Sequence[int], style: Style) -> list[tuple]:
    """(mark, text, row, right-anchored) for each mark: labels go into rows above the plot, each in the lowest
    row where it does not run into a label placed before it (widths estimated from the text)."""
    if not marks or not years:
        return []
    lo, hi = min(years), max(years)
    font = 11 * style.scale
    ends: list[float] = []  # per row, the right edge of its last label, in px from the plot's left edge
    placed = []
    for mark in marks:
        text = mark.label if style.full_marks else mark.tag
        width = _units(text) * font * 0.55 + 8
        x = (mark.year - lo) / (hi - lo) * style.plot_width if hi > lo else 0
        right = hi > lo and (mark.year - lo) / (hi - lo) > 0.75
        left_edge = x - width if right else x
        row = next((i for i, end in enumerate(ends) if end <= left_edge), len(ends))
        if row == len(ends):
            ends.append(0)
        ends[row] = left_edge + width
        placed.append((mark, text, row, right))
    return placed


def _mark_layout(placed: list[tuple], style: Style) -> tuple[list, list]:
    """(shapes, annotations): dotted vertical lines at the marks' years, labels in rows above the plot (full text
    on hover). Given to the layout all at once: Plotly's add_vline takes 2.6 ms a line."""
    shapes, annotations = [], []
    for mark, text, row, right in placed:
        colour = PEER_COLOUR if mark.kind == "batch" else EVENT_COLOUR
        line = {"color": colour, "width": 1, "dash": "dot"}
        shapes.append({"type": "line", "x0": mark.year, "x1": mark.year, "xref": "x", "y0": 0, "y1": 1,
                       "yref": "y domain", "line": line, "layer": "below"})  # fmt: skip
        annotations.append(
            {
                "x": mark.year,
                "y": 1,
                "yref": "paper",
                "yanchor": "bottom",
                "yshift": (4 + MARK_ROW * row) * style.scale,
                "xanchor": "right" if right else "left",
                "xshift": -2 if right else 2,
                "text": text,
                "hovertext": f"{mark.year} {mark.label}",
                "showarrow": False,
                "font": {"size": 11 * style.scale, "color": colour},
            }
        )
    return shapes, annotations


def _value_axis(fig: go.Figure, values: Sequence[float], ind: Indicator, lang: str) -> str:
    """Ticks and range of the value axis in the language's number style; returns the unit to label it with."""
    finite = [v for v in values if v is not None and not math.isnan(v)]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    ticks, labels, unit = axis_ticks(low, high, ind, lang)
    pad = (high - min(low, 0)) * 0.06 or 1
    fig.update_yaxes(
        tickvals=ticks, ticktext=labels, range=[min(low, 0) - (pad if low < 0 else 0), max(high, ticks[-1]) + pad]
    )
    return unit


def _year_axis(fig: go.Figure, years: Sequence[int]) -> None:
    """Whole years only; with many years Plotly thins the labels to fit a narrow chart."""
    if len(years) <= 6:
        fig.update_xaxes(tickmode="array", tickvals=list(years), tickformat="d")
    else:
        fig.update_xaxes(tickmode="auto", tickformat="d", nticks=len(years))


def _over_years(fig, values, years, ind, lang, title, source, height, marks, style) -> go.Figure:
    """The value axis, layout, year axis and event marks that every chart over years shares."""
    placed = _place_marks(marks, years, style)
    unit = _value_axis(fig, values, ind, lang)
    rows = 1 + max((p[2] for p in placed), default=-1)
    _base_layout(fig, title, source, height, lang, unit=unit, style=style, mark_rows=rows,
                 marks=_mark_layout(placed, style))  # fmt: skip
    _year_axis(fig, years)
    return fig


def time_chart(
    lines: Sequence[Line],
    ind: Indicator,
    lang: str,
    title: str,
    source: str,
    height: int = 430,
    marks: Sequence = (),
    style: Style = SCREEN,
) -> go.Figure:
    """Lines over years; unreported years are gaps, hover shows the exact value and who reported."""
    fig = go.Figure()
    all_values: list[float] = []
    years = sorted({y for line in lines for y in line.years})
    for line in lines:
        exact = [
            format_value(v, ind, lang, compact=False) if not math.isnan(v) else NOT_REPORTED(lang) for v in line.values
        ]
        notes = [REPORTING.format(n=n)(lang) for n in line.reporting] if line.reporting else [""] * len(line.values)
        fig.add_trace(
            go.Scatter(
                x=list(line.years),
                y=[None if math.isnan(v) else v for v in line.values],
                name=line.name,
                mode="lines+markers",
                connectgaps=False,
                line={"color": line.colour, "width": line.width * style.scale, "dash": line.dash},
                marker={"size": 7 * style.scale},
                customdata=list(zip(exact, notes, strict=True)),
                hovertemplate="<b>%{fullData.name}</b> %{x}<br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
            )
        )
        all_values.extend(line.values)
    fig.update_layout(showlegend=len(lines) > 1, hovermode="closest")
    return _over_years(fig, all_values, years, ind, lang, title, source, height, marks, style)


def bar_chart(
    frame: pd.DataFrame,
    ind: Indicator,
    lang: str,
    title: str,
    source: str,
    height: int = 430,
    marks: Sequence = (),
    style: Style = SCREEN,
) -> go.Figure:
    """Bars by year (frame: year, value), labelled with their values."""
    fig = go.Figure(
        go.Bar(
            x=frame["year"].tolist(),
            y=frame["value"].tolist(),
            marker_color=PROGRAMME_COLOUR,
            text=[format_number(v, lang, ind.decimals) for v in frame["value"]],
            textposition="outside",
            cliponaxis=False,
            customdata=[format_value(v, ind, lang, compact=False) for v in frame["value"]],
            hovertemplate="%{x}<br>%{customdata}<extra></extra>",
        )
    )
    fig.update_layout(showlegend=False)
    values, years = frame["value"].tolist(), frame["year"].tolist()
    return _over_years(fig, values, years, ind, lang, title, source, height, marks, style)


def slope_chart(
    frame: pd.DataFrame,
    first: int,
    last: int,
    names: dict[str, str],
    colours: dict[str, str],
    ind: Indicator,
    lang: str,
    title: str,
    source: str,
    height: int = 430,
    style: Style = SCREEN,
) -> go.Figure:
    """One segment per city from its first-year to its last-year value (frame: city_code, year, value).

    Names stand at the right end, nudged apart vertically so that close values stay readable.
    """
    fig = go.Figure()
    values: list[float] = []
    ends: list[tuple[float, str, str]] = []
    wide = frame.pivot(index="city_code", columns="year", values="value")
    for code in wide.index:
        name = names[code]
        ys = [float(wide.at[code, y]) if y in wide.columns else math.nan for y in (first, last)]
        fig.add_trace(
            go.Scatter(
                x=[0, 1],
                y=[None if math.isnan(v) else v for v in ys],
                name=name,
                mode="lines+markers",
                line={"color": colours[code], "width": 3 * style.scale},
                marker={"size": 10 * style.scale},
                customdata=[format_value(v, ind, lang, compact=False) for v in ys],
                text=[str(first), str(last)],
                hovertemplate="<b>%{fullData.name}</b> %{text}<br>%{customdata}<extra></extra>",
            )
        )
        values.extend(ys)
        if not math.isnan(ys[1]):
            ends.append((ys[1], name, colours[code]))
    fig.update_layout(showlegend=False)
    _base_layout(fig, title, source, height, lang, unit=_value_axis(fig, values, ind, lang), style=style)
    low, high = fig.layout.yaxis.range or (0, 1)
    plot_px = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    positions = _spread([y for y, _, _ in ends], (high - low) * 20 * style.scale / plot_px)
    for (_, name, colour), y in zip(ends, positions, strict=True):
        fig.add_annotation(
            x=1, y=y, text=name, xanchor="left", xshift=12, showarrow=False,
            font={"color": colour, "size": 14 * style.scale},
        )  # fmt: skip
    fig.update_layout(margin={"r": 150 * style.scale})
    fig.update_xaxes(tickmode="array", tickvals=[0, 1], ticktext=[str(first), str(last)], range=[-0.08, 1.08])
    return fig


def _spread(values: Sequence[float], gap: float) -> list[float]:
    """Label positions near `values` (same order) with at least `gap` between neighbours."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    placed: dict[int, float] = {}
    previous = -math.inf
    for i in order:
        placed[i] = max(values[i], previous + gap)
        previous = placed[i]
    return [placed[i] for i in range(len(values))]


def point_map(
    cities: pd.DataFrame,
    ind: Indicator,
    lang: str,
    title: str,
    source: str,
    height: int = 720,
    labelled: int = 15,
    style: Style = SCREEN,
) -> go.Figure:
    """Pilot cities as points at their coordinates, sized by value, without borders or a base map.

    cities: name, lon, lat, value, region (key), region_label, colour. Drawn on plain longitude/latitude axes
    (no map tiles, no boundaries), so it works offline and draws no borders that would need the official
    standard map. Only the `labelled` largest points carry a name; hover shows every one.
    """
    shown = cities[cities["value"].notna()]
    missing = cities[cities["value"].isna()]
    largest = float(shown["value"].max()) if len(shown) else 0.0
    named = set(shown.nlargest(labelled, "value")["name"])
    fig = go.Figure()
    for region in REGION_COLOURS:
        group = shown[shown["region"] == region]
        if group.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=group["lon"],
                y=group["lat"],
                mode="markers+text",
                name=group["region_label"].iloc[0],
                text=[n if n in named else "" for n in group["name"]],
                hovertext=group["name"],
                textposition="middle right",
                textfont={"size": 12 * style.scale},
                marker={
                    "size": [
                        (10 + 40 * math.sqrt(max(v, 0) / largest) if largest > 0 else 10) * style.scale
                        for v in group["value"]
                    ],
                    "color": REGION_COLOURS[region],
                    "opacity": 0.72,
                    "line": {"width": 1, "color": "white"},
                },
                customdata=[format_value(v, ind, lang, compact=False) for v in group["value"]],
                hovertemplate="<b>%{hovertext}</b><br>%{customdata}<extra></extra>",
            )
        )
    if len(missing):
        fig.add_trace(
            go.Scatter(
                x=missing["lon"],
                y=missing["lat"],
                mode="markers",
                name=NOT_REPORTED(lang),
                hovertext=missing["name"],
                marker={"size": 8, "color": "white", "line": {"width": 1.5, "color": PEER_COLOUR}},
                hovertemplate="<b>%{hovertext}</b><br>" + NOT_REPORTED(lang) + "<extra></extra>",
            )
        )
    _base_layout(fig, title, source, height, lang, style=style)
    lon_lo, lon_hi = (cities["lon"].min(), cities["lon"].max()) if len(cities) else (73.0, 135.0)
    lat_lo, lat_hi = (cities["lat"].min(), cities["lat"].max()) if len(cities) else (18.0, 54.0)
    fig.update_xaxes(range=[lon_lo - 3, lon_hi + 6], showgrid=False, zeroline=False, showticklabels=False)
    # 1° of latitude is about 1.22° of longitude in length at China's mid latitude (35° N).
    fig.update_yaxes(
        range=[lat_lo - 2, lat_hi + 2], showgrid=False, zeroline=False, showticklabels=False,
        scaleanchor="x", scaleratio=1.22,
    )  # fmt: skip
    fig.update_layout(plot_bgcolor="#f4f6f8")
    return fig


COMPLETENESS_LABELS = {
    "reported": Text("已报送", "reported"),
    "missing": Text("未报送", "not reported"),
    "not_designated": Text("尚未命名", "not yet a pilot"),
}
_COMPLETENESS_COLOURS = {"reported": "#2e7d5b", "missing": "#d9534f", "not_designated": "#eceff2"}


GRID_ROWS = 60
GRID_SHOWN = Text(" · 缺报最多的 {n} 个（共 {m} 个试点）", " · the {n} with the most gaps (of {m} pilots)")


def completeness_chart(
    status: pd.DataFrame, names: dict[str, str], lang: str, title: str, source: str, style: Style = SCREEN
) -> go.Figure:
    """A grid of cities (rows) by years (columns) coloured by reporting status (city_code, year, status).

    Beyond GRID_ROWS pilots the grid keeps the GRID_ROWS with the most gaps, in their order, and says so in the
    title: a row per pilot for thousands of pilots is a chart nobody can read (the data behind it has them all).
    """
    codes_in_order = list(dict.fromkeys(status["city_code"]))
    if len(codes_in_order) > GRID_ROWS:
        gaps = status.assign(gap=status["status"] == "missing").groupby("city_code", sort=False)["gap"].sum()
        worst = set(gaps.sort_values(ascending=False, kind="stable").index[:GRID_ROWS])
        title += GRID_SHOWN.format(n=GRID_ROWS, m=f"{len(codes_in_order):,}")(lang)
        codes_in_order = [c for c in codes_in_order if c in worst]
        status = status[status["city_code"].isin(worst)]
    order = [names[c] for c in codes_in_order]
    years = sorted(status["year"].unique().tolist())
    codes = {s: i for i, s in enumerate(COMPLETENESS_LABELS)}
    grid = status.pivot(index="city_code", columns="year", values="status").reindex(index=codes_in_order, columns=years)
    cells = grid.to_numpy(dtype=object)  # NumPy arrays: Plotly checks nested lists element by element
    z = np.vectorize(lambda s: codes.get(s, 1), otypes=[int])(cells) if cells.size else cells
    text = (
        np.vectorize(lambda s: COMPLETENESS_LABELS[s](lang) if s in COMPLETENESS_LABELS else "", otypes=[object])(cells)
        if cells.size
        else cells
    )
    n = len(codes)
    scale = []
    for i, status in enumerate(COMPLETENESS_LABELS):
        scale += [[i / n, _COMPLETENESS_COLOURS[status]], [(i + 1) / n, _COMPLETENESS_COLOURS[status]]]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(y) for y in years],
            y=order,
            text=text,
            zmin=-0.5,
            zmax=n - 0.5,
            colorscale=scale,
            showscale=False,
            xgap=2,
            ygap=2,
            hovertemplate="<b>%{y}</b> %{x}<br>%{text}<extra></extra>",
        )
    )
    for status in COMPLETENESS_LABELS:  # legend entries for the three colours
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=COMPLETENESS_LABELS[status](lang),
                marker={"size": 14, "symbol": "square", "color": _COMPLETENESS_COLOURS[status]},
            )
        )
    height = max(360, 22 * len(order) + 190)
    _base_layout(fig, title, source, height, lang, style=replace(style, height=None))
    fig.update_yaxes(autorange="reversed", tickfont={"size": 12 * style.scale}, gridcolor="rgba(0,0,0,0)")
    fig.update_xaxes(side="top", type="category", gridcolor="rgba(0,0,0,0)", showgrid=False)
    fig.update_layout(
        margin={"t": 120 * style.scale},
        legend={"yref": "container", "y": 0.995, "yanchor": "top", "x": 1, "xanchor": "right"},
        plot_bgcolor="white",
    )
    return fig


def figure(data, style: Style = SCREEN) -> go.Figure:
    """The Plotly figure for resolved chart data (specs.ChartData), in the given style."""
    data = _escaped(data)
    args = (data.indicator, data.lang, data.title, data.source)
    if data.form == "lines":
        return time_chart(data.lines, *args, marks=data.marks, style=style)
    if data.form == "bars":
        return bar_chart(data.frame, *args, marks=data.marks, style=style)
    if data.form == "slope":
        first, last = data.spec.years
        return slope_chart(data.frame, first, last, data.names, data.colours, *args, style=style)
    if data.form == "points":
        return point_map(data.frame, *args, style=style)
    if data.form == "grid":
        return completeness_chart(data.frame, data.names, data.lang, data.title, data.source, style=style)
    raise ValueError(f"unknown form {data.form!r}")


def _escaped(data):
    """The chart data with every text from the data escaped: Plotly reads tags such as <a href> in names and labels
    as markup, and a city name must never become a link."""
    esc = functools.partial(html.escape, quote=False)
    frame = data.frame
    shown = set()  # the pilots the chart names (not every pilot there is)
    if frame is not None:
        frame = frame.assign(**{c: frame[c].map(esc) for c in ("name", "region_label") if c in frame})
        shown = set(frame["city_code"]) if "city_code" in frame else set()
    return replace(
        data,
        title=esc(data.title),
        lines=tuple(replace(line, name=esc(line.name)) for line in data.lines),
        names={code: esc(data.names[code]) for code in shown if code in data.names},
        marks=tuple(replace(mark, label=esc(mark.label), tag=esc(mark.tag)) for mark in data.marks),
        frame=frame,
    )


_images = threading.Lock()  # one Kaleido browser per process, used by one caller at a time
IMAGE_FORMATS = ("png", "svg")


def image(data, file_format: str) -> bytes:
    """The chart as a 1920x1080 PNG (1280x720 at 1.5x, for slides) or a 1280x720 SVG; needs Chromium."""
    if file_format not in IMAGE_FORMATS:
        raise ValueError(f"unknown image format {file_format!r}")
    import kaleido

    fig = figure(data, IMAGE)
    with _images, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Kaleido warns that per-call options are ignored by its server
        if not getattr(image, "started", False):
            kaleido.start_sync_server(silence_warnings=True)
            image.started = True
        scale = 1.5 if file_format == "png" else 1
        return fig.to_image(format=file_format, width=1280, height=fig.layout.height, scale=scale)
