"""The shapes yearly figures arrive in, read into one: a row per pilot and year, a column per indicator.

Officers receive, besides that table: the one-pilot statistical return (统计报表: indicators down the rows, 本年 and
上年 across), yearbook tables (one indicator, cities down, years across), the same indicators under year headers
side by side (2024年 | 2025年), two tables on one sheet each under its own title, and tables whose pilot or year is
stated only above them (填报单位：…, a title 2025年…, the sheet's name). Each is read exactly as it states itself: a
pilot, a year or an indicator taken from a title, a line or a sheet name is said to be so, and where two places
state different things the file is refused saying both, never guessed. A reshaped table keeps where each of its
cells stood (Table.places), so that every message names the sheet's own row and column.
"""

from __future__ import annotations

from ..checks import is_reference, normalise
from ..city_matching import CityMatcher
from ..headers import CITY_HEADERS, FIGURE_HEADERS, INDICATOR_HEADERS, UNIT_HEADERS, YEAR_HEADERS, year_role
from ..table import Table
from .across import across, indicator_named, side_by_side, year_groups
from .blocks import blocks, stated_above
from .shaped import CITY, YEAR, Shaped, Source, column_label, sheet_rows
from .stated import part_of_year, refuse_part_of_year, years_stated
from .vertical import vertical

__all__ = [
    "CITY",
    "YEAR",
    "Shaped",
    "Source",
    "column_label",
    "indicator_named",
    "part_of_year",
    "read",
    "sheet_rows",
    "years_stated",
]


def read(table: Table, matcher: CityMatcher) -> Shaped:
    """The sheet as a row per pilot and year: as it is, or reshaped from the shape it came in; refused when its
    title, header or sheet says its figures are for part of a year (上半年, 1-6月)."""
    part = refuse_part_of_year(table)
    if part is not None:
        return part
    meanings = [_meaning(h) for h in table.header]
    if "indicator" in meanings and not any(m in FIGURE_HEADERS.values() or m == "city" for m in meanings):
        return vertical(table, meanings, matcher)
    groups = year_groups(table, meanings)
    if groups is not None:
        return side_by_side(table, meanings, groups)
    years = [i for i, m in enumerate(meanings) if isinstance(m, tuple) and m[0] == "year"]
    values = any(m in FIGURE_HEADERS.values() for m in meanings)
    if "city" in meanings and len(years) >= 2 and "year" not in meanings and not values:
        return across(table, meanings, years)
    shaped = blocks(table, meanings, matcher)
    if shaped.table is not None and not any(i.level == "error" for i in shaped.issues):
        stated_above(shaped, meanings, matcher)
    return shaped


def _meaning(header: str) -> object:
    """What a header names: 'city', 'year', a value column's key, 'indicator' or 'unit' (a form's columns), a
    year role (('current', 2025), ('year', 2025) …), or None."""
    key = normalise(header)
    if is_reference(header):
        return None
    if key in CITY_HEADERS:
        return "city"
    if key in YEAR_HEADERS:
        return "year"
    if key in FIGURE_HEADERS:
        return FIGURE_HEADERS[key]
    if key in INDICATOR_HEADERS:
        return "indicator"
    if key in UNIT_HEADERS:
        return "unit"
    return year_role(header)
