"""One city against the median of its batch, over years; its values that carry a review flag ringed, the flag's
reason and decision in their hover."""

from __future__ import annotations

import functools
from dataclasses import replace

from ...analysis import standing
from ...analysis.flagged import figure_flags, flags_of
from ...analysis.records import records
from ...domain import registry
from ...domain.i18n import Text
from ...store.cities import city
from ...store.reads import kept
from ...store.series import pilot_series
from ...store.transactions import Cursor
from .. import flag_notes, miniatures, slide_charts, year_charts
from ..chart_data import ChartData, Line, city_lines, line_notes, years_table
from ..chart_spec import ChartSpec
from ..style import PEER_COLOUR
from .base import LINE_CHART, ChartKind

BATCH_MEDIAN = Text("第{b}批试点中位数", "Batch {b} median")


def _city(cur: Cursor, spec: ChartSpec, lang: str, common: dict) -> ChartData:
    ind = registry.get(spec.indicator)
    code = spec.cities[0]
    names, colours = common["names"], common["colours"]
    batch = int(kept("city", (code,), lambda: city(cur, code))["batch"])
    mine = pilot_series(cur, ind.key, (code,), spec.years)
    peers = standing.peer_median(cur, ind.key, code, spec.years)
    (own,) = city_lines(mine.drop(columns="reporting"), names, {code: colours[code]})
    flags = flags_of(figure_flags(cur, spec.years, (code,)), (ind.key,))
    if not flags.empty:  # each value's flags in its hover, the value ringed
        by_year: dict[int, list[dict]] = {}
        for flag in records(flags):  # the rows at once, not a frame and its rows per year
            by_year.setdefault(int(flag["year"]), []).append(flag)
        own = replace(own, flags=tuple(flag_notes.hover(by_year.get(y, []), lang) for y in own.years))
    lines = (own, Line.from_frame(BATCH_MEDIAN.format(b=batch)(lang), peers, PEER_COLOUR, dash="dash", width=2.5))
    return ChartData(
        title=f"{names[code]} · {ind.label(lang)}",
        indicator=ind,
        lines=lines,
        table_of=functools.partial(years_table, lines, ind, lang),
        notes=line_notes(lines, ind, lang),
        caption=flag_notes.CAPTION(lang) if not flags.empty else "",
        **common,
    )


CITY = ChartKind("city", LINE_CHART, "lines", frozenset({"cities", "events"}), _city, year_charts.lines_figure,
                 slide_charts.lines, miniatures.lines)  # fmt: skip
