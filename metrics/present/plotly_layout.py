"""The frame every Plotly chart shares: its size for the screen, an image or a projector, the title wrapped to fit,
the legend, the unit above the value axis, the source line under the chart, and the marks of batches and events.

Figures are built as Plotly's own JSON form, plain dicts ({"data": [traces], "layout": {...}}), not through
plotly.graph_objects: each update_layout of a Figure object parses and validates every property again, which
made building a figure many times slower than the dict it ends as (and a page's first visit after each upload
builds all of its figures; docs/performance.md has the figures). The tests check every kind of figure against
Plotly's schema.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from ..domain.formatting import axis_ticks
from ..domain.i18n import Text
from ..domain.registry import Indicator
from .style import EVENT_COLOUR, FONT_FAMILY, GRID_COLOUR, PEER_COLOUR, TEXT_COLOUR

# A figure made with plotly.graph_objects elsewhere (the benchmark's floor, a test) starts from plotly_white too.
pio.templates.default = "plotly_white"

Figure = dict[str, Any]  # Plotly's JSON form of a figure: {"data": [trace, …], "layout": {…}}


@functools.cache
def _template() -> dict:
    """plotly_white in JSON form, made once and shared by every figure (never changed)."""
    return go.Figure(layout={"template": "plotly_white"}).to_plotly_json()["layout"]["template"]


def new_figure(traces: list[dict], **layout: Any) -> Figure:
    """A figure of these traces on plotly_white, with these layout properties."""
    return {"data": traces, "layout": {"template": _template(), **layout}}


def merge(target: dict, updates: dict) -> dict:
    """Update `target` with `updates` as Plotly's update_layout does: nested dicts merge, anything else replaces."""
    for key, value in updates.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = value
    return target


def as_figure(figure: Figure) -> go.Figure:
    """A Figure object over the dict, without validating it again (for Kaleido's image export)."""
    return go.Figure(figure, _validate=False)


@dataclass(frozen=True)
class Style:
    """How big a chart is drawn: in a half-width dashboard column, as a 1280x720 image, or for a projector."""

    scale: float = 1.0  # type and spacing
    title_units: int = 35  # what fits one title line at the narrowest screen, in display units (a CJK character is 2)
    source_units: int = 48
    height: int | None = None  # None: the chart's own height
    full_marks: bool = False  # events labelled in full rather than tagged (the full text shows on hover)
    plot_width: int = 300  # about how wide the plot area is at the narrowest screen, in px, for placing labels
    edge: int = 0  # px kept free at the left and right edges (an image has no page around it)
    page: bool = False  # drawn on a dashboard page: the page says what the data is, so the source line is brief
    width: int = 400  # how wide the whole figure is at the narrowest screen it is meant for (1280x720), in px


# The widths are those at 1280x720, the narrowest screen the dashboard is made for: a label placed to fit there
# fits a wider screen too.
SCREEN = Style(page=True)
WIDE = Style(page=True, title_units=72, source_units=110, plot_width=600, width=820)  # the page's full width
IMAGE = Style(title_units=96, source_units=130, height=720, full_marks=True, plot_width=1100, edge=32, width=1280)
PROJECTOR = Style(scale=1.45, title_units=70, source_units=96, height=560, full_marks=True, plot_width=960,
                  width=1120)  # fmt: skip
# Presentation mode on a 1920x1080 screen (a meeting room's projector): the chart fills what the slide's own
# controls leave of the screen; PROJECTOR fits 1280x720.
PROJECTOR_HD = Style(scale=1.8, title_units=86, source_units=118, height=900, full_marks=True, plot_width=1560,
                     width=1760)  # fmt: skip
MARK_ROW = 17  # px between rows of event labels above a time chart
MARK_FONT = 11
ABOVE_PLOT = 6  # px between the plot's top and the unit and event labels over it (a top tick's label reaches up)
UNIT_FONT = 13
UNIT_SHIFT = -62  # px from the plot's left edge to the unit label's start, at scale 1
UNIT_ROOM = 110  # px a unit label takes at most, at scale 1 ('participations')
UNIT = Text("单位：{unit}", "{unit}")
_BREAK_BEFORE = (" · ", "（", " (")
_BREAK_AFTER = (" ", "，", "、", "；", "：")


TITLE_FONT = 19
SMALLEST_TITLE = 13  # a page's title is set as small as this to keep it on one line, before it wraps


def title_font(title: str, style: Style) -> float:
    """The title's type size: on a page, a title a little too long for one line is set smaller to stay on one (so
    that charts side by side keep their plots in line); elsewhere, and when it would be too small, the usual size
    (the title wraps)."""
    usual = TITLE_FONT * style.scale
    units = display_units(title)
    if not style.page or units <= style.title_units:
        return usual
    fitted = usual * style.title_units / units
    return fitted if fitted >= SMALLEST_TITLE * style.scale else usual


LEGEND_FONT = 14
LEGEND_ROW = 26  # px a row of the legend takes, at scale 1


def legend_lines(names: Sequence[str], style: Style) -> int:
    """How many rows a horizontal legend of these entries takes in the figure's width (Plotly wraps it there)."""
    k = style.scale
    room = style.width - 2 * style.edge - 8 * k
    rows, used = 1, 0.0
    for name in names:
        entry = (display_units(name) * LEGEND_FONT * 0.6 + 46) * k  # the symbol, the text and the gap after it
        if used and used + entry > room:
            rows, used = rows + 1, 0.0
        used += entry
    return rows


def display_units(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def widest(texts: Iterable[str], default: int = 0) -> int:
    """The most display units of any of the texts: each counted only while it could still be the widest (a text
    takes between one and two units a character), since thousands of pilots' names are measured."""
    ordered = sorted(set(texts), key=len, reverse=True)
    if not ordered:
        return default
    best = 0
    for text in ordered:
        if 2 * len(text) <= best:
            break
        best = max(best, display_units(text))
    return best


def wrap(text: str, units: int) -> list[str]:
    """Lines of at most `units` display units, broken before a separator where there is one."""
    lines = []
    while display_units(text) > units:
        fits = max(i for i in range(1, len(text) + 1) if display_units(text[:i]) <= units)
        before = [text.rfind(b, 1, fits) for b in _BREAK_BEFORE]
        after = [i + len(b) for b in _BREAK_AFTER if (i := text.rfind(b, 1, fits - len(b) + 1)) > 0]
        cut = max([*before, *after, 0])
        cut = cut if cut > 0 else fits
        lines.append(text[:cut].rstrip())
        text = text[cut:].lstrip(" ·")
    return [*lines, text]


def base_layout(
    fig: Figure,
    title: str,
    source: str,
    height: int,
    lang: str,
    unit: str = "",
    style: Style = SCREEN,
    mark_rows: int = 0,
    marks: tuple[list, list] = ([], []),
) -> Figure:
    """Title (wrapped), legend, unit label above the value axis and source line under the chart; `mark_rows`
    rows of event labels share the unit's row and stack above it, and `marks` holds their (shapes, annotations)."""
    k = style.scale
    title_size = title_font(title, style)
    title_lines = wrap(title, style.title_units) if title_size == TITLE_FONT * k else [title]
    source_lines = wrap(source, style.source_units)
    shown = fig["layout"].get("showlegend") is not False
    names = [t["name"] for t in fig["data"] if shown and t.get("showlegend") is not False and t.get("name")]
    legend_rows = legend_lines(names, style) if len(names) > 1 else 0
    unit_row = (ABOVE_PLOT + 18 + MARK_ROW * max(mark_rows - 1, 0)) * k if unit or mark_rows else 0
    title_block = (16 + 26 * len(title_lines) + 8) * k
    top = title_block + (LEGEND_ROW * legend_rows + 6) * k + unit_row
    bottom = (58 + 16 * len(source_lines)) * k
    total = (style.height or height) + 26 * k * (len(title_lines) - 1)
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
                "xshift": UNIT_SHIFT * k,
                "yshift": ABOVE_PLOT * k,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": UNIT_FONT * k, "color": "#5f6b7a"},
            }
        )
    layout = fig["layout"]
    merge(layout, dict(
        height=round(total),
        title={
            "text": "<br>".join(title_lines),
            "x": 0,
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 16 * k, "l": style.edge},
            "font": {"size": title_size},
        },
        font={"family": FONT_FAMILY, "size": 15 * k, "color": TEXT_COLOUR},
        margin={"l": 70 * k + style.edge, "r": 24 * k + style.edge, "t": top, "b": bottom},
        legend={  # under the title, across the figure's width (not the plot's): it never runs into the title
            "orientation": "h",
            "xref": "container",
            "x": style.edge / style.width,
            "yref": "container",
            "y": 1 - title_block / round(total),
            "yanchor": "top",
            "font": {"size": LEGEND_FONT * k},
        },
        hoverlabel={"font": {"family": FONT_FAMILY, "size": 15 * k}},
        separators=".,",
        annotations=[*annotations, *marks[1]],
        xaxis={"gridcolor": GRID_COLOUR},
        yaxis={"gridcolor": GRID_COLOUR, "zerolinecolor": "#b8bfc7"},
    ))  # fmt: skip
    if marks[0]:
        layout["shapes"] = marks[0]
    return fig


def text_width(text: str, font: float) -> float:
    """About how wide a line of text is drawn, in px (a CJK character is a square of the font's size)."""
    return display_units(text) * font * 0.6


def place_marks(marks: Sequence, years: Sequence[int], style: Style, unit: str = "") -> list[tuple]:
    """(mark, text, row, right-anchored) for each mark: each label goes into the lowest row above the plot where it
    runs into no label placed before it and, in the first row (just over the lines' tops), across no other mark's
    line; it starts at its line, or ends there where it would otherwise leave the plot or climb higher. The unit
    label (`unit`, shown above the value axis) holds the first row's left end. Widths are estimated from the text
    at the narrowest screen the style is for."""
    if not marks or not years:
        return []
    lo, hi = min(years), max(years)
    k = style.scale
    gap = 6 * k

    def at(year: int) -> float:
        return (year - lo) / (hi - lo) * style.plot_width if hi > lo else 0.0

    rows: list[list[tuple[float, float]]] = [[]]  # per row, the spans taken, in px from the plot's left edge
    if unit:  # on a page, at least a usual unit's room: charts side by side then stack their labels alike
        room = max(text_width(unit, UNIT_FONT * k), UNIT_ROOM * k if style.page else 0)
        # its larger type reaches a few px into the second row: held there too
        rows = [[(UNIT_SHIFT * k, UNIT_SHIFT * k + room)], [(UNIT_SHIFT * k, UNIT_SHIFT * k + room)]]
    lines = sorted({at(m.year) for m in marks})
    placed = []
    for mark in sorted(marks, key=lambda m: m.year):
        text = mark.label if style.full_marks else mark.tag
        x, width = at(mark.year), text_width(text, MARK_FONT * k) + 2
        spans = {False: (x + 2, x + 2 + width), True: (x - 2 - width, x - 2)}
        fits = {right: -60 * k <= x0 and x1 <= style.plot_width + 20 * k for right, (x0, x1) in spans.items()}
        if not any(fits.values()):
            fits = {False: True, True: False}  # wider than the plot: it starts at its line

        others = [line for line in lines if abs(line - x) > 1]
        row, right = next(
            (r, right)
            for r in range(len(rows) + 1)
            for right in (False, True)
            if fits[right] and _free(spans[right], rows[r] if r < len(rows) else [], others if r == 0 else [], gap)
        )
        if row == len(rows):
            rows.append([])
        rows[row].append(spans[right])
        placed.append((mark, text, row, right))
    order = {id(m): i for i, m in enumerate(marks)}
    return sorted(placed, key=lambda p: order[id(p[0])])


def _free(span: tuple[float, float], taken: list[tuple[float, float]], lines: list[float], gap: float) -> bool:
    """Whether a label's span keeps `gap` from every span taken in its row and crosses none of these lines."""
    x0, x1 = span
    return not any(x0 - 1 < line < x1 + 1 for line in lines) and all(x1 + gap <= a or b + gap <= x0 for a, b in taken)


def _mark_layout(placed: list[tuple], style: Style) -> tuple[list, list]:
    """(shapes, annotations): dotted vertical lines at the marks' years, labels in rows above the plot (full text
    on hover). Given to the layout all at once: Plotly's add_vline re-validates the figure for every line."""
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
                "yshift": (ABOVE_PLOT + MARK_ROW * row) * style.scale,
                "xanchor": "right" if right else "left",
                "xshift": -2 if right else 2,
                "text": text,
                "hovertext": f"{mark.year} {mark.label}",
                "showarrow": False,
                "font": {"size": MARK_FONT * style.scale, "color": colour},
            }
        )
    return shapes, annotations


def value_axis(fig: Figure, values: Sequence[float], ind: Indicator, lang: str) -> str:
    """Ticks and range of the value axis in the language's number style; returns the unit to label it with."""
    finite = [v for v in values if v is not None and not math.isnan(v)]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    ticks, labels, unit = axis_ticks(low, high, ind, lang)
    pad = (high - min(low, 0)) * 0.06 or 1
    top = max(high, ticks[-1]) + pad
    merge(fig["layout"], {"yaxis": {"tickvals": ticks, "ticktext": labels,
                                    "range": [min(low, 0) - (pad if low < 0 else 0), top]}})  # fmt: skip
    return unit


def _year_axis(fig: Figure, years: Sequence[int]) -> None:
    """Whole years only; with many years Plotly thins the labels to fit a narrow chart."""
    axis: dict[str, Any]
    if len(years) <= 6:
        axis = {"tickmode": "array", "tickvals": list(years), "tickformat": "d"}
    else:
        axis = {"tickmode": "auto", "tickformat": "d", "nticks": len(years)}
    merge(fig["layout"], {"xaxis": axis})


def over_years(fig, values, years, ind, lang, title, source, height, marks, style) -> Figure:
    """The value axis, layout, year axis and event marks that every chart over years shares."""
    unit = value_axis(fig, values, ind, lang)
    placed = place_marks(marks, years, style, UNIT.format(unit=unit)(lang) if unit else "")
    rows = 1 + max((p[2] for p in placed), default=-1)
    base_layout(fig, title, source, height, lang, unit=unit, style=style, mark_rows=rows,
                 marks=_mark_layout(placed, style))  # fmt: skip
    _year_axis(fig, years)
    return fig
