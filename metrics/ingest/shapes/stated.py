"""What a sheet states around its table, and where: the years and pilot of its title lines and name (a date states
no year, a title no pilot), words that make its figures part of a year, and the one value several places state.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from ...domain.i18n import Text
from ...domain.programme import MIN_YEAR, max_year
from ..city_matching import CityMatcher
from ..headers import (
    year_role,
)
from ..table import Table
from .shaped import Shaped, Source


def lines_above(table: Table) -> list[tuple[int, tuple[str, ...]]]:
    """The lines above the header (titles, 填报单位), as (row, cells)."""
    if table.layout is None:
        return []
    return [(row, cells) for row, cells in table.layout.lines if row < table.layout.header_rows[0]]


_DATE_LABEL = re.compile(r"^(填报日期|填表日期|报送日期|制表日期|日期|时间|截至|截止|date|as of)", re.IGNORECASE)
_YEAR_IN_TEXT = re.compile(r"(?<!\d)(\d{4})(?!\d)\s*(年度|年)?(?!\s*\d{1,2}\s*[月\-/.])")
_DATE = re.compile(r"\d{4}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]")


def years_stated(text: str) -> list[int]:
    """The years a title or line states (2025年度…汇总表 -> [2025]); dates (填报日期：2026-01-15, 截至2025年12月31日)
    state none."""
    text = unicodedata.normalize("NFKC", text).strip()
    if _DATE_LABEL.match(text):
        return []
    text = _DOCUMENT_NUMBER.sub(" ", _DATE.sub(" ", text))
    return [int(y) for y, _ in _YEAR_IN_TEXT.findall(text) if MIN_YEAR <= int(y) <= max_year() + 1]


_PART_OF_YEAR = re.compile(
    r"上半年|下半年|前?[一二三四1-4]季度|第[一二三四1-4]季度|(?<!\d)(?P<a>\d{1,2})\s*月?\s*[-—–～~至到]\s*(?P<b>\d{1,2})\s*月"
    r"|\d{4}\s*[./]\s*(?P<c>\d{1,2})\s*[-—–～~至到]\s*(?:\d{4}\s*[./]\s*)?(?P<d>\d{1,2})(?!\d)"
    r"|本月|当月|本季度?|当季度?"
    r"|\b(?:first|second) half\b|\bhalf-year\b|\bquarter\b|\bQ[1-4]\b|\bH[12]\b|\bjan(?:uary)?\s*[-–]",
    re.IGNORECASE,
)


def part_of_year(text: str) -> str | None:
    """The words by which a title or header says its figures are for part of a year (上半年, 1-6月, 第一季度,
    2025.1-2025.6); None for the whole year (1-12月) or no such words."""
    for found in _PART_OF_YEAR.finditer(unicodedata.normalize("NFKC", text)):
        months = [found.group(g) for g in "abcd" if found.group(g)]
        if len(months) == 2 and (int(months[0]), int(months[1])) == (1, 12):
            continue
        return found.group()
    return None


_DOCUMENT_NUMBER = re.compile(r"[〔\[［(（]\s*\d{4}\s*[〕\]］)）]")  # 科协发〔2025〕12号 names a document, not the year


def years_above(table: Table) -> list[Source]:
    """The years the lines above the table state, each with where."""
    return [
        Source(y, row, cell) for row, cells in lines_above(table) for cell in cells if cell for y in years_stated(cell)
    ]


def year_of_sheet(table: Table) -> list[Source]:
    """The year a sheet's name states ("2025", "2025年")."""
    if not table.sheet:
        return []
    role = year_role(table.sheet)
    return [Source(role[1], None, table.sheet)] if role is not None and role[0] == "year" and role[1] else []


_UNIT_LABEL = re.compile(
    r"^(填报单位|报送单位|填表单位|单位名称|试点单位|试点城市|试点名称|城市|reporting unit|reported by|city)"
    r"\s*[:：]\s*(.*)$",
    re.IGNORECASE,
)


def pilots_above(table: Table, matcher: CityMatcher) -> list[Source]:
    """The pilots the lines above a table name by a label (填报单位：杭州市科学技术协会). A title is not read for its
    pilot: 吉林省…, 苏州高新区… or 长春市、吉林市… start with a pilot's name and are not that pilot's."""
    found = []
    for row, cells in lines_above(table):
        filled = [c for c in cells if c.strip()]
        for k, cell in enumerate(filled):
            labelled = _UNIT_LABEL.match(unicodedata.normalize("NFKC", cell).strip())
            if labelled:
                name = labelled.group(2).strip() or (filled[k + 1] if k + 1 < len(filled) else "")
                codes = matcher.find(name) if name else set()
                if len(codes) == 1:
                    found.append(Source(next(iter(codes)), row, cell if labelled.group(2).strip() else f"{cell}{name}"))
    return found


def pilot_of_sheet(table: Table, matcher: CityMatcher) -> list[Source]:
    """The pilot a sheet's name names (a province's workbook with a sheet per city)."""
    codes = matcher.find(table.sheet) if table.sheet else set()
    return [Source(next(iter(codes)), None, table.sheet or "")] if len(codes) == 1 else []


def one_of(stated: list[Source], what: Text, shaped: Shaped, shown: Callable[[Any], object] | None = None
         ) -> Source | None:  # fmt: skip
    """The one thing several places state, or None with an error saying both readings when they differ."""
    values = list(dict.fromkeys(s.value for s in stated))
    if len(values) > 1:
        first = stated[0]
        other = next(s for s in stated if s.value != first.value)
        show = shown or (lambda v: v)
        if (first.row, first.text) == (other.row, other.text):  # one title stating two: 2021—2025年
            shaped.error(first.row, None, Text(
                "{w}写了多个{x}（{v}），无法确定这张表是哪一个：请加一列{x}。",
                "{w} states several {x}s ({v}), so which one this table holds is unclear: add a {x} column.")
                .format(w=first.where(), x=what, v="、".join(str(show(v)) for v in values)))  # fmt: skip
            return None
        shaped.error(first.row, None, Text(
            "{w}读法不一：{a}写的是 {x}，{b}写的是 {y}。无法确定，请改为一致。",
            "The {w} could be read two ways: {a} says {x}, {b} says {y}. Make them agree.",
        ).format(w=what, a=first.where(), x=show(first.value), b=other.where(), y=show(other.value)))  # fmt: skip
        return None
    return stated[0] if stated else None


def refuse_part_of_year(table: Table) -> Shaped | None:
    """A refusal when the sheet says its figures are for part of a year: yearly figures are the whole year's."""
    places: list[tuple[int | None, Sequence[str]]] = [*lines_above(table), (table.header_row, table.header)]
    places += [(None, (table.sheet,))] if table.sheet else []
    for row, cells in places:
        for cell in cells:
            words = part_of_year(cell) if cell and not _DATE_LABEL.match(cell.strip()) else None
            if words is not None:
                shaped = Shaped(None)
                shaped.error(row, None, Text(
                    "{w}表明这是部分年度的数据（“{p}”）；年度数据只收全年的数，请上传全年数据。",
                    "{w} says these are figures for part of a year ('{p}'); yearly figures are the whole year's: "
                    "upload the year's figures.").format(w=Source(None, row, cell).where(), p=words))  # fmt: skip
                return shaped
    return None
