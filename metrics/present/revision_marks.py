"""Figures revised since a release, marked on a pilot's chart over years: a diamond around each revised point (a
ring is a review flag), whose hover says what the release published and what changed it
(已修订：发布时 1,984 → 1,990（2026-06-02，上传 X）)."""

from __future__ import annotations

import html
import math

from ..analysis.changes import Revision
from ..domain.formatting import format_value
from ..domain.i18n import Text
from .chart_data import ChartData
from .plotly_layout import Figure, Style

REVISED_COLOUR = "#d35400"
# Two lines: a hover as wide as one would be cut off at a half-width chart's edge.
REVISED = Text("已修订：发布时 {old} → {new}<br>（{when}，上传 {file}）",
               "Revised: {old} when published → {new}<br>({when}, upload {file})")  # fmt: skip
UNDONE = Text("已修订：发布时 {old} → {new}<br>（{when}，撤销上传 {file}）",
              "Revised: {old} when published → {new}<br>({when}, upload {file} undone)")  # fmt: skip
NOT_REPORTED = Text("未报送", "not reported")
RING_PAD = 0.05  # of the years shown, kept beside the first and last (about what Plotly pads a line of points with)


def hover(revision: Revision, data: ChartData) -> str:
    """What a revised point's hover says of it (Plotly's markup: the text from the data escaped)."""
    ind, lang = data.indicator, data.lang
    old = NOT_REPORTED(lang) if revision.old is None else format_value(revision.old, ind, lang, compact=False)
    new = format_value(revision.new, ind, lang, compact=False)
    when = "" if revision.when is None else f"{revision.when:%Y-%m-%d}"
    text = UNDONE if revision.undone else REVISED
    return text.format(old=old, new=new, when=when, file=html.escape(revision.upload, quote=False))(lang)


def mark_revised(fig: Figure, data: ChartData, revisions: tuple[Revision, ...], style: Style) -> Figure:
    """The figure with each revised point of its first line (the pilot's own) ringed, its hover saying what the
    release published and what changed it; a new figure: the traces it changes are copies, the rest shared."""
    line = data.lines[0] if data.lines else None
    if line is None:
        return fig
    values = dict(zip(line.years, line.values, strict=True))
    shown = {r.year: r for r in revisions if r.year in values and not math.isnan(values[r.year])}
    if not shown:
        return fig
    said = {year: hover(r, data) for year, r in shown.items()}
    name = html.escape(line.name, quote=False)  # as charts.figure names the trace (text from the data is escaped)
    ring = {
        "type": "scatter",
        "mode": "markers",
        "x": list(shown),
        "y": [values[year] for year in shown],
        "marker": {"symbol": "diamond-open", "size": 17 * style.scale, "color": REVISED_COLOUR,
                   "line": {"width": 2.5 * style.scale, "color": REVISED_COLOUR}},
        "hoverinfo": "skip",  # the point's own hover says it (two hovers on one point would hide one another)
        "showlegend": False,  # the page says what the diamonds mean: a third entry would not fit a half-width legend
    }  # fmt: skip
    # A ring is larger than a point: Plotly would widen the year axis for it (a tick for the year after the last).
    first, last = min(line.years), max(line.years)
    pad = RING_PAD * max(last - first, 1)
    xaxis = {**fig["layout"].get("xaxis", {}), "autorangeoptions": {"clipmin": first - pad, "clipmax": last + pad}}
    traces = [_said(trace, said) if trace.get("name") == name else trace for trace in fig["data"]]
    return {**fig, "data": [*traces, ring], "layout": {**fig["layout"], "xaxis": xaxis}}


def _said(trace: dict, said: dict[int, str]) -> dict:
    """A copy of a line's trace whose points in `said` (by year) have that as their hover's second line."""
    notes = trace.get("customdata")
    if not notes:
        return trace
    shown = [
        [note[0], said[x]] if x in said and isinstance(note, list) else note
        for x, note in zip(trace["x"], notes, strict=True)
    ]
    return {**trace, "customdata": shown}
