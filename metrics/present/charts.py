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

from ..domain.formatting import axis_ticks, format_number, format_value, nice_ticks
from ..domain.i18n import Text
from ..domain.registry import Indicator
from .plotly_layout import (
    IMAGE,
    SCREEN,
    Figure,
    Style,
    as_figure,
    base_layout,
    display_units,
    merge,
    new_figure,
    over_years,
    value_axis,
)
from .specs import COMPLETENESS_LABELS, ChartData, Line
from .style import COMPLETENESS_COLOURS, PEER_COLOUR, PROGRAMME_COLOUR, REGION_COLOURS

CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
# Plotly's own words on a chart (the toolbar's tooltips, its hints) in Chinese: Plotly looks each up in the locale's
# dictionary, given with the chart's config (nothing to load from a CDN).
ZH_CN = {
    "Autoscale": "自动缩放",
    "Compare data on hover": "悬停时对比各条数据",
    "Double-click on legend to isolate one trace": "双击图例只显示这一条",
    "Double-click to zoom back out": "双击恢复原大小",
    "Download plot": "下载图片",
    "Download plot as a PNG": "下载图片（PNG）",
    "Download plot as a png": "下载图片（PNG）",
    "Pan": "平移",
    "Reset axes": "重置坐标轴",
    "Reset view": "重置视图",
    "Reset": "重置",
    "Show closest data on hover": "悬停时显示最近的数据",
    "Toggle Spike Lines": "显示或隐藏辅助线",
    "Toggle show closest data on hover": "切换悬停显示最近的数据",
    "Zoom in": "放大",
    "Zoom out": "缩小",
    "Zoom": "缩放",
}


def config(lang: str, file_stem: str) -> dict:
    """The Plotly config of a chart on a page: its toolbar in the reader's language, and its PNG download named
    for what it shows."""
    words = {"locale": "zh-CN", "locales": {"zh-CN": {"dictionary": ZH_CN}}} if lang == "zh" else {}
    return {**CONFIG, **words, "toImageButtonOptions": {"filename": file_stem, "scale": 2}}


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
                "opacity": 0.3 if line.faded else 1,
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
    positions = _spread([v for (_, v), _ in ends], (high - low) * 18 * style.scale / plot_px, (low, high))
    last_year = max(y for (y, _), _ in ends)
    focused = any(line.faded for line in lines)  # one city is brought forward
    for (_, line), y in zip(ends, positions, strict=True):
        layout["annotations"].append(
            {"x": last_year, "y": y, "xref": "x", "yref": "y", "text": line.name, "xanchor": "left",
             "xshift": 10, "showarrow": False,
             "font": {"color": PEER_COLOUR if line.faded else line.colour, "size": 13 * style.scale,
                      "weight": 700 if focused and not line.faded else 400}}
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
    years: tuple[int, int],
    names: dict[str, str],
    colours: dict[str, str],
    ind: Indicator,
    lang: str,
    title: str,
    source: str,
    height: int = 430,
    style: Style = SCREEN,
    focus: str | None = None,
) -> Figure:
    """One segment per city from its start to its last-year value (frame: city_code, year, value; two rows a city,
    the start being the range's first year or, for a city with no figure then, its first reported year).

    Names stand at the right end, nudged apart vertically so that close values stay readable. With a `focus`, that
    city is drawn on top and the others faded.
    """
    first, last = years
    traces = []
    values: list[float] = []
    ends: list[tuple[float, str, str]] = []
    groups = dict(tuple(frame.groupby("city_code", sort=False)))
    faded = {code: focus in groups and code != focus for code in groups}
    for code in sorted(groups, key=lambda c: c == focus):  # the city brought forward last, on top
        rows = groups[code].sort_values("year")
        name = names[code]
        xs, ys = rows["year"].astype(int).tolist(), rows["value"].astype(float).tolist()
        traces.append(
            {
                "type": "scatter",
                "x": xs,
                "y": [None if math.isnan(v) else v for v in ys],
                "name": name,
                "mode": "lines+markers",
                "line": {"color": colours[code], "width": (4.5 if code == focus else 3) * style.scale},
                "marker": {"size": 10 * style.scale},
                "opacity": 0.3 if faded[code] else 1,
                "customdata": [format_value(v, ind, lang, compact=False) for v in ys],
                "hovertemplate": "<b>%{fullData.name}</b> %{x}<br>%{customdata}<extra></extra>",
            }
        )
        values.extend(ys)
        if xs[-1] == last and not math.isnan(ys[-1]):
            ends.append((ys[-1], name, PEER_COLOUR if faded[code] else colours[code]))
    fig = new_figure(traces, showlegend=False)
    base_layout(fig, title, source, height, lang, unit=value_axis(fig, values, ind, lang), style=style)
    layout = fig["layout"]
    low, high = layout.get("yaxis", {}).get("range") or (0, 1)
    plot_px = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    positions = _spread([y for y, _, _ in ends], (high - low) * 20 * style.scale / plot_px, (low, high))
    for (_, name, colour), y in zip(ends, positions, strict=True):
        layout["annotations"].append(
            {"x": last, "y": y, "text": name, "xanchor": "left", "xshift": 12, "showarrow": False,
             "font": {"color": colour, "size": 14 * style.scale}}
        )  # fmt: skip
    starts = sorted({int(y) for y in frame["year"]} | {first, last})
    pad = max(last - first, 1) * 0.08
    merge(layout, {"margin": {"r": 150 * style.scale},
                   "xaxis": {"tickmode": "array", "tickvals": starts, "ticktext": [str(y) for y in starts],
                             "range": [first - pad, last + pad]}})  # fmt: skip
    return fig


def _spread(values: Sequence[float], gap: float, within: tuple[float, float] | None = None) -> list[float]:
    """Label positions near `values` (same order), at least `gap` apart: labels that would overlap are set as a
    block centred on their values' mean (so a crowd stays beside its dots, not pushed far above them). `within`:
    the value axis's range, which the block is moved into where it can be (Plotly hides a label outside it)."""
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
    if within is not None and order:
        low, high = within[0] + gap / 2, within[1] - gap / 2
        ranked = sorted(order, key=placed.__getitem__)
        for k, i in enumerate(ranked):  # up from the axis's floor, keeping the gaps
            placed[i] = max(placed[i], low if k == 0 else placed[ranked[k - 1]] + gap)
        for k in range(len(ranked) - 1, -1, -1):  # and down from its ceiling
            i = ranked[k]
            placed[i] = min(placed[i], high if k == len(ranked) - 1 else placed[ranked[k + 1]] - gap)
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
    """Pilot cities as points at their coordinates, sized by value, without borders or a base map, with a key to
    the sizes.

    cities: name, lon, lat, value, region (key), region_label, colour. Drawn on plain longitude/latitude axes
    (no map tiles, no boundaries), so it works offline and draws no borders that would need the official
    standard map. Of the `labelled` largest points, those whose name finds a free place beside them carry it;
    hover shows every one.
    """
    shown = cities[cities["value"].notna()]
    missing = cities[cities["value"].isna()]
    largest = float(shown["value"].max()) if len(shown) else 0.0

    def size(value: float) -> float:
        return (10 + 40 * math.sqrt(max(value, 0) / largest) if largest > 0 else 10) * style.scale

    lon_lo, lon_hi = (float(cities["lon"].min()), float(cities["lon"].max())) if len(cities) else (73.0, 135.0)
    lat_lo, lat_hi = (float(cities["lat"].min()), float(cities["lat"].max())) if len(cities) else (18.0, 54.0)
    x_range, y_range = [lon_lo - 3, lon_hi + 6], [lat_lo - 2, lat_hi + 2]
    traces, groups = [], []
    for region in REGION_COLOURS:
        group = shown[shown["region"] == region]
        if group.empty:
            continue
        groups.append(group)
        traces.append(
            {
                "type": "scatter",
                "x": group["lon"].tolist(),
                "y": group["lat"].tolist(),
                "mode": "markers+text",
                "name": group["region_label"].iloc[0],
                "hovertext": group["name"].tolist(),
                "textfont": {"size": 12 * style.scale},
                "marker": {
                    "size": [size(v) for v in group["value"]],
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
    layout = fig["layout"]
    plot_px = (style.plot_width, layout["height"] - layout["margin"]["t"] - layout["margin"]["b"])
    # Pixels per degree of longitude: the axes keep 1° of latitude 1.22 times as long, so the tighter of the two fits.
    px = min(plot_px[0] / (x_range[1] - x_range[0]), plot_px[1] / ((y_range[1] - y_range[0]) * 1.22))
    points = [(float(r.lon), float(r.lat), size(r.value) if not math.isnan(r.value) else 8.0)
              for r in cities.itertuples()]  # fmt: skip
    positions = _label_places(shown, set(shown.nlargest(labelled, "value")["name"]), points, px, style)
    for trace, group in zip(traces, groups, strict=False):  # the regions' traces, named where a name fits
        trace["text"] = [n if n in positions else "" for n in group["name"]]
        trace["textposition"] = [positions.get(n, "middle right") for n in group["name"]]
    key_trace, key_notes = _size_key(largest, size, ind, lang, (x_range[0] + 1, y_range[0] + 1.2), px, style)
    fig["data"] = [*traces, *key_trace]
    layout["annotations"].extend(key_notes)
    merge(layout, {
        "xaxis": {"range": x_range, "showgrid": False, "zeroline": False, "showticklabels": False},
        "yaxis": {"range": y_range, "showgrid": False, "zeroline": False, "showticklabels": False,
                  "scaleanchor": "x", "scaleratio": 1.22},
        "plot_bgcolor": "#f4f6f8",
    })  # fmt: skip
    return fig


SIZE_KEY = Text("点的大小：{unit}", "Point size: {unit}")
_PLACES = ("middle right", "middle left", "top center", "bottom center")


def _label_places(
    shown: pd.DataFrame, candidates: set[str], points: list[tuple[float, float, float]], px: float, style: Style
) -> dict[str, str]:
    """Where each candidate's name goes beside its point (a Plotly textposition), largest point first: the first
    side where the name covers no other point and no name placed before it; a name with no free side is left to
    hover. `points` are every point's (lon, lat, diameter in px); boxes are in px, from the degrees' scale `px`
    and the names' estimated widths."""
    font = 12 * style.scale

    def at(lon: float, lat: float) -> tuple[float, float]:
        return lon * px, lat * px * 1.22

    bubbles = []  # every point's box, shrunk a little: a name may touch a bubble's rim
    for lon, lat, diameter in points:
        (x, y), r = at(lon, lat), diameter / 2 * 0.8
        bubbles.append(((lon, lat), (x - r, y - r, x + r, y + r)))
    names: list[tuple[float, ...]] = []
    places: dict[str, str] = {}
    for row in shown[shown["name"].isin(candidates)].sort_values("value", ascending=False).itertuples():
        own = (float(row.lon), float(row.lat))
        (x, y), r = at(*own), next(d for lon, lat, d in points if (lon, lat) == own) / 2
        w, h = display_units(str(row.name)) * font * 0.55 + 4, font * 1.25
        boxes = {
            "middle right": (x + r + 2, y - h / 2, x + r + 2 + w, y + h / 2),
            "middle left": (x - r - 2 - w, y - h / 2, x - r - 2, y + h / 2),
            "top center": (x - w / 2, y + r, x + w / 2, y + r + h),
            "bottom center": (x - w / 2, y - r - h, x + w / 2, y - r),
        }
        others = [box for centre, box in bubbles if centre != own] + names
        place = next((p for p in _PLACES if not any(_overlap(boxes[p], other) for other in others)), None)
        if place is not None:
            places[str(row.name)] = place
            names.append(boxes[place])
    return places


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _size_key(largest: float, size, ind: Indicator, lang: str, corner: tuple[float, float], px: float,
              style: Style) -> tuple[list[dict], list[dict]]:  # fmt: skip
    """Three reference bubbles with their values in a row from `corner` (the map's empty south-west), and the key's
    heading: what a point's size means."""
    if largest <= 0:
        return [], []
    top = max((v for v in nice_ticks(0, largest, count=6) if v <= largest), default=largest) or largest
    values = [top / 4, top / 2, top]
    xs, x = [], corner[0]
    for v in values:
        x += size(v) / 2 / px
        xs.append(x)
        x += (size(v) / 2 + 28 * style.scale) / px
    y = corner[1] + size(values[-1]) / 2 / (px * 1.22)
    trace = {
        "type": "scatter", "x": xs, "y": [y] * len(xs), "mode": "markers+text", "showlegend": False,
        "hoverinfo": "skip", "text": [format_value(v, ind, lang) for v in values], "textposition": "bottom center",
        "textfont": {"size": 11 * style.scale, "color": "#5f6b7a"},
        "marker": {"size": [size(v) for v in values], "color": "rgba(0,0,0,0)",
                   "line": {"width": 1.2, "color": "#8a94a0"}},
    }  # fmt: skip
    heading = {
        "x": corner[0], "y": y + (size(values[-1]) / 2 + 6 * style.scale) / (px * 1.22), "xref": "x", "yref": "y",
        "xanchor": "left", "yanchor": "bottom", "showarrow": False,
        "text": SIZE_KEY.format(unit=ind.label(lang))(lang), "font": {"size": 12 * style.scale, "color": "#5f6b7a"},
    }  # fmt: skip
    return [trace], [heading]


GRID_ROWS = 80  # the sample's 65 pilots all show
GRID_SHOWN = Text(" · 缺报最多的 {n} 个（共 {m} 个试点）", " · the {n} with the most gaps (of {m} pilots)")


def completeness_chart(
    status: pd.DataFrame, names: dict[str, str], lang: str, title: str, source: str, style: Style = SCREEN
) -> Figure:
    """A grid of cities (rows) by years (columns) coloured by reporting status (city_code, year, status).

    Beyond GRID_ROWS pilots the grid keeps the GRID_ROWS with the most gaps, most first (ties in the pilots'
    order), and says so in the title: a row per pilot for thousands of pilots is a chart nobody can read (the data
    behind it has them all).
    """
    codes_in_order = list(dict.fromkeys(status["city_code"]))
    if len(codes_in_order) > GRID_ROWS:
        gaps = status.assign(gap=status["status"] == "missing").groupby("city_code", sort=False)["gap"].sum()
        worst = list(gaps.sort_values(ascending=False, kind="stable").index[:GRID_ROWS])
        title += GRID_SHOWN.format(n=GRID_ROWS, m=f"{len(codes_in_order):,}")(lang)
        codes_in_order = worst
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


RANKING_ROW = 24  # px a bar of a ranking takes, with its gap
FITTED = 15  # the bars of a ranking an image or a projector shows
PAGE_BARS = 80  # the most a page shows
FIRST_OF = Text(" · 前 {n} 名（共 {m} 个）", " · the first {n} of {m}")


def ranking_chart(data: ChartData, source: str, style: Style = SCREEN) -> Figure:
    """Horizontal bars best first, each labelled with its value (frame: name, value, colour, text, detail); a
    trace per legend colour, so the legend says what the colours mean; the guides as dashed lines across.

    On a page, as tall as its bars need, up to PAGE_BARS (the sample's 65 pilots are drawn whole; of thousands, a
    chart nobody could read, the first PAGE_BARS): a bar is never thinner than a line of text. An image or a
    projector's screen has a height of its own, so there it shows the first FITTED. A cut ranking's title says so;
    the data behind it has every bar."""
    frame, ind, lang = data.drawn(), data.indicator, data.lang
    k = style.scale
    title = data.title
    fixed = style.height is not None
    most = FITTED if fixed else PAGE_BARS
    if len(frame) > most:
        title += FIRST_OF.format(n=most, m=f"{len(frame):,}")(lang)
        frame = frame.head(most)
    groups = [(label, frame[frame["colour"] == colour]) for label, colour in data.legend] or [("", frame)]
    traces = []
    for label, rows in groups:
        if rows.empty:
            continue
        traces.append({
            "type": "bar", "orientation": "h", "name": label, "showlegend": bool(label),
            "y": rows["name"].tolist(), "x": [0 if math.isnan(v) else v for v in rows["value"]],
            "marker": {"color": rows["colour"].tolist()}, "text": rows["text"].tolist(), "textposition": "outside",
            "cliponaxis": False, "textfont": {"size": 13 * k},
            "customdata": [html.escape(d, quote=False) for d in rows["detail"]],
            "hovertemplate": "<b>%{y}</b> %{text}<br>%{customdata}<extra></extra>",
        })  # fmt: skip
    fig = new_figure(traces, barmode="stack", hovermode="closest", bargap=0.25)
    height = round(RANKING_ROW * k * max(len(frame), 3) + 170 * k)
    base_layout(fig, title, source, height, lang, style=style if fixed else replace(style, height=None))
    values = [v for v in frame["value"] if not math.isnan(v)] + [g for g, _ in data.guides]
    high = max(values, default=1.0)
    ticks, labels, _ = axis_ticks(0, high, ind, lang)  # no unit line: the title says what the bars are
    longest = max((display_units(str(n)) for n in frame["name"]), default=4)
    layout = fig["layout"]
    shapes = [{"type": "line", "x0": g, "x1": g, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
               "line": {"color": PEER_COLOUR, "width": 1.2, "dash": "dash"}, "layer": "below"}
              for g, _ in data.guides]  # fmt: skip
    layout["annotations"].extend(  # under the last bar, every other one a row lower, as guides can lie close
        {"x": g, "y": 0, "xref": "x", "yref": "y domain", "yanchor": "top", "yshift": -(2 + 16 * (i % 2)) * k,
         "text": html.escape(text), "showarrow": False, "font": {"size": 12 * k, "color": "#5f6b7a"}}
        for i, (g, text) in enumerate(data.guides)
    )  # fmt: skip
    left = min(longest * 7.6 * k + 24 * k, 320 * k) + style.edge
    layout["annotations"][0]["xshift"] = -(left - style.edge - 8 * k)  # the source line starts under the names
    merge(layout, {
        "shapes": shapes,
        "margin": {"l": left, "r": 70 * k + style.edge},
        "yaxis": {"type": "category", "categoryorder": "array", "categoryarray": frame["name"].tolist(),
                  "autorange": "reversed", "automargin": False, "tickfont": {"size": 13 * k}, "showgrid": False},
        "xaxis": {"tickvals": ticks, "ticktext": labels, "range": [0, max(ticks[-1], high) * 1.08], "side": "top"},
    })  # fmt: skip
    # The value axis's ticks stand above the first bar; the legend goes above them.
    merge(layout, {"margin": {"t": layout["margin"]["t"] + 24 * k}})
    if not fixed:
        layout["height"] += round(24 * k)
    plot_px = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    merge(layout, {"legend": {"traceorder": "normal", "y": 1 + 26 * k / plot_px}})
    return fig


def figure(data: ChartData, style: Style = SCREEN) -> Figure:
    """The Plotly figure for resolved chart data, in the given style."""
    data = _escaped(data)
    source = data.brief_source if style.page and data.brief_source else data.source
    args = (data.indicator, data.lang, data.title, source)
    if data.form == "lines":
        return time_chart(data.lines, *args, marks=data.marks, style=style)
    if data.form == "bars":
        return bar_chart(data.drawn(), *args, marks=data.marks, style=style)
    if data.form == "slope":
        return slope_chart(
            data.drawn(), data.spec.years, data.names, data.colours, *args, style=style, focus=data.spec.focus
        )
    if data.form == "points":
        return point_map(data.drawn(), *args, style=style)
    if data.form == "grid":
        return completeness_chart(data.drawn(), data.names, data.lang, data.title, source, style=style)
    if data.form == "ranking":
        return ranking_chart(data, source, style=style)
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
