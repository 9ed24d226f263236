"""Years across the columns: yearbook tables (one indicator named by the sheet or the title, cities down, a year a
column) and the indicators side by side under year headers (2024年 | 2025年).
"""

from __future__ import annotations

import re
import unicodedata

from ...domain import registry
from ...domain.i18n import Text
from ..checks import (
    normalise,
)
from ..headers import (
    COMPUTED_NAMES,
    FIGURE_HEADERS,
    year_role,
)
from ..table import Places, Table
from ..units import Stated as UnitStated
from ..units import header_unit, units_in
from .shaped import CITY, YEAR, Place, Shaped, Source, column_label, merged_values, reshaped, unread_columns
from .stated import lines_above, one_of

_TABLE_NUMBER = re.compile(r"^表\s*[\d一二三四五六七八九十]+\s*[.、:：\-—]?")
_YEARS = re.compile(r"\d{4}\s*(?:[-—–~～至到]\s*\d{4})?\s*年?度?")
_FILLERS = (
    "各试点城市和园区",
    "各试点城市园区",
    "各试点城市",
    "各试点园区",
    "各试点",
    "试点城市",
    "各城市",
    "分城市",
    "全国",
)
_TAILS = ("统计表", "一览表", "汇总表", "情况表", "统计", "一览", "汇总", "情况", "数据", "表")


def indicator_named(text: str) -> tuple[str | None, bool]:
    """The indicator a sheet's name or a yearbook's title names, and whether it is one the dashboard computes
    (累计…): the text, without its table number, years, brackets and words such as 各试点城市 or 统计表, must be the
    indicator's name (各试点城市签订合作协议数（项）（2021—2025年） -> agreements). A name inside other words is no
    name: 参与对接活动的专家人次 is not 对接活动, 协议金额增长率 not 协议金额. (None, False) for none."""
    rest = re.sub(r"\([^()]*\)", "", unicodedata.normalize("NFKC", text))
    rest = _YEARS.sub("", _TABLE_NUMBER.sub("", rest.strip()))
    rest = "".join(rest.split())
    rest = next((rest[len(f) :] for f in _FILLERS if rest.startswith(f)), rest)
    rest = next((rest[: -len(t)] for t in _TAILS if rest.endswith(t) and len(rest) > len(t)), rest)
    for name in (rest, *(rest[: -len(t)] for t in ("总数", "数量", "数") if rest.endswith(t))):
        if normalise(name) in FIGURE_HEADERS:
            return FIGURE_HEADERS[normalise(name)], False
        if normalise(name) in COMPUTED_NAMES:
            return COMPUTED_NAMES[normalise(name)], True
    return None, False


def across(table: Table, meanings: list[object], years: list[int]) -> Shaped:
    """A yearbook table: cities down, years across, one indicator named by the sheet's name or the title."""
    shaped = Shaped(None)
    sources: list[tuple[int | None, str]] = [(None, table.sheet)] if table.sheet else []
    sources += [(row, cell) for row, cells in lines_above(table) for cell in cells if cell.strip()]
    stated: list[Source] = []
    computed: list[Source] = []
    for row, text in sources:
        named, derived = indicator_named(text)
        if named is not None:
            (computed if derived else stated).append(Source(named, row, text))
    if computed and not stated:
        row, text, key = computed[0].row, computed[0].text, str(computed[0].value)
        shaped.error(row, None, Text(
            "{w}表明这是“{i}”，由系统根据年度数据计算，不能导入；请上传各年的年度数据。",
            "{w} says this is '{i}', which is computed from the yearly figures and cannot be loaded; upload the "
            "yearly figures instead.").format(w=Source(key, row, text).where(),
                                              i=registry.get(key).label_zh))  # fmt: skip
        return shaped
    indicator = one_of(stated, Text("指标", "indicator"), shaped, lambda k: registry.base(str(k)).label_zh)
    if shaped.issues:
        return shaped
    if indicator is None:
        shaped.error(table.header_row, None, Text(
            "年份横排在列上（{y}），但工作表名和标题都没有写明是哪个指标。请在标题或工作表名中写明指标（如“签订合作协议”），"
            "或改为每行一个城市一个年份：列为城市、年份，再每个指标一列（见模板）。",
            "The years run across the columns ({y}), but neither the sheet's name nor the title says which "
            "indicator they hold. Name the indicator in the title or the sheet's name (such as 'Cooperation "
            "agreements signed'), or give one row per city and year: columns city, year, then one column per "
            "indicator (see the template).").format(y="、".join(table.header[i] for i in years)))  # fmt: skip
        return shaped
    key = str(indicator.value)
    city = meanings.index("city")
    shaped.issues += unread_columns(table, {city, *years}) + merged_values(table, set(years))
    if shaped.issues:
        return shaped
    body: list[list[str]] = []
    cells_at: dict[tuple[int, str], Place] = {}
    rows_at: dict[int, int] = {}
    for number, cells in zip(table.row_numbers.tolist(), table.rows, strict=True):
        for i in years:
            n = len(body) + 1
            year = meanings[i][1]  # type: ignore[index]
            body.append([cells[city], str(year), cells[i] if i < len(cells) else ""])
            cells_at[(n, CITY)] = (number, table.header[city])
            cells_at[(n, YEAR)] = (table.header_row, table.header[i])
            cells_at[(n, column_label(key))] = (number, table.header[i])
            rows_at[n] = number
    # The sheet's name may state the unit (协议金额（亿元）); a title's unit is a unit line, which check_figures reads.
    units = [UnitStated(u, Source(None, None, table.sheet or "").where()) for u in units_in(table.sheet or "")]
    hidden = {table.header[i] for i in [city, *years] if i in table.hidden_columns}
    columns_at: dict[str, Place] = {CITY: (table.header_row, table.header[city]), YEAR: (table.header_row, None),
                  column_label(key): (indicator.row or table.header_row, None)}  # fmt: skip
    places = Places(cells_at, rows_at, frozenset(hidden), columns_at)
    shaped.table = reshaped(
        table, [CITY, YEAR, column_label(key)], body, places, "across", {2: tuple(units)} if units else {}
    )
    shaped.notes.append(
        Text(
            "年份横排在列上：每列一年（{y}），指标“{i}”按{w}读取。",
            "Years across the columns, a year a column ({y}); the indicator '{i}' from {w}.",
        ).format(y="、".join(table.header[i] for i in years), i=registry.base(key).label_zh, w=indicator.where())
    )
    return shaped


def year_groups(table: Table, meanings: list[object]) -> dict[int, tuple[int, str, int]] | None:
    """For a header whose indicators repeat under year headers above it (2024年 | 2025年 over 对接活动 …), each
    value column's (year, the year's header, its row); None when the table is not so. A year header stands over
    the columns its merged cell spans, or (with no merged cells on its row: a CSV) over those up to the next."""
    keys = [m for m in meanings if m in FIGURE_HEADERS.values()]
    if len(keys) == len(set(keys)) or table.layout is None:
        return None
    if len(table.layout.header_rows) == 2:  # read as a two-row header: the years are its upper row
        row, line = table.layout.header_rows[0], table.layout.header_cells[0]
    else:
        row = table.layout.header_rows[0] - 1
        line = next((cells for n, cells in table.layout.lines if n == row), ())
    if not line:
        return None
    merged = {c1: c2 for r1, r2, c1, c2 in table.merges if r1 <= row <= r2}
    filled = [i for i, cell in enumerate(line) if cell.strip()]
    groups: dict[int, tuple[int, str, int]] = {}
    for k, i in enumerate(filled):
        role = year_role(line[i])
        if role is None or role[0] != "year" or role[1] is None:
            continue
        last = merged.get(i, i) if merged else (filled[k + 1] - 1 if k + 1 < len(filled) else len(meanings) - 1)
        for j in range(i, last + 1):
            if j < len(meanings) and meanings[j] in FIGURE_HEADERS.values():
                groups[j] = (role[1], line[i], row)
    years = {g[0] for g in groups.values()}
    if len(years) < 2 or any(m in FIGURE_HEADERS.values() and i not in groups for i, m in enumerate(meanings)):
        return None
    return groups


def side_by_side(table: Table, meanings: list[object], groups: dict[int, tuple[int, str, int]]) -> Shaped:
    """Each row read once per year group: the year from the group's header, the values from its columns."""
    shaped = Shaped(None)
    if "city" not in meanings:
        return Shaped(table)
    by_year: dict[int, dict[str, int]] = {}
    for i, (year, _, _) in groups.items():
        column = str(meanings[i])
        if column in by_year.setdefault(year, {}):
            shaped.error(
                table.header_row,
                table.header[i],
                Text("{y} 年下“{h}”出现两次。", "'{h}' appears twice under {y}.").format(y=year, h=table.header[i]),
            )
        by_year[year][column] = i
    city = meanings.index("city")
    shaped.issues += unread_columns(table, {city, *groups}) + merged_values(table, set(groups))
    if shaped.issues:
        return shaped
    keys = list(dict.fromkeys(str(meanings[i]) for i in groups))
    header = [CITY, YEAR, *(column_label(k) for k in keys)]
    body: list[list[str]] = []
    cells_at: dict[tuple[int, str], Place] = {}
    rows_at: dict[int, int] = {}
    year_header = {year: (label, row) for year, label, row in groups.values()}
    for number, cells in zip(table.row_numbers.tolist(), table.rows, strict=True):
        for year, columns in by_year.items():
            n = len(body) + 1
            body.append([cells[city], str(year), *(cells[columns[k]] if k in columns else "" for k in keys)])
            cells_at[(n, CITY)] = (number, table.header[city])
            cells_at[(n, YEAR)] = (year_header[year][1], year_header[year][0])
            for k, i in columns.items():
                cells_at[(n, column_label(k))] = (number, f"{year_header[year][0]} {table.header[i]}")
            rows_at[n] = number
    units = {}
    for position, k in enumerate(keys, start=2):
        stated = [UnitStated(u, Text("表头“{h}”", "the header '{h}'").format(h=table.header[i]))
                  for i in groups if meanings[i] == k for u in [header_unit(table.header[i])] if u]  # fmt: skip
        if stated:
            units[position] = tuple(stated)
    hidden = {f"{groups[i][1]} {table.header[i]}" for i in groups if i in table.hidden_columns}
    hidden |= {table.header[city]} if city in table.hidden_columns else set()
    columns_at: dict[str, Place] = {CITY: (table.header_row, table.header[city]), YEAR: (table.header_row - 1, None),
                  **{column_label(k): (table.header_row, None) for k in keys}}  # fmt: skip
    places = Places(cells_at, rows_at, frozenset(hidden), columns_at)
    shaped.table = reshaped(table, header, body, places, "side_by_side", units)
    side = Text(
        "各年的指标并排：{y}，每行按年份分别读取。", "Indicators side by side under {y}; each row read once a year."
    )
    shaped.notes.append(side.format(y="、".join(label for label, _ in year_header.values())))
    return shaped
