"""The one-pilot statistical return (统计报表): 指标名称 | 计量单位 | 本年（2025年）| 上年, an indicator a row."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from ...domain import registry
from ...domain.i18n import Text
from ..checks import (
    IGNORED_HEADERS,
    NOT_REPORTED,
    clipped,
    is_total,
    normalise,
)
from ..city_matching import CityMatcher
from ..headers import (
    COMPUTED_NAMES,
    FIGURE_HEADERS,
    figure_key,
    strip_numbering,
)
from ..report import Issue
from ..table import Places, Table
from ..units import NOT_A_UNIT, as_unit, bracketed
from ..units import Stated as UnitStated
from .shaped import CITY, YEAR, Place, Shaped, Source, column_label, reshaped
from .stated import one_of, pilot_of_sheet, pilots_above, year_of_sheet, years_above


def vertical(table: Table, meanings: list[object], matcher: CityMatcher) -> Shaped:
    """A statistical return: 指标名称 | 计量单位 | 本年（2025年）| 上年, an indicator a row, one pilot (its 填报单位
    line or the sheet's name). The current year's column is read; 上年 and the other columns are not, and the notes
    say so; two columns for the same year are an error."""
    shaped = Shaped(None)
    label_at = meanings.index("indicator")
    unit_at = meanings.index("unit") if "unit" in meanings else None
    roles = {i: m for i, m in enumerate(meanings) if isinstance(m, tuple)}
    title_years = years_above(table) + year_of_sheet(table)
    current = [i for i, m in roles.items() if m[0] == "current"]
    years = [i for i, m in roles.items() if m[0] == "year"]
    title_year = one_of(title_years, Text("年份", "year"), shaped)
    if shaped.issues:
        return shaped
    read_at: list[tuple[int, Source]] = []  # the columns read, each with its year and where that is stated
    if len(current) == 1:
        i = current[0]
        stated = [Source(roles[i][1], table.header_row, table.header[i])] if roles[i][1] else []
        year = one_of(stated + ([title_year] if title_year else []), Text("年份", "year"), shaped)
        if shaped.issues:
            return shaped
        if year is None:
            shaped.error(table.header_row, table.header[i], Text(
                "“{h}”列没有写明年份，标题也没有；请写成“本年（2025年）”或在标题中写明年度。",
                "The column '{h}' states no year, nor does the title; write it as '本年（2025年）' or state the "
                "year in the title.").format(h=table.header[i]))  # fmt: skip
            return shaped
        twin = next((j for j in years if roles[j][1] == year.value), None)
        if twin is not None:
            shaped.error(table.header_row, None, Text(
                "“{a}”列与“{b}”列都是 {y} 年的数，无法确定读取哪一列；请只保留一列。",
                "The columns '{a}' and '{b}' both hold {y}'s figures; which to read is unclear: keep one.")
                .format(a=table.header[i], b=table.header[twin], y=year.value))  # fmt: skip
            return shaped
        read_at.append((i, year))
    elif len(current) > 1:
        several = Text("有多个本年列（{c}），无法确定读取哪一列。", "Several columns are this year's ({c}); which to "
                       "read is unclear.")  # fmt: skip
        shaped.error(table.header_row, None, several.format(c="、".join(table.header[i] for i in current)))
        return shaped
    elif title_year is not None and any(roles[i][1] == title_year.value for i in years):
        read_at.append((next(i for i in years if roles[i][1] == title_year.value), title_year))
    elif years:
        read_at += [(i, Source(roles[i][1], table.header_row, table.header[i])) for i in years]
    else:
        shaped.error(table.header_row, None, Text(
            "竖排报表没有本年或某一年份的数值列（如“本年（2025年）”）。",
            "The form has no column of this year's values (such as '本年（2025年）').").format())  # fmt: skip
        return shaped
    pilot = one_of(pilots_above(table, matcher) + pilot_of_sheet(table, matcher), Text("试点", "pilot"), shaped,
                 matcher.name_of)  # fmt: skip
    if shaped.issues:
        return shaped
    if pilot is None:
        shaped.error(table.header_row, None, Text(
            "竖排报表没有写明是哪个试点：请在表上方写“填报单位：XX市科学技术协会”，或在标题开头写明城市。",
            "The form does not say which pilot it is: write '填报单位：…' above the table, or start the title with "
            "the city's name."))  # fmt: skip
        return shaped
    rows = table.rows
    numbers = table.row_numbers.tolist()
    keys: dict[str, int] = {}  # indicator -> the row it is on
    stated_units: dict[str, list[UnitStated]] = {}
    skipped: list[int] = []
    for k, cells in enumerate(rows):
        label = cells[label_at] if label_at < len(cells) else ""
        values = [cells[i] if i < len(cells) else "" for i, _ in read_at]
        has_value = any(unicodedata.normalize("NFKC", v).strip().lower() not in NOT_REPORTED for v in values)
        key = figure_key(label)
        if key is None:
            computed = COMPUTED_NAMES.get(normalise(strip_numbering(label)))
            if computed is not None and has_value:
                shaped.issues.append(Issue(numbers[k], table.header[label_at], "warning", Text(
                    "“{l}”由系统根据年度数据计算，不导入。", "'{l}' is computed from the yearly figures; it is not "
                    "loaded.").format(l=label)))  # fmt: skip
            elif has_value and not is_total(label):
                shaped.error(numbers[k], table.header[label_at], _unknown_indicator(label))
            elif label.strip():
                skipped.append(numbers[k])
            continue
        if key in keys:
            shaped.error(numbers[k], table.header[label_at], Text(
                "指标“{l}”在第 {r} 行已出现。", "The indicator '{l}' already appears in row {r}.")
                .format(l=label, r=keys[key]))  # fmt: skip
            continue
        keys[key] = numbers[k]
        units = stated_units.setdefault(key, [])
        inside = bracketed(strip_numbering(label))
        if inside is not None and as_unit(inside) is None:  # 对接活动（累计）: not this year's figure
            shaped.error(numbers[k], table.header[label_at], NOT_A_UNIT.format(h=label, b=inside))
        elif inside is not None:
            where = Text("第 {r} 行“{l}”", "row {r} '{l}'").format(r=numbers[k], l=label)
            units.append(UnitStated(str(as_unit(inside)), where))
        if unit_at is not None and unit_at < len(cells) and cells[unit_at].strip():
            written = as_unit(cells[unit_at])
            if written is not None:
                units.append(UnitStated(written, Text("第 {r} 行“{h}”列", "row {r}, column '{h}'")
                                    .format(r=numbers[k], h=table.header[unit_at])))  # fmt: skip
            else:
                written = cells[unit_at]
                shaped.error(
                    numbers[k],
                    table.header[unit_at],
                    Text("“{u}”不是可识别的计量单位。", "'{u}' is not a unit this form's indicators take.").format(
                        u=written
                    ),
                )
    if not keys:
        shaped.error(
            table.header_row,
            table.header[label_at],
            Text(
                "竖排报表中没有可识别的指标行（如“对接活动”）。",
                "The form has no row naming an indicator (such as '对接活动').",
            ),
        )
    if any(i.level == "error" for i in shaped.issues):
        return shaped
    header = [CITY, YEAR, *(column_label(k) for k in keys)]
    body: list[list[str]] = []
    cells_at: dict[tuple[int, str], Place] = {}
    rows_at: dict[int, int] = {}
    columns_at: dict[str, Place] = {CITY: (pilot.row, None), YEAR: (read_at[0][1].row, None),
                  **{column_label(k): (keys[k], table.header[label_at]) for k in keys}}  # fmt: skip
    for n, (i, year) in enumerate(read_at, start=1):
        by_row = {numbers[k]: rows[k] for k in range(len(rows))}
        body.append([str(pilot.value), str(year.value), *(by_row[keys[key]][i] if i < len(by_row[keys[key]]) else ""
                                                         for key in keys)])  # fmt: skip
        cells_at[(n, CITY)] = (pilot.row, None)
        cells_at[(n, YEAR)] = (year.row, table.header[i] if year.row == table.header_row else None)
        for key in keys:
            cells_at[(n, column_label(key))] = (keys[key], table.header[i])
        rows_at[n] = keys[next(iter(keys))]
    read_columns = {i for i, _ in read_at} | {label_at, unit_at}
    others = [h for i, h in enumerate(table.header) if i not in read_columns and h.strip()
              and normalise(h) not in IGNORED_HEADERS]  # fmt: skip
    hidden = {table.header[i] for i, _ in read_at if i in table.hidden_columns}
    places = Places(cells_at, rows_at, frozenset(hidden), columns_at)
    by_column = {header.index(column_label(k)): tuple(u) for k, u in stated_units.items() if u}
    shaped.table = reshaped(table, header, body, places, "vertical", by_column)
    note = Text(
        "竖排报表：试点按{p}（{n}），年份按{y}；读取{c}列",
        "Vertical form: the pilot from {p} ({n}), the year from {y}; read the column {c}",
    ).format(p=pilot.where(), n=matcher.name_of(str(pilot.value)), y=read_at[0][1].where(),
             c=_quoted([table.header[i] for i, _ in read_at]))  # fmt: skip
    if others:
        note = note.then(Text("，{o}列未读取", "; column(s) {o} not read").format(o=_quoted(others)))
    if skipped:
        headings = Text("；没有数值的标题行（第 {r} 行）未读取", "; heading row(s) without values ({r}) not read")
        note = note.then(headings.format(r=", ".join(map(str, skipped))))
    shaped.notes.append(note.then(Text("。", ".")))
    return shaped


def _quoted(names: Sequence[str]) -> Text:
    """Names quoted as each language quotes them: “本年”“上年” and '本年', '上年'."""
    return Text("".join(f"“{n}”" for n in names), ", ".join(f"'{n}'" for n in names))


def _unknown_indicator(label: str) -> Text:
    import difflib

    close = difflib.get_close_matches(normalise(strip_numbering(label)), list(FIGURE_HEADERS), n=1, cutoff=0.6)
    hint = ""
    if close:
        ind = registry.base(FIGURE_HEADERS[close[0]])
        hint = ind.header_zh
    return Text(
        "无法识别的指标“{l}”{h}。为免数据被悄悄丢弃，请改正指标名称或删除该行。",
        "Unknown indicator '{l}'{h}. Correct its name or remove the row, so that no data is lost silently.",
    ).format(l=clipped(label), h=Text(f"（是否应为“{hint}”？）", f" (did you mean '{hint}'?)") if hint else "")
