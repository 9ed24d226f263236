"""Targets: each pilot's yearly targets, one row per pilot, year and indicator (long format): city, year, indicator,
target. Recognised by its target column.

Only what a pilot reports can have a target: the flows (judged on the year's value) and the talent pool (a stock,
judged on its year-end value); a ratio, a running total, a growth rate or a count of pilots is derived and refused.
Each target is a cell of the change history, so that undo puts back exactly what the file changed.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from decimal import Decimal

import pandas as pd

from ...domain import registry
from ...domain.i18n import Text
from ...domain.programme import max_year
from ...store.cities import list_cities
from ...store.history import apply_history
from ...store.targets import target_changes
from ...store.transactions import Cursor
from .. import units
from ..checks import (
    check_columns,
    header_columns,
    keyed_rows,
    normalise,
    parse_number,
    year_value,
)
from ..city_matching import CityMatcher
from ..headers import CITY_HEADERS, YEAR_HEADERS
from ..kind import CellKind
from ..report import Report
from ..table import Table
from ..units import HEADER_WHERE, LINE_WHERE, ColumnUnit, Stated, column_unit, factor, header_unit, unit_lines

INDICATOR_HEADERS = {"indicator", "指标", "指标名称", "指标代码", "考核指标", "indicator_key", "key"}
TARGET_HEADERS = {"target", "目标值", "目标", "年度目标", "年度目标值", "target_value", "annual_target"}
COLUMN_NAMES = {
    "city": Text("城市", "city"),
    "year": Text("年份", "year"),
    "indicator": Text("指标", "indicator"),
    "target": Text("目标值", "target"),
}
# The indicators the template and the sample set targets for (a file may set any base indicator's).
TARGET_KEYS = ("activities", "agreements", "contract_value_10k_cny", "stations_founded", "experts_in_pool")


def _aliases(ind: registry.Indicator) -> set[str]:
    """What a file may write for an indicator: its key, labels and titles in either language."""
    names = {ind.key, ind.label_zh, ind.label_en, ind.title("zh"), ind.title("en")}
    if isinstance(ind, registry.BaseIndicator):
        names |= {ind.header_zh, ind.header_en}
    return {normalise(n) for n in names}


_INDICATOR_NAMES: dict[str, set[str]] = {}
for _ind in registry.INDICATORS:
    for _alias in _aliases(_ind):
        _INDICATOR_NAMES.setdefault(_alias, set()).add(_ind.key)
_TARGETABLE_NAMES = [a for a, keys in _INDICATOR_NAMES.items() if keys & registry.BASE_KEYS]  # for suggestions
# An indicator the target cell is parsed for when the row's indicator is unknown: a plain amount, two decimals.
_ANY_AMOUNT = registry.base("contract_value_10k_cny").model_copy(update={"unit_zh": "", "unit_en": ""})


def _headers(table: Table, report: Report) -> list[str | None]:
    """The meaning of each header: city, year, indicator, target, or None (ignored, for reference, or unknown: an
    error)."""
    lookup = {**dict.fromkeys(TARGET_HEADERS, "target"), **dict.fromkeys(INDICATOR_HEADERS, "indicator"),
              **dict.fromkeys(YEAR_HEADERS, "year"), **dict.fromkeys(CITY_HEADERS, "city")}  # fmt: skip
    columns, unknown = header_columns(table, report, lookup)
    for i in unknown:
        report.add(
            table.header_row,
            table.header[i],
            "error",
            Text(
                "无法识别的列“{c}”。目标值文件的列为：城市、年份、指标、目标值（可加序号、备注）。",
                "Unknown column '{c}'. A targets file has the columns city, year, indicator, target (and "
                "optionally No. and notes).",
            ).format(c=table.header[i]),
        )
    check_columns(table, columns, COLUMN_NAMES, report)
    return columns


def resolve_indicator(raw: str) -> tuple[str | None, Text | None]:
    """The base indicator a cell names (its key, or its zh/en label or title), or the error saying why it names
    none: unknown (with the closest), ambiguous (with the candidates), or one that cannot have a target."""
    key = normalise(raw)
    found = _INDICATOR_NAMES.get(key, set())
    if not key:
        return None, Text("指标不能为空。", "The indicator is missing.")
    if len(found) > 1:
        names = "、".join(f"{registry.get(k).label_zh}（{k}）" for k in sorted(found))
        return None, Text(
            "“{v}”可指多个指标：{n}。请填写指标代码。", "'{v}' could be any of: {n}. Use the key."
        ).format(v=raw, n=names)
    if not found:
        close = difflib.get_close_matches(key, _TARGETABLE_NAMES, n=5, cutoff=0.5)
        keys = list(dict.fromkeys(k for c in close for k in sorted(_INDICATOR_NAMES[c])))[:3]
        hint = "、".join(f"{registry.get(k).label_zh}（{k}）" for k in keys)
        message = (
            Text("未知指标“{v}”。最接近的是：{h}。", "Unknown indicator '{v}'. The closest are: {h}.")
            if keys
            else Text("未知指标“{v}”。", "Unknown indicator '{v}'.")
        )
        return None, message.format(v=raw, h=hint)
    found_key = next(iter(found))
    if found_key not in registry.BASE_KEYS:
        ind = registry.get(found_key)
        allowed = "、".join(i.label_zh for i in registry.BASE_INDICATORS)
        allowed_en = ", ".join(i.key for i in registry.BASE_INDICATORS)
        return None, Text(
            "“{v}”（{l}）由其他指标计算得出，不能设目标；可设目标的是各项报送指标：{a}。",
            "'{v}' ({k}) is derived from other indicators and cannot have a target; targets are set for the "
            "reported indicators: {b}.",
        ).format(v=raw, l=ind.label_zh, k=found_key, a=allowed, b=allowed_en)
    return found_key, None


TARGET = "目标"


def _unit(
    indicator: str, ind: registry.BaseIndicator, header: str, lines: list, number: int
) -> ColumnUnit | Text | None:
    """The unit a row's target is written in: as its target column's header or its indicator cell states it
    (目标值（元）, 协议金额（元）), or a unit line near the table; the error when those cannot be its indicator's."""
    stated = []
    for written, where in ((header_unit(header), HEADER_WHERE.format(h=header)),
                           (header_unit(indicator), LINE_WHERE.format(r=number, c=indicator))):  # fmt: skip
        if written is not None:
            stated.append(Stated(written, where))
    return column_unit(ind, stated, lines)


def check_targets(cur: Cursor, table: Table) -> Report:
    """Check a targets table: a row per pilot, year and indicator, each naming a known pilot, a valid year, an
    indicator that can have a target and a target >= 0; every problem of the file in one pass."""
    report = Report.of(TargetsKind.name, table)
    columns = _headers(table, report)
    if not {"city", "year", "indicator", "target"} <= set(columns):
        return report
    if not len(table):
        report.add(None, None, "error", Text("文件只有表头，没有数据行。", "The file has a header but no data rows."))
        return report
    cities = list_cities(cur)
    designated = dict(zip(cities["city_code"], cities["designated_year"], strict=True))
    matcher = CityMatcher(cities)
    last_year = max_year() + 1  # next year's targets are set before it begins
    cities_seen: dict[str, tuple] = {}
    lines = unit_lines(table.layout.lines if table.layout is not None else ())
    converted: dict[tuple[str, str, Text], list] = {}  # (indicator, unit, where) -> the values it rounded
    seen: dict[tuple[str, int, str], int] = {}
    parsed: list[dict] = []
    for number, row, headers in keyed_rows(report, table, columns):
        before = report.errors
        if row["city"] not in cities_seen:
            cities_seen[row["city"]] = matcher.resolve(row["city"])
        code, city_error, city_warning = cities_seen[row["city"]]
        if city_error is not None:
            report.add(number, headers["city"], "error", city_error)
        elif city_warning is not None:
            report.add(number, headers["city"], "warning", city_warning)
        year, year_error = year_value(row["year"], last_year)
        if year_error is not None:
            report.add(number, headers["year"], "error", year_error)
        key, indicator_error = resolve_indicator(row["indicator"])
        if indicator_error is not None:
            report.add(number, headers["indicator"], "error", indicator_error)
        ind = registry.base(key) if key is not None else _ANY_AMOUNT
        unit = _unit(row["indicator"], ind, headers["target"], lines, number) if key is not None else None
        rounded = None
        if isinstance(unit, Text):
            report.add(number, headers["target"], "error", unit)
            unit = None
        elif unit is not None and unit.factor != 1 and key is not None:
            rounded = converted.setdefault((key, unit.unit, unit.where), [])
        target = parse_number(row["target"], ind, report, number, headers["target"], unit, rounded)
        if code is not None and year is not None and key is not None:
            first = seen.setdefault((code, year, key), number)
            if first != number:
                report.add(
                    number,
                    headers["indicator"],
                    "error",
                    Text(
                        "{c} {y} 年的“{i}”在第 {r} 行已出现，每个试点每年每项指标只能有一行。",
                        "{c} {y} '{i}' already appears in row {r}; one row per pilot, year and indicator.",
                    ).format(c=matcher.name_of(code), y=year, i=Text(ind.label_zh, ind.label_en), r=first),
                )
            elif year < designated[code]:
                report.add(
                    number,
                    headers["year"],
                    "warning",
                    Text(
                        "{c} 于 {d} 年获命名，早于此年的目标不会计入考核。",
                        "{c} was designated in {d}; a target for an earlier year is not assessed.",
                    ).format(c=matcher.name_of(code), d=designated[code]),
                )
        if report.errors == before and target is not None:
            parsed.append({"row": number, "city_code": code, "year": year, "indicator": key, "target": target})
    for (key, written, where), rounded in converted.items():
        ind = registry.base(key)
        unit = ColumnUnit(factor(written, ind) or Decimal(1), written, where)
        report.add(
            table.header_row, None, "warning", units.converted(unit, ind, f"{ind.label_zh}（{TARGET}）", rounded)
        )
    report.rows = pd.DataFrame(parsed, columns=["row", "city_code", "year", "indicator", "target"])
    if report.ok and report.rows.empty:
        report.add(None, None, "warning", Text("文件里没有任何目标值，不会有改动。", "The file holds no targets; "
                                               "nothing would change."))  # fmt: skip
    return report


class TargetsKind(CellKind):
    """The pilots' yearly targets."""

    name = "targets"
    label = Text("年度目标", "targets")
    what = Text("年度目标（每行一个试点、一个年份、一项指标）", "yearly targets (a row per pilot, year and indicator)")

    def recognises(self, header: Sequence[str]) -> bool:
        """A target column (目标值, target)."""
        return any(normalise(h) in TARGET_HEADERS for h in header)

    def knows(self, cell: str) -> bool:
        """The indicator or target column's header (the city and year headers are the figures kind's too)."""
        key = normalise(cell)
        return key in INDICATOR_HEADERS or key in TARGET_HEADERS

    def check(self, cur: Cursor, table: Table) -> Report:
        """See check_targets."""
        return check_targets(cur, table)

    def changes(self, cur: Cursor, report: Report) -> pd.DataFrame:
        """Every target of the file against the stored one (store.targets.target_changes)."""
        return target_changes(cur, report.parsed())

    def _apply(self, cur: Cursor, report: Report, upload_id: int) -> None:
        apply_history(cur, upload_id)


TARGETS = TargetsKind()
