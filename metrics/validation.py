"""Checking an uploaded table: which kind of file it is, its headers, cities, years, numbers and event dates.

Validation never raises for bad input: it returns a report of issues (row as the spreadsheet shows it, column,
level, message in Chinese and English) together with whatever it could parse.
"""

from __future__ import annotations

import contextlib
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import queries, registry
from .files import Table
from .i18n import Text

Level = Literal["error", "warning"]
MAX_VALUE = Decimal(10) ** 12  # no pilot reports a trillion of anything; such a figure is a typo
MAX_COUNT = 2**31 - 1  # counts are stored as 32-bit integers
NUMBER = re.compile(r"(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")  # commas only as thousands separators
JUMP = 10  # a value ten times last year's (or a tenth of it) earns a warning
MAX_TITLE = 120  # characters in an event title: it is drawn on a chart
FORMULA_START = ("=", "+", "-", "@")  # text a spreadsheet would run as a formula when the file is opened

NOT_REPORTED = {"", "-", "—", "–", "n/a", "na", "无", "/"}
IGNORED_HEADERS = {"序号", "no", "no.", "备注", "notes", "note", "remarks"}
CITY_HEADERS = {"city", "城市", "城市名称", "城市代码", "试点城市", "试点城市园区", "城市园区", "city_code", "code"}
YEAR_HEADERS = {"year", "年份", "年度", "年"}
CITY_COLUMNS = {
    "city_code": {"city_code", "code", "城市代码", "代码", "行政区划代码"},
    "name_zh": {"name_zh", "中文名称", "名称", "城市名称"},
    "name_en": {"name_en", "英文名称", "englishname"},
    "province_zh": {"province_zh", "省份", "所属省份"},
    "province_en": {"province_en", "province", "英文省份"},
    "region": {"region", "地区", "区域"},
    "kind": {"kind", "类型"},
    "batch": {"batch", "批次", "试点批次"},
    "designated_year": {"designated_year", "命名年份", "命名年度"},
    "lat": {"lat", "latitude", "纬度"},
    "lon": {"lon", "longitude", "经度"},
}
# Matched on the whole header first (so "事件（英文）" is not read as "事件"), then as other headers are.
EVENT_COLUMNS = {
    "event_date": {"date", "event_date", "日期", "事件日期"},
    "title_zh": {"title_zh", "title (chinese)", "事件", "事件（中文）", "中文标题"},
    "title_en": {"title_en", "title (english)", "事件（英文）", "英文标题"},
}
# A date as officers write it: 2016-05-30, 2016/5/30, 2016年5月30日; Excel date cells read as "2016-05-30 00:00:00".
DATE = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:\s+0?0:00(?::00)?)?|(\d{4})年(\d{1,2})月(\d{1,2})日")


@dataclass(frozen=True)
class Issue:
    """One problem found in a file; row and column as the officer sees them (None: the whole file)."""

    row: int | None
    column: str | None
    level: Level
    message: Text

    def as_dict(self, lang: str) -> dict:
        """The issue as plain data, its message in one language."""
        return {"row": self.row, "column": self.column, "level": self.level, "message": self.message(lang)}


@dataclass
class Report:
    """What validation found, and the rows it could parse."""

    kind: Literal["figures", "cities", "events"] | None = None
    issues: list[Issue] = field(default_factory=list)
    rows: pd.DataFrame | None = None  # parsed rows, one per data row that had no error

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not any(i.level == "error" for i in self.issues)

    def add(self, row, column, level: Level, message: Text) -> None:
        """Record one issue."""
        self.issues.append(Issue(row, column, level, message))

    def sorted_issues(self) -> list[Issue]:
        """Errors first, then by row."""
        return sorted(self.issues, key=lambda i: (i.level != "error", i.row or 0))


def normalise(text: str) -> str:
    """A header or name as compared: NFKC (full width to half width), lower case, no spaces, no trailing unit."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    if "(" in text:  # checked first: a city list builds thousands of these
        text = _TRAILING_UNIT.sub("", text)
    return "".join(text.split())  # str.split() splits at what the regex \s matches (str.isspace), but faster


_TRAILING_UNIT = re.compile(r"\([^()]*\)\s*$")


def _figure_headers() -> dict[str, str]:
    names = {}
    for ind in registry.BASE_INDICATORS:
        for alias in (ind.key, ind.header_zh, ind.header_en, ind.label_zh, ind.label_en):
            names[normalise(alias)] = ind.column
    return names


FIGURE_HEADERS = _figure_headers()


def validate(cur: queries.Cursor, table: Table) -> Report:
    """Check a table read from an upload against the stored data; the report says what kind it is."""
    events = {event_column(h) for h in table.header}
    if "event_date" in events and events & {"title_zh", "title_en"}:
        return validate_events(cur, table)
    keys = {normalise(h) for h in table.header}
    described = any(keys & CITY_COLUMNS[c] for c in ("province_zh", "region", "kind", "batch", "designated_year"))
    if keys & CITY_COLUMNS["city_code"] and keys & CITY_COLUMNS["name_zh"] and described:
        return validate_cities(cur, table)
    return validate_figures(cur, table)


# --- yearly figures -----------------------------------------------------------------------------------------------


def validate_figures(cur: queries.Cursor, table: Table) -> Report:
    """Check a yearly-figures table: one row per city and year, the value columns of the data contract.

    Column by column rather than row by row (a file may have 100,000 rows): each distinct city and year is looked
    up once, numbers in the plain forms are parsed by Arrow, and only the other cells go through `parse_number`,
    which says what is wrong with them.
    """
    report = Report(kind="figures")
    columns = _figure_columns(table, report)
    if columns is None:
        return report
    if not len(table):
        report.add(None, None, "error", Text("文件只有表头，没有数据行。", "The file has a header but no data rows."))
        return report
    matcher = CityMatcher(queries.list_cities(cur))
    last_year = queries.max_year()
    bad = _ragged_rows(report, table)  # rows with an error, so far
    city, year = columns.index("city"), columns.index("year")
    codes = _each_distinct(table, city, matcher.resolve, report, bad)
    years = _each_distinct(table, year, lambda raw: _year_value(raw, last_year), report, bad)
    _duplicate_rows(table, codes, years, matcher, report, table.header[year], bad)
    values = {}
    for i, column in enumerate(columns):
        if column in FIGURE_HEADERS.values():
            values[column] = _numbers(table, i, registry.get(column), report, bad)
    parsed = pa.table(
        {"row": table.row_numbers, "city_code": pa.array(codes, pa.string()), "year": pa.array(years, pa.int32()),
         **values}
    ).filter(pa.array(~bad))  # fmt: skip
    report.rows = parsed.to_pandas(types_mapper=pd.ArrowDtype)
    if report.ok:
        headers = {c: table.header[i] for i, c in enumerate(columns) if c in values}
        _warn_jumps(cur, report, headers)
        if all(parsed[c].null_count == len(parsed) for c in values):
            report.add(
                None,
                None,
                "warning",
                Text("文件里没有任何数值，不会有改动。", "The file holds no values; nothing would change."),
            )
    return report


def _each_distinct(table: Table, index: int, resolve, report: Report, bad: np.ndarray) -> np.ndarray:
    """A column's cells resolved by `resolve(raw) -> (value, error Text | None)`, called once per distinct cell.

    Rows whose cell is an error get it reported and are marked in `bad`; their value is None.
    """
    cells = table.column(index)
    distinct = pc.unique(cells)
    resolved = [resolve(raw) for raw in distinct.to_pylist()]
    position = pc.index_in(cells, distinct).to_numpy()
    values = np.array([value for value, _ in resolved], dtype=object)[position]
    header = table.header[index]
    for k, (_, error) in enumerate(resolved):
        if error is not None:
            for i in np.flatnonzero(position == k):
                report.add(int(table.row_numbers[i]), header, "error", error)
                bad[i] = True
    return values


def _duplicate_rows(table: Table, codes, years, matcher: CityMatcher, report: Report, header: str,
                    bad: np.ndarray) -> None:  # fmt: skip
    """A city and year on a second row is an error naming the first (rows whose city or year is bad aside); the
    second row is marked in `bad`."""
    frame = pd.DataFrame({"code": codes, "year": years, "row": table.row_numbers}).dropna()
    first = frame.groupby(["code", "year"], sort=False)["row"].transform("first")
    again = frame["row"] != first
    bad[frame.index[again]] = True  # the frame keeps the rows' positions as its index
    for code, year, row, first_row in zip(frame["code"][again], frame["year"][again], frame["row"][again],
                                          first[again], strict=True):  # fmt: skip
        report.add(
            int(row),
            header,
            "error",
            Text(
                "{c} {y} 年在第 {r} 行已出现，每个城市每年只能有一行。",
                "{c} {y} already appears in row {r}; one row per city and year.",
            ).format(c=matcher.name_of(code), y=year, r=int(first_row)),
        )


# The plain forms of a number, which Arrow parses directly; anything else goes through parse_number. The digit
# limits keep them within int64 and DECIMAL(18,2) before the range checks; a longer number takes the slow path,
# which says it is too large.
_PLAIN = {
    "INTEGER": (r"^(\d{1,3}(,\d{3}){1,4}|\d{1,13})$", pa.int64()),
    "DECIMAL(18,2)": (r"^(\d{1,3}(,\d{3}){1,4}|\d{1,16})(\.\d{1,2})?$", pa.decimal128(18, 2)),
}
_DIGITS = {"INTEGER": 13, "DECIMAL(18,2)": 16}  # the most digits each form takes without separators
_NOT_REPORTED = pa.array(sorted(NOT_REPORTED))


def _numbers(table: Table, index: int, ind: registry.Indicator, report: Report, bad: np.ndarray) -> pa.Array:
    """One value column parsed: nulls where not reported (or in error, reported and marked in `bad`)."""
    raw = table.column(index)
    text = raw
    if not pc.all(pc.string_is_ascii(raw)).as_py():  # NFKC (full-width digits) changes nothing in ASCII
        text = pa.array([unicodedata.normalize("NFKC", v).strip() for v in raw.to_pylist()], pa.string())
    pattern, arrow_type = _PLAIN[ind.sql_type]
    # Digits alone are plain (and never "not reported"); only the other cells are asked the regex, which took
    # half the column's time when every cell was.
    plain = pc.and_(pc.ascii_is_decimal(text), pc.less_equal(pc.utf8_length(text), _DIGITS[ind.sql_type]))
    plain = plain.to_numpy(zero_copy_only=False).copy()
    missing = np.zeros(len(text), dtype=bool)
    rest = np.flatnonzero(~plain)
    if len(rest):
        others = text.take(pa.array(rest))
        missing[rest] = pc.is_in(pc.utf8_lower(others), _NOT_REPORTED).to_numpy(zero_copy_only=False)
        plain[rest] = pc.match_substring_regex(others, pattern).to_numpy(zero_copy_only=False) & ~missing[rest]
    parsed = pc.cast(pc.replace_substring(pc.if_else(plain, text, None), ",", ""), arrow_type)
    limit = MAX_COUNT if ind.sql_type == "INTEGER" else MAX_VALUE
    in_range = pc.fill_null(pc.less(parsed, pa.scalar(limit, arrow_type)), False).to_numpy(zero_copy_only=False)
    values = pc.if_else(in_range, parsed, None)
    others = np.flatnonzero(~missing & ~in_range)
    if len(others):  # what parse_number makes of the rest: an error, or a value in another form ("12.0", "12.500")
        cells, numbers, header = raw.to_pylist(), table.row_numbers, table.header[index]
        patched = values.to_pylist()
        for i in others:
            before = len(report.issues)
            patched[i] = parse_number(cells[i], ind, report, int(numbers[i]), header)
            bad[i] |= len(report.issues) > before
        values = pa.array(patched, arrow_type)
    return values


def _figure_columns(table: Table, report: Report) -> list[str | None] | None:
    """The meaning of each header (city, year, a value column, or None when ignored); None if unusable."""
    columns: list[str | None] = []
    for header in table.header:
        key = normalise(header)
        if key in CITY_HEADERS:
            columns.append("city")
        elif key in YEAR_HEADERS:
            columns.append("year")
        elif key in FIGURE_HEADERS:
            columns.append(FIGURE_HEADERS[key])
        elif key in IGNORED_HEADERS:
            columns.append(None)
        else:
            close = difflib.get_close_matches(key, [*FIGURE_HEADERS, "city", "year"], n=1, cutoff=0.6)
            hint = Text("（是否应为“{h}”？）", " (did you mean '{h}'?)").format(h=close[0]) if close else Text("", "")
            report.add(
                table.header_row,
                header or "—",
                "error",
                Text(
                    "无法识别的列“{c}”{hint}。为免数据被悄悄丢弃，请改正列名或删除该列。",
                    "Unknown column '{c}'{hint}. Correct the header or remove the column, so that no data is lost "
                    "silently.",
                ).format(c=header, hint=hint),
            )
            columns.append(None)
    _check_columns(table, columns, {"city": Text("城市", "city"), "year": Text("年份", "year")}, report)
    if not any(c in FIGURE_HEADERS.values() for c in columns) and "city" in columns:
        report.add(table.header_row, None, "error", Text("没有任何指标列。", "There is no indicator column."))
    return columns if report.ok else None


def _check_columns(table: Table, columns: list[str | None], needed: dict[str, Text], report: Report) -> None:
    """Every needed column present (needed: column -> how to name it), none twice."""
    for column, label in needed.items():
        if column not in columns:
            report.add(
                table.header_row, None, "error", Text("缺少“{c}”列。", "The '{c}' column is missing.").format(c=label)
            )
    _duplicate_columns(table, columns, report)


def _duplicate_columns(table: Table, columns: list[str | None], report: Report) -> None:
    """Two headers meaning the same column would let one silently win: an error."""
    for column in dict.fromkeys(c for c in columns if c):
        headers = [table.header[i] for i, c in enumerate(columns) if c == column]
        if len(headers) > 1:
            report.add(
                table.header_row,
                headers[-1],
                "error",
                Text(
                    "列“{h}”与“{o}”是同一列，只能出现一次。", "Columns '{h}' and '{o}' are the same column; keep one."
                ).format(h=headers[-1], o=headers[0]),
            )


def _ragged_rows(report: Report, table: Table) -> np.ndarray:
    """Rows with more cells than the header (a value would land under the wrong column), reported as errors; a
    boolean mask over the rows."""
    header = table.header
    ragged = np.zeros(len(table), dtype=bool)
    for column in table.columns[len(header) :]:
        ragged |= pc.not_equal(column, "").to_numpy(zero_copy_only=False)
    if table.too_long:
        ragged |= np.isin(table.row_numbers, list(table.too_long))
    for i in np.flatnonzero(ragged):
        number = int(table.row_numbers[i])
        report.add(
            number,
            None,
            "error",
            Text(
                "这一行有 {n} 个单元格，但表头只有 {m} 列。",
                "This row has {n} cells but the header has only {m} columns.",
            ).format(n=table.too_long.get(number, len(table.columns)), m=len(header)),
        )
    return ragged


def _year_value(raw: str, last_year: int) -> tuple[int | None, Text | None]:
    """The year a cell holds, or the error saying why it holds none."""
    text = unicodedata.normalize("NFKC", raw).strip().removesuffix("年")
    if not re.fullmatch(r"\d{4}", text) or not queries.MIN_YEAR <= int(text) <= last_year:
        return None, Text(
            "年份“{v}”无效：应为 {a} 至 {b} 之间的四位数年份。",
            "Year '{v}' is not valid: it must be a year from {a} to {b}.",
        ).format(v=raw, a=queries.MIN_YEAR, b=last_year)
    return int(text), None


def parse_number(raw: str, ind: registry.Indicator, report: Report, number: int, column: str):
    """A reported value: None for 'not reported', an int for counts, a Decimal for amounts; errors to report."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if text.lower() in NOT_REPORTED:
        return None

    def error(message: Text, **values) -> None:
        report.add(number, column, "error", message.format(v=raw, **values))

    if text.startswith(("=", "+", "@")):
        return error(
            Text("“{v}”是公式或表达式，不是数值；请填写数值。", "'{v}' is a formula, not a number; enter the value.")
        )
    if text.startswith("-") and NUMBER.fullmatch(text[1:]):
        return error(Text("数值不能为负：“{v}”。", "The value must not be negative: '{v}'."))
    if not NUMBER.fullmatch(text):
        hint = (
            Text("（小数点请用“.”，千分位用“,”）", " (use '.' for decimals and ',' only between thousands)")
            if "," in text
            else Text("", "")
        )
        return error(Text("“{v}”不是数值{h}。", "'{v}' is not a number{h}."), h=hint)
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return error(Text("“{v}”不是数值。", "'{v}' is not a number."))
    if value >= (MAX_COUNT if ind.sql_type == "INTEGER" else MAX_VALUE):
        return error(Text("数值“{v}”大得不合理。", "The value '{v}' is implausibly large."))
    if ind.sql_type == "INTEGER":
        if value != value.to_integral_value():
            return error(Text("“{v}”应为整数。", "'{v}' must be a whole number."))
        return int(value)
    if value != value.quantize(Decimal("0.01")):
        return error(Text("“{v}”最多保留两位小数。", "'{v}' has more than two decimal places."))
    return value.quantize(Decimal("0.01"))


def _warn_jumps(cur: queries.Cursor, report: Report, headers: dict[str, str]) -> None:
    """Warn about values ten times (or a tenth of) the same city's figure the year before, as the file or else the
    database has it (headers: column -> its header in the file)."""
    rows = report.rows
    if rows is None or rows.empty:
        return
    for column, row, new, old in queries.jumps(cur, rows, list(headers), JUMP):
        report.add(
            row,
            headers[column],
            "warning",
            Text(
                "{v} 与上年的 {o} 相差十倍以上，请核对。",
                "{v} is more than ten times different from last year's {o}; please check.",
            ).format(v=new, o=old),
        )


class CityMatcher:
    """Finds a city by code, Chinese name (with or without 市/区) or English name."""

    def __init__(self, cities: pd.DataFrame):
        self._names = dict(zip(cities["city_code"], cities["name_zh"], strict=True))
        self._index: dict[str, set[str]] = {}
        for code, zh, en in zip(cities["city_code"].tolist(), cities["name_zh"].tolist(), cities["name_en"].tolist(),
                                strict=True):  # fmt: skip
            name = normalise(zh)
            for key in {normalise(code), name, normalise(_short(zh)), normalise(en)}:
                self._index.setdefault(key, set()).add(code)

    def name_of(self, code: str) -> str:
        """The Chinese name of a code."""
        return self._names.get(code, code)

    def resolve(self, raw: str) -> tuple[str | None, Text | None]:
        """The code the cell names, or the error saying why it names none (ambiguous: the candidates; unknown:
        the closest names)."""
        key = normalise(raw)
        if not key:
            return None, Text("城市不能为空。", "The city is missing.")
        found = self._index.get(key) or self._index.get(normalise(_short(raw)))
        if found and len(found) == 1:
            return next(iter(found)), None
        if found:
            names = "、".join(f"{self._names[c]}（{c}）" for c in sorted(found))
            return None, Text(
                "“{v}”可指多个城市：{n}。请填写城市代码。", "'{v}' could be any of: {n}. Use the city code."
            ).format(v=raw, n=names)
        close = difflib.get_close_matches(key, list(self._index), n=3, cutoff=0.5)
        hint = "、".join(dict.fromkeys(self._names[c] for k in close for c in self._index[k]))
        message = (
            Text("未知城市“{v}”。最接近的是：{h}。", "Unknown city '{v}'. The closest are: {h}.")
            if hint
            else Text("未知城市“{v}”。", "Unknown city '{v}'.")
        )
        return None, message.format(v=raw or "—", h=hint)


def looks_like_formula(text: str) -> bool:
    """Text a spreadsheet would run as a formula (=, +, -, @ first): refused as a name or title."""
    return text.startswith(FORMULA_START)


def _short(name: str) -> str:
    name = unicodedata.normalize("NFKC", name).strip()
    return name[:-1] if len(name) > 2 and name[-1] in "市区" else name


# --- cities -----------------------------------------------------------------------------------------------------


def validate_cities(cur: queries.Cursor, table: Table) -> Report:
    """Check a cities table: every column of the data contract, unique codes and names, valid values."""
    report = Report(kind="cities")
    lookup = {normalise(a): column for column, aliases in CITY_COLUMNS.items() for a in aliases}
    columns = []
    for header in table.header:
        key = normalise(header)
        if key in IGNORED_HEADERS:
            columns.append(None)
        elif key in lookup:
            columns.append(lookup[key])
        else:
            report.add(
                table.header_row, header, "error", Text("无法识别的列“{c}”。", "Unknown column '{c}'.").format(c=header)
            )
            columns.append(None)
    _check_columns(table, columns, {c: Text(c, c) for c in CITY_COLUMNS}, report)
    if not report.ok:
        return report
    if not len(table):
        report.add(None, None, "error", Text("文件只有表头，没有数据行。", "The file has a header but no data rows."))
        return report
    parsed, codes, names = [], {}, {}
    stored = queries.list_cities(cur)
    stored_names = dict(zip(stored["name_zh"], stored["city_code"], strict=True))
    ragged = _ragged_rows(report, table)
    for number, cells, skip in zip(table.row_numbers.tolist(), table.rows, ragged, strict=True):
        if skip:
            continue
        before = len(report.issues)
        row = {c: (cells[i] if i < len(cells) else "") for i, c in enumerate(columns) if c}
        header = {c: table.header[i] for i, c in enumerate(columns) if c}
        _check_city_row(row, header, report, number)
        for field_, seen in (("city_code", codes), ("name_zh", names)):
            if row[field_] in seen:
                report.add(
                    number,
                    header[field_],
                    "error",
                    Text("“{v}”与第 {r} 行重复。", "'{v}' repeats row {r}.").format(v=row[field_], r=seen[row[field_]]),
                )
            seen.setdefault(row[field_], number)
        owner = stored_names.get(row["name_zh"])
        if owner not in (None, row["city_code"]):
            report.add(
                number,
                header["name_zh"],
                "error",
                Text("名称“{v}”已属于城市 {c}。", "The name '{v}' already belongs to city {c}.").format(
                    v=row["name_zh"], c=owner
                ),
            )
        if len(report.issues) == before:
            parsed.append({"row": number, **row})
    report.rows = pd.DataFrame(parsed, columns=["row", *CITY_COLUMNS])
    return report


def _check_city_row(row: dict, header: dict, report: Report, number: int) -> None:
    """Check and convert one cities row in place."""

    def error(column: str, message: Text, **values) -> None:
        report.add(number, header[column], "error", message.format(v=row[column], **values))

    for column in ("city_code", "name_zh", "name_en", "province_zh", "province_en"):
        row[column] = unicodedata.normalize("NFKC", row[column]).strip() if column != "name_zh" else row[column].strip()
        if not row[column]:
            error(column, Text("不能为空。", "Must not be empty."))
        elif looks_like_formula(row[column]):
            error(column, Text("“{v}”像是公式，不能作为名称。", "'{v}' looks like a formula, not a name."))
    if row["city_code"] and not re.fullmatch(r"\d{6}|P\d{4}", row["city_code"]):
        error(
            "city_code",
            Text(
                "代码“{v}”应为6位行政区划代码或园区代码（如 P0001）。",
                "Code '{v}' must be 6 digits or a park code such as P0001.",
            ),
        )
    row["region"] = row["region"].strip().lower()
    if row["region"] not in queries.REGIONS:
        error(
            "region",
            Text(
                "地区“{v}”应为 east、central、west 或 northeast。",
                "Region '{v}' must be east, central, west or northeast.",
            ),
        )
    row["kind"] = row["kind"].strip().lower()
    if row["kind"] not in queries.KINDS:
        error("kind", Text("类型“{v}”应为 city 或 park。", "Kind '{v}' must be city or park."))
    for column, low, high in (("batch", 1, 99), ("designated_year", queries.MIN_YEAR, queries.max_year())):
        text = unicodedata.normalize("NFKC", row[column]).strip()
        if not re.fullmatch(r"\d+", text) or not low <= int(text) <= high:
            error(column, Text("“{v}”应为 {a} 至 {b} 之间的整数。", "'{v}' must be a whole number from {a} to {b}."),
                  a=low, b=high)  # fmt: skip
        else:
            row[column] = int(text)
    for column, low, high in (("lat", -90, 90), ("lon", -180, 180)):
        text = unicodedata.normalize("NFKC", row[column]).strip()
        value = float(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else None
        if value is None or not low <= value <= high:
            error(
                column,
                Text("“{v}”应为 {a} 至 {b} 之间的数。", "'{v}' must be a number from {a} to {b}."),
                a=low,
                b=high,
            )
        else:
            row[column] = value


# --- events -----------------------------------------------------------------------------------------------------


def _whole_header(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).strip().lower())


_EVENT_WHOLE = {_whole_header(a): column for column, aliases in EVENT_COLUMNS.items() for a in aliases}
_EVENT_SHORT = {normalise(a): column for column, aliases in EVENT_COLUMNS.items() for a in aliases}


def event_column(header: str) -> str | None:
    """The events column a header names (event_date, title_zh, title_en), or None."""
    return _EVENT_WHOLE.get(_whole_header(header)) or _EVENT_SHORT.get(normalise(header))


def validate_events(cur: queries.Cursor, table: Table) -> Report:
    """Check an events table: a date and both titles per row, one row per date and Chinese title, at least one row."""
    report = Report(kind="events")
    columns = []
    for header in table.header:
        column = event_column(header)
        if column is None and normalise(header) not in IGNORED_HEADERS:
            report.add(
                table.header_row,
                header or "—",
                "error",
                Text(
                    "无法识别的列“{c}”。事件文件的列为：日期、事件（中文）、事件（英文）。",
                    "Unknown column '{c}'. An events file has the columns date, title_zh and title_en.",
                ).format(c=header),
            )
        columns.append(column)
    needed = {"event_date": Text("日期", "date"), "title_zh": Text("事件（中文）", "title_zh"),
              "title_en": Text("事件（英文）", "title_en")}  # fmt: skip
    _check_columns(table, columns, needed, report)
    if not report.ok:
        return report
    if not len(table):
        report.add(
            None,
            None,
            "error",
            Text(
                "文件只有表头，没有事件。事件文件会替换整个事件列表，为免误删，不接受空文件。",
                "The file has a header but no data rows. An events file replaces the whole list of events, so an "
                "empty one is refused rather than wiping the list.",
            ),
        )
        return report
    last_year = queries.max_year()
    parsed, seen = [], {}
    ragged = _ragged_rows(report, table)
    for number, cells, skip in zip(table.row_numbers.tolist(), table.rows, ragged, strict=True):
        if skip:
            continue
        before = len(report.issues)
        cell = {c: (cells[i] if i < len(cells) else "") for i, c in enumerate(columns) if c}
        header = {c: table.header[i] for i, c in enumerate(columns) if c}
        when = _event_date(cell["event_date"], report, number, header["event_date"], last_year)
        title_zh = _event_title(cell["title_zh"].strip(), report, number, header["title_zh"])
        title_en = _event_title(unicodedata.normalize("NFKC", cell["title_en"]).strip(), report, number,
                                header["title_en"])  # fmt: skip
        if when and title_zh:
            if (when, title_zh) in seen:
                report.add(
                    number,
                    header["title_zh"],
                    "error",
                    Text(
                        "{d}“{t}”与第 {r} 行重复：同一天的同一事件只能有一行。",
                        "'{t}' on {d} repeats row {r}; one row per event and date.",
                    ).format(d=when.isoformat(), t=title_zh, r=seen[(when, title_zh)]),
                )
            seen.setdefault((when, title_zh), number)
        if len(report.issues) == before:
            parsed.append({"row": number, "event_date": when, "title_zh": title_zh, "title_en": title_en})
    report.rows = pd.DataFrame(parsed, columns=["row", "event_date", "title_zh", "title_en"])
    return report


def _event_date(raw: str, report: Report, number: int, column: str, last_year: int) -> date | None:
    """The date a cell holds, or None after reporting why not."""
    text = unicodedata.normalize("NFKC", raw).strip()
    match = DATE.fullmatch(text)
    when = None
    if match:
        numbered = match.group(1, 3, 4) if match.group(1) else match.group(5, 6, 7)
        with contextlib.suppress(ValueError):  # no such day, such as 2023-02-30
            when = date(*map(int, numbered))
    if when is None:
        report.add(
            number,
            column,
            "error",
            Text(
                "日期“{v}”无效：请写成 2016-05-30 这样的日期。",
                "Date '{v}' is not valid: write a date such as 2016-05-30.",
            ).format(v=raw or "—"),
        )
        return None
    if not queries.MIN_YEAR <= when.year <= last_year:
        report.add(
            number,
            column,
            "error",
            Text(
                "日期“{v}”的年份应在 {a} 至 {b} 之间。", "Date '{v}' is not valid: its year must be from {a} to {b}."
            ).format(v=raw, a=queries.MIN_YEAR, b=last_year),
        )
        return None
    return when


def _event_title(text: str, report: Report, number: int, column: str) -> str | None:
    """A title as stored, or None after reporting why it cannot be."""
    if not text:
        report.add(number, column, "error", Text("标题不能为空。", "The title is missing."))
        return None
    if looks_like_formula(text):
        report.add(
            number,
            column,
            "error",
            Text("“{v}”像是公式，不能作为标题。", "'{v}' looks like a formula, not a title.").format(v=text),
        )
        return None
    if len(text) > MAX_TITLE:
        report.add(
            number,
            column,
            "error",
            Text("标题有 {n} 个字，最多 {m} 个。", "The title has {n} characters; at most {m} are allowed.").format(
                n=len(text), m=MAX_TITLE
            ),
        )
        return None
    return text
