"""The programme's charts over years: one indicator's total over the pilots in scope (lines), and the pilots
designated by each year (bars)."""

from __future__ import annotations

import functools

from ...domain import registry
from ...domain.programme import Scope
from ...store.series import read_together, series
from ...store.transactions import Cursor
from .. import miniatures, slide_charts, year_charts
from ..chart_data import ALL_PILOTS, SELECTED_PILOTS, ChartData, Line, line_notes, years_table
from ..chart_spec import ChartSpec
from ..style import PROGRAMME_COLOUR
from .base import BAR_CHART, LINE_CHART, ChartKind


def _trend(cur: Cursor, spec: ChartSpec, lang: str, common: dict) -> ChartData:
    ind = registry.get(spec.indicator)
    if ind.key in registry.BASE_KEYS:  # a deck of trends asks for several: every total in one statement, for one's cost
        read_together(cur, tuple(i.key for i in registry.BASE_INDICATORS), spec.scope)
    frame = series(cur, ind.key, spec.scope, years=spec.years)
    name = (ALL_PILOTS if spec.scope == Scope() else SELECTED_PILOTS)(lang)
    lines = (Line.from_frame(name, frame, PROGRAMME_COLOUR),)
    return ChartData(
        title=ind.label(lang),  # the unit stands above the value axis, in the unit the ticks are in
        indicator=ind,
        lines=lines,
        table_of=functools.partial(years_table, lines, ind, lang),
        notes=line_notes(lines, ind, lang),
        **common,
    )


def _pilots(cur: Cursor, spec: ChartSpec, lang: str, common: dict) -> ChartData:
    ind = registry.get(spec.indicator)
    frame = series(cur, ind.key, spec.scope, years=spec.years)
    lines = (
        Line.from_frame((ALL_PILOTS if spec.scope == Scope() else SELECTED_PILOTS)(lang), frame, PROGRAMME_COLOUR),
    )
    return ChartData(
        title=ind.label(lang),
        indicator=ind,
        lines=lines,
        frame=frame[["year", "value"]],
        table_of=functools.partial(years_table, lines, ind, lang),
        notes=line_notes(lines, ind, lang),
        **common,
    )


TREND = ChartKind("trend", LINE_CHART, "lines", frozenset({"scope", "events"}), _trend, year_charts.lines_figure,
                  slide_charts.lines, miniatures.lines, who=ALL_PILOTS)  # fmt: skip
PILOTS = ChartKind("pilots", BAR_CHART, "bars", frozenset({"scope", "events"}), _pilots, year_charts.bars_figure,
                   slide_charts.bars, miniatures.bars, who=ALL_PILOTS)  # fmt: skip
