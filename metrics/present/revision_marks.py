"""Figures revised since a release, marked on a pilot's chart over years: a ring around each revised point, whose
hover says what the release published and what changed it (已修订：发布时 1,984 → 1,990（2026-06-02，上传 X）)."""

from __future__ import annotations

import html
import math
from typing import NamedTuple

from ..analysis.changes import Revision
from ..domain.formatting import format_value
from ..domain.i18n import Text
from .chart_data import ChartData
from .plotly_layout import Figure, Style

REVISED_COLOUR = "#d35400"
LEGEND = Text("自“{r}”发布以来已修订", "Revised since “{r}”")
REVISED = Text("已修订：发布时 {old} → {new}（{when}，上传 {file}）",
               "Revised: {old} when published → {new} ({when}, upload {file})")  # fmt: skip
UNDONE = Text("已修订：发布时 {old} → {new}（{when}，撤销上传 {file}）",
              "Revised: {old} when published → {new} ({when}, upload {file} undone)")  # fmt: skip
NOT_REPORTED = Text("未报送", "not reported")


class RevisedSince(NamedTuple):
    """A chart's figures revised since a release: the release's name and the revisions (of the chart's indicator)."""

    release: str
    revisions: tuple[Revision, ...]


def hover(revision: Revision, data: ChartData) -> str:
    """What a revised point's hover says of it."""
    ind, lang = data.indicator, data.lang
    old = NOT_REPORTED(lang) if revision.old is None else format_value(revision.old, ind, lang, compact=False)
    new = format_value(revision.new, ind, lang, compact=False)
    when = "" if revision.when is None else f"{revision.when:%Y-%m-%d}"
    return (UNDONE if revision.undone else REVISED).format(old=old, new=new, when=when, file=revision.upload)(lang)


def mark_revised(fig: Figure, data: ChartData, revised: RevisedSince, style: Style) -> Figure:
    """The figure with a ring around each revised point of its first line (the pilot's own), within its years; a
    new figure sharing the old one's traces and layout (which stay unchanged)."""
    line = data.lines[0] if data.lines else None
    if line is None:
        return fig
    values = dict(zip(line.years, line.values, strict=True))
    shown = [r for r in revised.revisions if r.year in values and not math.isnan(values[r.year])]
    if not shown:
        return fig
    name = html.escape(line.name, quote=False)  # Plotly reads tags in text as markup: text from the data never is
    ring = {
        "type": "scatter",
        "mode": "markers",
        "x": [r.year for r in shown],
        "y": [values[r.year] for r in shown],
        "name": html.escape(LEGEND.format(r=revised.release)(data.lang), quote=False),
        "marker": {"symbol": "circle-open", "size": 17 * style.scale, "color": REVISED_COLOUR,
                   "line": {"width": 2.5 * style.scale, "color": REVISED_COLOUR}},
        "customdata": [[name, html.escape(hover(r, data), quote=False)] for r in shown],
        "hovertemplate": "<b>%{customdata[0]}</b> %{x}<br>%{customdata[1]}<extra></extra>",
        "showlegend": True,
    }  # fmt: skip
    return {**fig, "data": [*fig["data"], ring], "layout": {**fig["layout"], "showlegend": True}}
