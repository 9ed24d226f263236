"""Several cities on one indicator, as values, changes, an index or shares: their lines over the years, and a
slope from each one's start to the last year. The small multiples (multiples.py) resolve as the lines do."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import pandas as pd

from ...analysis import comparison
from ...domain import registry
from ...domain.i18n import Text
from ...domain.registry import Indicator
from ...store.transactions import Cursor
from .. import miniatures, slide_charts, year_charts
from ..chart_data import CITY, MODE_NAMES, MODE_UNITS, ChartData, Line, city_lines, line_notes, rounded, years_table
from ..chart_spec import ChartSpec
from ..style import chart_colours
from .base import LINE_CHART, ChartKind

SLOPE_CHART = Text("斜率图", "slope chart")


def shown_indicator(spec: ChartSpec) -> Indicator:
    """The indicator as a comparison shows it: an index or share has its own unit and one decimal."""
    ind = registry.get(spec.indicator)
    if spec.mode in ("absolute", "change"):
        return ind
    unit = MODE_UNITS[spec.mode]
    return ind.model_copy(update={"unit_zh": unit.zh, "unit_en": unit.en, "decimals": 1})


def compare_title(spec: ChartSpec, lang: str) -> str:
    """The indicator and how it is shown (with the base year of an index)."""
    title = f"{registry.get(spec.indicator).label(lang)} · {MODE_NAMES[spec.mode](lang)}"
    return title + (f" · {spec.base_year or spec.years[0]}" if spec.mode == "indexed" else "")


def resolve_compare(cur: Cursor, spec: ChartSpec, lang: str, common: dict) -> ChartData:
    """The chosen cities' lines, in the chosen mode, in the order chosen (the one brought forward on top)."""
    shown = shown_indicator(spec)
    frame = comparison.compare(cur, spec.indicator, spec.cities, spec.years, spec.mode, spec.base_year)
    common = _with_chart_colours(common, spec.cities)
    lines = tuple(city_lines(frame.drop(columns="reporting"), common["names"], common["colours"], order=spec.cities,
                             focus=spec.focus))  # fmt: skip
    caption = _unindexed(frame, spec, common["names"], lang)
    return ChartData(
        title=compare_title(spec, lang),
        indicator=shown,
        lines=lines,
        table_of=functools.partial(years_table, lines, shown, lang),
        notes=(*line_notes(lines, shown, lang, levels=spec.mode == "absolute"), *((caption,) if caption else ())),
        caption=caption,
        **common,
    )


def _with_chart_colours(common: dict, codes: Sequence[str]) -> dict:
    """The resolver's common fields with the colours of these cities told apart within the chart."""
    return {**common, "colours": {**common["colours"], **chart_colours(codes, common["colours"])}}


def _unindexed(frame: pd.DataFrame, spec: ChartSpec, names: dict[str, str], lang: str) -> str:
    """For an index: the chosen cities it cannot draw, having no figure for the base year (designated later, or
    not reported then), and what to do about it."""
    if spec.mode != "indexed":
        return ""
    drawn = set(frame.loc[frame["value"].notna(), "city_code"])
    missing = [names.get(c, c) for c in spec.cities if c not in drawn]
    if not missing:
        return ""
    return Text(
        "{n} 个城市 {y} 年没有数值（当年未报送或尚未成为试点），无法以该年为基年，未画出：{c}。可改选较晚的基年。",
        "{n} of the cities have no figure for {y} (not reported, or not yet pilots), so they cannot be indexed to it "
        "and are not drawn: {c}. Choose a later base year to include them.",
    ).format(
        n=len(missing), y=spec.base_year or spec.years[0], c="、".join(missing) if lang == "zh" else ", ".join(missing)
    )(lang)


def _slope(cur: Cursor, spec: ChartSpec, lang: str, common: dict) -> ChartData:
    """Each city from its first reported year in the range (a pilot designated later starts when it does) to the
    range's last year."""
    shown = shown_indicator(spec)
    first, last = spec.years
    frame = comparison.compare(cur, spec.indicator, spec.cities, spec.years, spec.mode, spec.base_year)
    common = _with_chart_colours(common, spec.cities)
    reported = frame[frame["value"].notna()]
    starts = reported[reported["year"] < last].groupby("city_code")["year"].min()
    ends = frame[frame["year"] == last].set_index("city_code")["value"]
    names = common["names"]
    rows = []
    for code in spec.cities:
        start = int(starts[code]) if code in starts.index else first
        begin = frame[(frame["city_code"] == code) & (frame["year"] == start)]["value"]
        rows.append((code, start, float(begin.iloc[0]) if len(begin) else math.nan, float(ends.get(code, math.nan))))
    table = pd.DataFrame(
        {
            CITY(lang): [names[c] for c, _, _, _ in rows],
            SLOPE_FROM(lang): [start for _, start, _, _ in rows],
            SLOPE_START(lang): [rounded(v, shown) for _, _, v, _ in rows],
            str(last): [rounded(v, shown) for _, _, _, v in rows],
        }
    )
    lines = tuple(Line(names[c], (start, last), (a, b), common["colours"][c]) for c, start, a, b in rows)
    drawn = pd.DataFrame(
        [(c, year, value) for c, start, a, b in rows for year, value in ((start, a), (last, b))],
        columns=["city_code", "year", "value"],
    )
    later = [f"{names[c]} {start}" for c, start, a, _ in rows if start > first and not math.isnan(a)]
    caption = SLOPE_LATER.format(y=first, c=Text("、", ", ")(lang).join(later))(lang) if later else ""
    title = f"{registry.get(spec.indicator).label(lang)} · " + Text("{a} 年与 {b} 年", "{a} against {b}").format(
        a=first, b=last
    )(lang)
    return ChartData(
        title=title,
        indicator=shown,
        lines=lines,
        frame=drawn,
        table_of=lambda: table,
        notes=(*line_notes(lines, shown, lang, levels=spec.mode == "absolute"), *((caption,) if caption else ())),
        caption=caption,
        **common,
    )


SLOPE_FROM = Text("起始年份", "From")
SLOPE_START = Text("起始值", "At the start")
SLOPE_LATER = Text(
    "{y} 年尚无数值的城市从其首个报送年份画起：{c}。",
    "Cities with no figure for {y} start from their first reported year: {c}.",
)


COMPARE = ChartKind("compare", LINE_CHART, "lines", frozenset({"cities", "mode", "base_year", "events", "focus"}),
                    resolve_compare, year_charts.lines_figure, slide_charts.lines, miniatures.lines)  # fmt: skip
SLOPE = ChartKind("slope", SLOPE_CHART, "slope", frozenset({"cities", "mode", "base_year", "focus"}), _slope,
                  year_charts.slope_figure, slide_charts.slope, miniatures.slope)  # fmt: skip
