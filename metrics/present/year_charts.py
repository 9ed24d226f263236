"""Plotly charts over years, as the kinds of chart draw them (kinds.KINDS): lines (unreported years are gaps, many
lines named at their ends), bars by year, and slopes from each city's first year to the last; the map is drawn in
map_chart.py, the reporting grid and rankings in rank_charts.py, and charts.figure draws any chart as its kind says."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from ..domain.formatting import format_number, format_value
from ..domain.i18n import Text
from ..domain.registry import Indicator
from .chart_data import ChartData, Line
from .plotly_layout import (
    SCREEN,
    Figure,
    Style,
    base_layout,
    merge,
    new_figure,
    over_years,
    text_width,
    value_axis,
)
from .style import PEER_COLOUR, PROGRAMME_COLOUR

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
        flags = [f.replace("\n", "<br>") for f in line.flags] if line.flags else [""] * len(line.values)
        traces.append(
            {
                "type": "scatter",
                "x": list(line.years),
                "y": [None if math.isnan(v) else v for v in line.values],
                "name": line.name,
                "mode": "lines+markers",
                "connectgaps": False,
                "line": {"color": line.colour, "width": line.width * style.scale, "dash": line.dash},
                "marker": _marker(line, style),
                "opacity": 0.3 if line.faded else 1,
                "customdata": [list(three) for three in zip(exact, notes, flags, strict=True)],
                "hovertemplate": "<b>%{fullData.name}</b> %{x}<br>%{customdata[0]}<br>%{customdata[1]}"
                + ("<br>%{customdata[2]}" if line.flags else "")
                + "<extra></extra>",
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
FLAG_RING = "#B5542D"  # the ring around a value that carries a review flag


def _marker(line: Line, style: Style) -> dict:
    """A line's markers: the values that carry a review flag a little larger, ringed (the hover says why)."""
    if not (line.flags and any(line.flags)):
        return {"size": 7 * style.scale}
    return {
        "size": [(10 if f else 7) * style.scale for f in line.flags],
        "line": {"width": [(2.5 if f else 0) * style.scale for f in line.flags], "color": FLAG_RING},
    }


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
    positions = _spread([v for (_, v), _ in ends], (high - low) * 20 * style.scale / plot_px, (low, high))
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
    fig = over_years(fig, values, years, ind, lang, title, source, height, marks, style)
    _room_above(fig, values, 15 * style.scale * 1.4 + 4)
    return fig


def _room_above(fig: Figure, values: Sequence[float], px: float) -> None:
    """Raise the value axis's top so that `px` above the highest bar stay inside the plot: a bar's value stands
    there, and above the plot it would run into the event labels."""
    layout = fig["layout"]
    low, high = layout.get("yaxis", {}).get("range") or (0, 1)
    tallest = max((v for v in values if v is not None and not math.isnan(v)), default=None)
    plot_px = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    share = min(px / max(plot_px, 1), 0.5)
    if tallest is not None and (high - tallest) / (high - low) < share:
        high = (tallest - share * low) / (1 - share)
        layout["yaxis"]["range"] = [low, high]
    # A mark's line starts over its year's bar and value (the bar hides it below; the value must not be crossed).
    above = dict(zip(fig["data"][0]["x"], values, strict=True))
    for shape in layout.get("shapes", []):
        value = above.get(shape["x0"])
        if value is not None and not math.isnan(value):
            shape.update(yref="y", y0=value + share * (high - low), y1=high)


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
    margin = layout["margin"]
    ticks = thin_years(starts, (first - pad, last + pad), style.width - margin["l"] - 150 * style.scale, style)
    merge(layout, {"margin": {"r": 150 * style.scale},
                   "xaxis": {"tickmode": "array", "tickvals": ticks, "ticktext": [str(y) for y in ticks],
                             "tickangle": 0, "range": [first - pad, last + pad]}})  # fmt: skip
    return fig


def thin_years(years: Sequence[int], span: tuple[float, float], plot_px: float, style: Style) -> list[int]:
    """The years to label on an axis `plot_px` wide showing `span`: the first and the last always, the others
    where their labels keep clear of those kept (a start a year after another would run into it)."""
    per_year = plot_px / max(span[1] - span[0], 1)
    room = text_width("2000", 15 * style.scale) + 10 * style.scale  # a year's label and a gap
    kept = [years[0], years[-1]] if len(years) > 1 else list(years)
    for year in years[1:-1]:
        if all(abs(year - other) * per_year >= room for other in kept):
            kept.append(year)
    return sorted(kept)


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


def lines_figure(data: ChartData, source: str, style: Style) -> Figure:
    """A chart of lines over years, with its marks (a kind's Plotly drawing)."""
    return time_chart(data.lines, data.indicator, data.lang, data.title, source, marks=data.marks, style=style)


def bars_figure(data: ChartData, source: str, style: Style) -> Figure:
    """Bars by year, with their marks (a kind's Plotly drawing)."""
    return bar_chart(data.drawn(), data.indicator, data.lang, data.title, source, marks=data.marks, style=style)


def slope_figure(data: ChartData, source: str, style: Style) -> Figure:
    """A slope per city from its start to the last year (a kind's Plotly drawing)."""
    return slope_chart(data.drawn(), data.spec.years, data.names, data.colours, data.indicator, data.lang, data.title,
                       source, style=style, focus=data.spec.focus)  # fmt: skip
