"""Plotly figures fit for a projector: one colour per city everywhere, gaps for unreported years, labels and numbers
in the reader's language, and a source line under every chart. Drawn from specs.ChartData as Plotly's JSON form
(plotly_layout.Figure); PNG and SVG through Kaleido."""

from __future__ import annotations

import functools
import html
import math
import threading
import warnings
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from ..domain.formatting import format_number, format_value
from ..domain.i18n import Text
from ..domain.registry import Indicator
from .plotly_layout import (
    IMAGE,
    SCREEN,
    Figure,
    Style,
    as_figure,
    base_layout,
    merge,
    new_figure,
    over_years,
    value_axis,
)
from .specs import COMPLETENESS_LABELS, ChartData, Line
from .style import COMPLETENESS_COLOURS, PEER_COLOUR, PROGRAMME_COLOUR, REGION_COLOURS

CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
REPORTING = Text("{n} 个城市报送", "{n} cities reporting")
NOT_REPORTED = Text("未报送", "not reported")


def time_chart(
    lines: Sequence[Line],
    ind: Indicator,
    lang: str,
    title: str,
    source: str,
    height: int = 430,
    marks: Sequence = (),
    style: Style = SCREEN,
) -> Figure:
    """Lines over years; unreported years are gaps, hover shows the exact value and who reported."""
    traces = []
    all_values: list[float] = []
    years = sorted({y for line in lines for y in line.years})
    for line in lines:
        exact = [
            format_value(v, ind, lang, compact=False) if not math.isnan(v) else NOT_REPORTED(lang) for v in line.values
        ]
        notes = [REPORTING.format(n=n)(lang) for n in line.reporting] if line.reporting else [""] * len(line.values)
        traces.append(
            {
                "type": "scatter",
                "x": list(line.years),
                "y": [None if math.isnan(v) else v for v in line.values],
                "name": line.name,
                "mode": "lines+markers",
                "connectgaps": False,
                "line": {"color": line.colour, "width": line.width * style.scale, "dash": line.dash},
                "marker": {"size": 7 * style.scale},
                "customdata": [list(pair) for pair in zip(exact, notes, strict=True)],
                "hovertemplate": "<b>%{fullData.name}</b> %{x}<br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
            }
        )
        all_values.extend(line.values)
    labelled = len(lines) >= LABELLED_LINES  # a legend of many colours is hard to match: names at the lines' ends
    fig = new_figure(traces, showlegend=len(lines) > 1 and not labelled, hovermode="closest")
    fig = over_years(fig, all_values, years, ind, lang, title, source, height, marks, style)
    if labelled:
        _name_line_ends(fig, lines, style)
    return fig


LABELLED_LINES = 5  # from this many lines on, each is named at its end instead of in a legend


def _name_line_ends(fig: Figure, lines: Sequence[Line], style: Style) -> None:
    """Each line's name beside its last reported point, in its colour, spread so that none overlap."""
    layout = fig["layout"]
    ends = []
    for line in lines:
        reported = [(y, v) for y, v in zip(line.years, line.values, strict=True) if not math.isnan(v)]
        if reported:
            ends.append((reported[-1], line))
    if not ends:
        return
    low, high = layout.get("yaxis", {}).get("range") or (0, 1)
    plot_px = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    positions = _spread([v for (_, v), _ in ends], (high - low) * 18 * style.scale / plot_px)
    last_year = max(y for (y, _), _ in ends)
    for (_, line), y in zip(ends, positions, strict=True):
        layout["annotations"].append(
            {"x": last_year, "y": y, "xref": "x", "yref": "y", "text": line.name, "xanchor": "left",
             "xshift": 10, "showarrow": False,
             "font": {"color": line.colour, "size": 13 * style.scale}}
        )  # fmt: skip
    merge(layout, {"margin": {"r": max(layout["margin"].get("r", 0), 130 * style.scale)}})


def bar_chart(
    frame: pd.DataFrame,
    ind: Indicator,
    lang: str,
    title: str,
    source: str,
    height: int = 430,
    marks: Sequence = (),
    style: Style = SCREEN,
) -> Figure:
    """Bars by year (frame: year, value), labelled with their values."""
    bars = {
        "type": "bar",
        "x": frame["year"].tolist(),
        "y": frame["value"].tolist(),
        "marker": {"color": PROGRAMME_COLOUR},
        "text": [format_number(v, lang, ind.decimals) for v in frame["value"]],
        "textposition": "outside",
        "cliponaxis": False,
        "customdata": [format_value(v, ind, lang, compact=False) for v in frame["value"]],
        "hovertemplate": "%{x}<br>%{customdata}<extra></extra>",
    }
    fig = new_figure([bars], showlegend=False)
    values, years = frame["value"].tolist(), frame["year"].tolist()
    return over_years(fig, values, years, ind, lang, title, source, height, marks, style)


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
) -> Figure:
    """One segment per city from its first-year to its last-year value (frame: city_code, year, value).

    Names stand at the right end, nudged apart vertically so that close values stay readable.
    """
    traces = []
    values: list[float] = []
    ends: list[tuple[float, str, str]] = []
    wide = frame.pivot(index="city_code", columns="year", values="value")
    for code in wide.index:
        name = names[code]
        ys = [float(wide.at[code, y]) if y in wide.columns else math.nan for y in (first, last)]
        traces.append(
            {
                "type": "scatter",
                "x": [0, 1],
                "y": [None if math.isnan(v) else v for v in ys],
                "name": name,
                "mode": "lines+markers",
                "line": {"color": colours[code], "width": 3 * style.scale},
                "marker": {"size": 10 * style.scale},
                "customdata": [format_value(v, ind, lang, compact=False) for v in ys],
                "text": [str(first), str(last)],
                "hovertemplate": "<b>%{fullData.name}</b> %{text}<br>%{customdata}<extra></extra>",
            }
        )
        values.extend(ys)
        if not math.isnan(ys[1]):
            ends.append((ys[1], name, colours[code]))
    fig = new_figure(traces, showlegend=False)
    base_layout(fig, title, source, height, lang, unit=value_axis(fig, values, ind, lang), style=style)
    layout = fig["layout"]
    low, high = layout.get("yaxis", {}).get("range") or (0, 1)
    plot_px = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    positions = _spread([y for y, _, _ in ends], (high - low) * 20 * style.scale / plot_px)
    for (_, name, colour), y in zip(ends, positions, strict=True):
        layout["annotations"].append(
            {"x": 1, "y": y, "text": name, "xanchor": "left", "xshift": 12, "showarrow": False,
             "font": {"color": colour, "size": 14 * style.scale}}
        )  # fmt: skip
    merge(layout, {"margin": {"r": 150 * style.scale},
                   "xaxis": {"tickmode": "array", "tickvals": [0, 1], "ticktext": [str(first), str(last)],
                             "range": [-0.08, 1.08]}})  # fmt: skip
    return fig


def _spread(values: Sequence[float], gap: float) -> list[float]:
    """Label positions near `values` (same order), at least `gap` apart: labels that would overlap are set as a
    block centred on their values' mean (so a crowd stays beside its dots, not pushed far above them)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    blocks: list[list[int]] = []  # runs of labels in value order, each laid out as one block

    def centre(block: list[int]) -> float:
        return sum(values[i] for i in block) / len(block)

    def bottom(block: list[int]) -> float:
        return centre(block) - gap * (len(block) - 1) / 2

    for i in order:
        blocks.append([i])
        while len(blocks) > 1 and bottom(blocks[-1]) < bottom(blocks[-2]) + gap * len(blocks[-2]):
            last = blocks.pop()
            blocks[-1].extend(last)
    placed: dict[int, float] = {}
    for block in blocks:
        for k, i in enumerate(block):
            placed[i] = bottom(block) + k * gap
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
) -> Figure:
    """Pilot cities as points at their coordinates, sized by value, without borders or a base map.

    cities: name, lon, lat, value, region (key), region_label, colour. Drawn on plain longitude/latitude axes
    (no map tiles, no boundaries), so it works offline and draws no borders that would need the official
    standard map. Only the `labelled` largest points carry a name; hover shows every one.
    """
    shown = cities[cities["value"].notna()]
    missing = cities[cities["value"].isna()]
    largest = float(shown["value"].max()) if len(shown) else 0.0
    named = set(shown.nlargest(labelled, "value")["name"])
    traces = []
    for region in REGION_COLOURS:
        group = shown[shown["region"] == region]
        if group.empty:
            continue
        traces.append(
            {
                "type": "scatter",
                "x": group["lon"].tolist(),
                "y": group["lat"].tolist(),
                "mode": "markers+text",
                "name": group["region_label"].iloc[0],
                "text": [n if n in named else "" for n in group["name"]],
                "hovertext": group["name"].tolist(),
                "textposition": "middle right",
                "textfont": {"size": 12 * style.scale},
                "marker": {
                    "size": [
                        (10 + 40 * math.sqrt(max(v, 0) / largest) if largest > 0 else 10) * style.scale
                        for v in group["value"]
                    ],
                    "color": REGION_COLOURS[region],
                    "opacity": 0.72,
                    "line": {"width": 1, "color": "white"},
                },
                "customdata": [format_value(v, ind, lang, compact=False) for v in group["value"]],
                "hovertemplate": "<b>%{hovertext}</b><br>%{customdata}<extra></extra>",
            }
        )
    if len(missing):
        traces.append(
            {
                "type": "scatter",
                "x": missing["lon"].tolist(),
                "y": missing["lat"].tolist(),
                "mode": "markers",
                "name": NOT_REPORTED(lang),
                "hovertext": missing["name"].tolist(),
                "marker": {"size": 8, "color": "white", "line": {"width": 1.5, "color": PEER_COLOUR}},
                "hovertemplate": "<b>%{hovertext}</b><br>" + NOT_REPORTED(lang) + "<extra></extra>",
            }
        )
    fig = new_figure(traces)
    base_layout(fig, title, source, height, lang, style=style)
    lon_lo, lon_hi = (cities["lon"].min(), cities["lon"].max()) if len(cities) else (73.0, 135.0)
    lat_lo, lat_hi = (cities["lat"].min(), cities["lat"].max()) if len(cities) else (18.0, 54.0)
    merge(fig["layout"], {
        "xaxis": {"range": [lon_lo - 3, lon_hi + 6], "showgrid": False, "zeroline": False, "showticklabels": False},
        # 1° of latitude is about 1.22° of longitude in length at China's mid latitude (35° N).
        "yaxis": {"range": [lat_lo - 2, lat_hi + 2], "showgrid": False, "zeroline": False, "showticklabels": False,
                  "scaleanchor": "x", "scaleratio": 1.22},
        "plot_bgcolor": "#f4f6f8",
    })  # fmt: skip
    return fig


GRID_ROWS = 60
GRID_SHOWN = Text(" · 缺报最多的 {n} 个（共 {m} 个试点）", " · the {n} with the most gaps (of {m} pilots)")


def completeness_chart(
    status: pd.DataFrame, names: dict[str, str], lang: str, title: str, source: str, style: Style = SCREEN
) -> Figure:
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
    cells = grid.to_numpy(dtype=object)
    z = np.vectorize(lambda s: codes.get(s, 1), otypes=[int])(cells) if cells.size else cells
    text = (
        np.vectorize(lambda s: COMPLETENESS_LABELS[s](lang) if s in COMPLETENESS_LABELS else "", otypes=[object])(cells)
        if cells.size
        else cells
    )
    n = len(codes)
    scale = []
    for i, status in enumerate(COMPLETENESS_LABELS):
        scale += [[i / n, COMPLETENESS_COLOURS[status]], [(i + 1) / n, COMPLETENESS_COLOURS[status]]]
    grid_trace = {
        "type": "heatmap",
        "z": z.tolist(),
        "x": [str(y) for y in years],
        "y": order,
        "text": text.tolist(),
        "zmin": -0.5,
        "zmax": n - 0.5,
        "colorscale": scale,
        "showscale": False,
        "xgap": 2,
        "ygap": 2,
        "hovertemplate": "<b>%{y}</b> %{x}<br>%{text}<extra></extra>",
    }
    legend = [  # legend entries for the three colours
        {
            "type": "scatter",
            "x": [None],
            "y": [None],
            "mode": "markers",
            "name": COMPLETENESS_LABELS[status](lang),
            "marker": {"size": 14, "symbol": "square", "color": COMPLETENESS_COLOURS[status]},
        }
        for status in COMPLETENESS_LABELS
    ]
    fig = new_figure([grid_trace, *legend])
    height = max(360, 22 * len(order) + 190)
    base_layout(fig, title, source, height, lang, style=replace(style, height=None))
    merge(fig["layout"], {
        "yaxis": {"autorange": "reversed", "tickfont": {"size": 12 * style.scale}, "gridcolor": "rgba(0,0,0,0)"},
        "xaxis": {"side": "top", "type": "category", "gridcolor": "rgba(0,0,0,0)", "showgrid": False},
        "margin": {"t": 120 * style.scale},
        "legend": {"yref": "container", "y": 0.995, "yanchor": "top", "x": 1, "xanchor": "right"},
        "plot_bgcolor": "white",
    })  # fmt: skip
    return fig


def figure(data: ChartData, style: Style = SCREEN) -> Figure:
    """The Plotly figure for resolved chart data, in the given style."""
    data = _escaped(data)
    args = (data.indicator, data.lang, data.title, data.source)
    if data.form == "lines":
        return time_chart(data.lines, *args, marks=data.marks, style=style)
    if data.form == "bars":
        return bar_chart(data.drawn(), *args, marks=data.marks, style=style)
    if data.form == "slope":
        first, last = data.spec.years
        return slope_chart(data.drawn(), first, last, data.names, data.colours, *args, style=style)
    if data.form == "points":
        return point_map(data.drawn(), *args, style=style)
    if data.form == "grid":
        return completeness_chart(data.drawn(), data.names, data.lang, data.title, data.source, style=style)
    raise ValueError(f"unknown form {data.form!r}")


def _escaped(data: ChartData) -> ChartData:
    """The chart data with every text from the data escaped: Plotly reads tags such as <a href> in names and labels
    as markup, and a city name must never become a link."""
    esc = functools.partial(html.escape, quote=False)
    frame = data.frame
    shown: set[str] = set()  # the pilots the chart names (not every pilot there is)
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


@functools.cache
def _start_kaleido() -> None:
    """Start Kaleido's browser, once per process (each image after the first is then quick)."""
    import kaleido  # imported here: only image downloads need it

    kaleido.start_sync_server(silence_warnings=True)


def image(data: ChartData, file_format: str) -> bytes:
    """The chart as a 1920x1080 PNG (1280x720 at 1.5x, for slides) or a 1280x720 SVG; needs Chromium."""
    if file_format not in IMAGE_FORMATS:
        raise ValueError(f"unknown image format {file_format!r}")
    fig = as_figure(figure(data, IMAGE))
    with _images, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Kaleido warns that per-call options are ignored by its server
        _start_kaleido()
        scale = 1.5 if file_format == "png" else 1
        return fig.to_image(format=file_format, width=1280, height=fig.layout.height, scale=scale)
