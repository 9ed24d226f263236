"""What a kind of chart is: its name in a spec, what the deck calls it, the spec's fields it reads, how it resolves
its data, and how Plotly, PowerPoint and the deck page's miniature draw it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ...domain.i18n import Text
from ...store.transactions import Cursor
from ..chart_data import ChartData
from ..chart_spec import ChartSpec
from ..plotly_layout import Figure, Style

# What the deck's list of slides says each chart is (kinds of one form share a name).
LINE_CHART = Text("折线图", "line chart")
BAR_CHART = Text("柱状图", "bar chart")
RANKING = Text("排名条形图", "ranking")


def _takes_any(spec: ChartSpec) -> None:
    """Every spec its fields allow is a chart of this kind."""


@dataclass(frozen=True)
class ChartKind:
    """One kind of chart, everything about it in one place (the registry, kinds.KINDS, lists every kind)."""

    name: str  # the spec's `chart`, as links and saved decks carry it: never renamed
    label: Text  # what the deck's list of slides calls it
    form: str  # how it is drawn, in a word: lines, bars, slope, points, grid, ranking, panels
    fields: frozenset[str]  # the spec's options it reads beyond chart, indicator and years ("events": it marks them)
    resolve: Callable[[Cursor, ChartSpec, str, dict[str, Any]], ChartData]  # (cursor, spec, lang, common fields)
    plotly: Callable[[ChartData, str, Style], Figure]  # (data with its text escaped, source line, style)
    slide: Callable[[Any, ChartData], Sequence[str]]  # draws on a python-pptx slide; gives notes the slide leaves out
    miniature: Callable[[ChartData], list[str]]  # SVG shapes in thumbnails' 160x90 box
    one_year: bool = False  # shows the last of its years alone
    score: str | None = None  # the score it shows (registry.SCORES), not a series
    who: Text | None = None  # its file name's word for the pilots shown; None: the cities' names
    check: Callable[[ChartSpec], None] = _takes_any  # raises ValueError for a spec this kind cannot draw
