"""Charts of rows, one per pilot: the reporting grid (pilots by years) and rankings (horizontal bars, best
first)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from ..domain.formatting import axis_ticks
from ..domain.i18n import Text
from .chart_data import COMPLETENESS_LABELS, ChartData
from .plotly_layout import SCREEN, Figure, Style, base_layout, merge, new_figure, text_width, widest
from .style import COMPLETENESS_COLOURS, PEER_COLOUR


def grid_figure(data: ChartData, source: str, style: Style) -> Figure:
    """Who reported which year (a kind's Plotly drawing)."""
    return completeness_chart(data.drawn(), data.names, data.lang, data.title, source, style=style)


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
    height = round(RANKING_ROW * k * max(len(frame), 3) + 170 * k + 24 * k)  # 24: the value axis's ticks on top
    base_layout(fig, title, source, height, lang, style=style if fixed else replace(style, height=None))
    values = [v for v in frame["value"] if not math.isnan(v)] + [g for g, _ in data.guides]
    high = max(values, default=1.0)
    ticks, labels, _ = axis_ticks(0, high, ind, lang)  # no unit line: the title says what the bars are
    labels = ["" if tick == 0 else label for tick, label in zip(ticks, labels, strict=True)]  # by the first name
    longest = widest(map(str, frame["name"].tolist()), default=4)
    layout = fig["layout"]
    left = min(longest * 7.6 * k + 24 * k, 320 * k) + style.edge
    right = 70 * k + style.edge
    top = max(ticks[-1], high) * 1.08
    per_unit = (style.width - left - right) / top  # px per unit of value at the narrowest screen
    labels_px = [(v, text_width(t, 13 * k) + 8 * k) for v, t in zip(frame["value"], frame["text"], strict=True)]
    shapes = [{"type": "line", "x0": g, "x1": g, "xref": "x", "y0": a - 0.5, "y1": b + 0.5, "yref": "y",
               "line": {"color": PEER_COLOUR, "width": 1.2, "dash": "dash"}, "layer": "below"}
              for g, _ in data.guides for a, b in guide_runs(g, labels_px, per_unit)]  # fmt: skip
    layout["annotations"].extend(  # under the last bar, in rows where guides lie close
        {"x": g, "y": 0, "xref": "x", "yref": "y domain", "yanchor": "top", "yshift": -(2 + 18 * row) * k,
         "text": html.escape(text), "showarrow": False, "font": {"size": 12 * k, "color": "#5f6b7a"}}
        for (g, text), row in zip(data.guides, guide_rows(data.guides, per_unit, 12 * k), strict=True)
    )  # fmt: skip
    layout["annotations"][0]["xshift"] = -(left - style.edge - 8 * k)  # the source line starts under the names
    merge(layout, {
        "shapes": shapes,
        "margin": {"l": left, "r": right, "t": layout["margin"]["t"] + 24 * k},
        "yaxis": {"type": "category", "categoryorder": "array", "categoryarray": frame["name"].tolist(),
                  "autorange": "reversed", "automargin": False, "tickfont": {"size": 13 * k}, "showgrid": False},
        "xaxis": {"tickvals": ticks, "ticktext": labels, "range": [0, top], "side": "top"},
        "legend": {"traceorder": "normal"},
    })  # fmt: skip
    return fig


def guide_runs(guide: float, labels: list[tuple[float, float]], per_unit: float) -> list[tuple[int, int]]:
    """The runs of bars (first, last, by position) a guide's dashed line is drawn across: it leaves a gap where a
    bar's value label (value, width in px) stands over it, so that the label reads clear of the line."""
    runs: list[tuple[int, int]] = []
    for i, (value, width) in enumerate(labels):
        end = 0 if math.isnan(value) else value
        covered = end - 4 / per_unit <= guide <= end + width / per_unit
        if covered:
            continue
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def guide_rows(guides: Sequence[tuple[float, str]], per_unit: float, font: float) -> list[int]:
    """The row under the chart each guide's label goes in: the first where it keeps clear of those placed."""
    ends: list[list[tuple[float, float]]] = []  # per row, the spans taken in px
    rows = []
    for value, text in guides:
        half = text_width(text, font) / 2 + 4
        span = (value * per_unit - half, value * per_unit + half)
        row = next((r for r, taken in enumerate(ends) if all(span[1] <= a or b <= span[0] for a, b in taken)), None)
        if row is None:
            row = len(ends)
            ends.append([])
        ends[row].append(span)
        rows.append(row)
    return rows
