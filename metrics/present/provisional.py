"""Years still being collected, marked on any Plotly chart over years: the year's tick says so (2026 报送中, 2026
provisional), the line into it is dashed with hollow markers, its bars hatched. One pass over the finished figure, so
every kind of chart over years (kinds.KINDS) is marked the same way from ChartData.provisional."""

from __future__ import annotations

import math
from typing import Any

from ..domain.i18n import Text
from .chart_data import ChartData
from .plotly_layout import Figure

# A tick short enough for a half-width chart (a longer one makes Plotly tilt the ticks and hide the last); the
# counts are in the caption and the headings.
TICK = Text("{y}<br>报送中", "{y}<br>provisional")
MAX_TICKS = 8  # year ticks on an axis whose provisional year must be named (the rest thinned, counting back from it)


def mark_provisional(fig: Figure, data: ChartData) -> Figure:
    """The figure with the chart's provisional years marked (unchanged when it has none)."""
    labels = dict(data.provisional)
    if not labels:
        return fig
    traces: list[dict[str, Any]] = []
    axes: dict[str, set[int]] = {}
    first, last = data.spec.years
    for trace in fig["data"]:
        years = _years(trace)
        years = years if years is not None and all(first <= y <= last for y in years) else None
        if years is None or not labels.keys() & set(years):
            traces.append(trace)
            continue
        axes.setdefault("xaxis" + str(trace.get("xaxis", "x"))[1:], set()).update(years)
        traces.extend(_marked(trace, years, labels))
    fig["data"] = traces
    for name, on_axis in axes.items():
        axis = fig["layout"].setdefault(name, {})
        shown = _ticks(sorted(on_axis), labels)
        ticks = [TICK.format(y=y)(data.lang) if y in labels else str(y) for y in shown]
        axis.update({"tickmode": "array", "tickvals": shown, "ticktext": ticks})
    return fig


def _years(trace: dict) -> list[int] | None:
    """The trace's x values if they are years (a chart over years), else None."""
    xs = trace.get("x")
    if trace.get("orientation") == "h" or not isinstance(xs, list) or not xs:
        return None
    if not all(isinstance(x, int | float) and not isinstance(x, bool) and float(x).is_integer() for x in xs):
        return None
    return [int(x) for x in xs]


def _marked(trace: dict, years: list[int], labels: dict[int, str]) -> list[dict]:
    """A trace with its provisional points marked: bars hatched; a line solid up to the last complete year and
    dashed from there, its provisional markers hollow."""
    provisional = [y in labels for y in years]
    if trace.get("type") == "bar":
        marker = dict(trace.get("marker") or {})
        marker["pattern"] = {"shape": ["/" if p else "" for p in provisional]}
        marker["opacity"] = [0.55 if p else 1 for p in provisional]
        return [{**trace, "marker": marker}]
    if trace.get("type") != "scatter":
        return [trace]
    ys = trace.get("y") or []
    solid = [None if p else y for y, p in zip(ys, provisional, strict=True)]
    first = provisional.index(True)
    start = max((i for i in range(first) if not _gap(ys[i])), default=first)  # the dashed part starts here
    dashed = {
        **trace,
        "x": years[start:],
        "y": ys[start:],
        "line": {**(trace.get("line") or {}), "dash": "dot"},
        "marker": {**_from(trace.get("marker") or {}, start),
                   "symbol": ["circle" if not p else "circle-open" for p in provisional[start:]]},
        "connectgaps": True,
        "showlegend": False,
        "customdata": (trace.get("customdata") or [None] * len(ys))[start:],
    }  # fmt: skip
    if "legendgroup" not in trace:
        dashed["legendgroup"] = trace.get("name")
    return [{**trace, "y": solid, "legendgroup": dashed["legendgroup"]}, dashed]


def _from(marker: dict, start: int) -> dict:
    """A marker's settings for the points from `start` on (those given point by point, such as the sizes and rings
    of values with a review flag, sliced)."""
    sliced = {k: v[start:] if isinstance(v, list) else v for k, v in marker.items()}
    if isinstance(marker.get("line"), dict):
        sliced["line"] = _from(marker["line"], start)
    return sliced


def _gap(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _ticks(years: list[int], labels: dict[int, str]) -> list[int]:
    """At most MAX_TICKS years, evenly spaced counting back from the last, so a provisional year at the end is
    always among them (and any other provisional year too)."""
    step = max(1, math.ceil(len(years) / MAX_TICKS))
    return sorted(set(years[::-1][::step]) | (labels.keys() & set(years)))
