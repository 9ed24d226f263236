"""Cities: the list of pilot cities and parks, every column of the cities table, a row per pilot."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import pandas as pd

from ...domain.cells import looks_like_formula
from ...domain.i18n import Text
from ...domain.programme import CITY_FIELDS, KINDS, MIN_YEAR, REGIONS, max_year
from ...store.cities import city_rows, list_cities
from ...store.history import CHANGE_COLUMNS, apply_history
from ...store.transactions import Cursor
from ..checks import IGNORED_HEADERS, blank_header, check_columns, keyed_rows, normalise
from ..kind import CellKind, cell_change
from ..report import Report
from ..table import Table

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


_LOOKUP = {normalise(a): column for column, aliases in CITY_COLUMNS.items() for a in aliases}


def check_cities(cur: Cursor, table: Table) -> Report:
    """Check a cities table: every column of the data contract, unique codes and names, valid values."""
    report = Report.of(CitiesKind.name, table)
    lookup = _LOOKUP
    columns: list[str | None] = []
    for i, header in enumerate(table.header):
        key = normalise(header)
        if key in IGNORED_HEADERS or blank_header(table, i, report):
            columns.append(None)
        elif key in lookup:
            columns.append(lookup[key])
        else:
            report.add(
                table.header_row, header, "error", Text("无法识别的列“{c}”。", "Unknown column '{c}'.").format(c=header)
            )
            columns.append(None)
    check_columns(table, columns, {c: Text(c, c) for c in CITY_COLUMNS}, report)
    if not report.ok:
        return report
    if not len(table):
        report.add(None, None, "error", Text("文件只有表头，没有数据行。", "The file has a header but no data rows."))
        return report
    parsed: list[dict] = []
    codes: dict[str, int] = {}
    names: dict[str, int] = {}
    stored = list_cities(cur)
    stored_names = dict(zip(stored["name_zh"], stored["city_code"], strict=True))
    for number, row, headers in keyed_rows(report, table, columns):
        before = report.errors
        _check_city_row(row, headers, report, number)
        for field_, seen in (("city_code", codes), ("name_zh", names)):
            if row[field_] in seen:
                report.add(
                    number,
                    headers[field_],
                    "error",
                    Text("“{v}”与第 {r} 行重复。", "'{v}' repeats row {r}.").format(v=row[field_], r=seen[row[field_]]),
                )
            seen.setdefault(row[field_], number)
        owner = stored_names.get(row["name_zh"])
        if owner not in (None, row["city_code"]):
            report.add(
                number,
                headers["name_zh"],
                "error",
                Text("名称“{v}”已属于城市 {c}。", "The name '{v}' already belongs to city {c}.").format(
                    v=row["name_zh"], c=owner
                ),
            )
        if report.errors == before:
            parsed.append({"row": number, **row})
    report.rows = pd.DataFrame(parsed, columns=["row", *CITY_COLUMNS])
    return report


def _check_city_row(row: dict, header: dict[str, str], report: Report, number: int) -> None:
    """Check and convert one cities row in place."""

    def error(column: str, message: Text, **values: object) -> None:
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
    if row["region"] not in REGIONS:
        error(
            "region",
            Text(
                "地区“{v}”应为 east、central、west 或 northeast。",
                "Region '{v}' must be east, central, west or northeast.",
            ),
        )
    row["kind"] = row["kind"].strip().lower()
    if row["kind"] not in KINDS:
        error("kind", Text("类型“{v}”应为 city 或 park。", "Kind '{v}' must be city or park."))
    for column, low, high in (("batch", 1, 99), ("designated_year", MIN_YEAR, max_year())):
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


class CitiesKind(CellKind):
    """The pilot cities and parks."""

    name = "cities"
    label = Text("城市名单", "cities")
    what = Text("城市名单（cities 表的各列）", "a cities list (the cities table's columns)")

    def recognises(self, header: Sequence[str]) -> bool:
        """A code, a Chinese name and at least one column that describes a pilot (province, region, kind, …)."""
        keys = {normalise(h) for h in header}
        described = any(keys & CITY_COLUMNS[c] for c in ("province_zh", "region", "kind", "batch", "designated_year"))
        return bool(keys & CITY_COLUMNS["city_code"] and keys & CITY_COLUMNS["name_zh"] and described)

    def knows(self, cell: str) -> bool:
        """One of the cities table's columns."""
        return normalise(cell) in _LOOKUP

    def check(self, cur: Cursor, table: Table) -> Report:
        """See check_cities."""
        return check_cities(cur, table)

    def changes(self, cur: Cursor, report: Report) -> pd.DataFrame:
        """Every cell of every row of the file against the stored city (all new for a city not stored)."""
        stored = city_rows(cur).set_index("city_code")
        out = []
        for r in report.parsed().itertuples():
            exists = r.city_code in stored.index
            old_upload = _int_or_none(stored.at[r.city_code, "upload_id"]) if exists else None
            for column in CITY_FIELDS:
                old = stored.at[r.city_code, column] if exists else None
                out.append(cell_change(r.row, "cities", r.city_code, None, column, old, getattr(r, column), old_upload,
                                       not exists))  # fmt: skip
        return pd.DataFrame(out, columns=[*CHANGE_COLUMNS], dtype=object)

    def _apply(self, cur: Cursor, report: Report, upload_id: int) -> None:
        apply_history(cur, upload_id)


def _int_or_none(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]


CITIES = CitiesKind()
