"""Data out, safe to open in Excel: CSV in UTF-8 with a BOM and XLSX, formula-like text neutralised, numbers kept
as numbers. The CLI's `export`, the app's download buttons and the upload templates all write through here."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import date, datetime

import pandas as pd

from ..domain import registry
from ..domain.cells import is_missing, looks_like_formula
from ..domain.i18n import Text
from ..domain.programme import Scope
from ..store.cities import list_cities
from ..store.exports import EXPORT_TABLES, table_rows
from ..store.series import series
from ..store.transactions import Cursor

FORMATS = ("csv", "xlsx")
PROGRAMME = Text("全部试点", "All pilots")


def neutralise(value):
    """Text that a spreadsheet would run as a formula, prefixed with an apostrophe; anything else unchanged."""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def _cell(value):
    """A value as a spreadsheet cell: missing values blank, whole floats as integers, text neutralised."""
    if is_missing(value) or value is pd.NaT:
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (int, float, date, datetime)):
        return value
    return neutralise(str(value))


def _rows(frame: pd.DataFrame) -> list[list]:
    return [[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]


def csv_bytes(frame: pd.DataFrame, source: str = "") -> bytes:
    """The frame as CSV in UTF-8 with a BOM (so Excel on Chinese Windows keeps the characters), CRLF lines; a
    `source` line (which data it is) under it after a blank line, as a statistical table says its source."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(str(c)) for c in frame.columns])
    writer.writerows(_rows(frame))
    if source:
        writer.writerows([[], [neutralise(source)]])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def xlsx_bytes(frame: pd.DataFrame, sheet: str = "data", source: str = "") -> bytes:
    """The frame as an XLSX workbook: bold frozen header, text cells stored as text, numbers as numbers; a `source`
    line under the table after a blank row."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = _sheet_title(sheet)
    ws.append([neutralise(str(c)) for c in frame.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in _rows(frame):
        ws.append(row)
    if source:
        ws.append([])
        ws.append([neutralise(source)])
        ws.cell(ws.max_row, 1).font = Font(italic=True, color="666666")
    for row in ws.iter_rows(min_row=1):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula
            elif isinstance(cell.value, datetime | date):
                cell.number_format = "yyyy-mm-dd"
    for i, column in enumerate(frame.columns, start=1):
        longest = max([_width(str(column)), *(_width(str(v)) for v in frame.iloc[:200, i - 1] if v is not None)])
        ws.column_dimensions[get_column_letter(i)].width = min(max(10, longest + 2), 60)
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _sheet_title(name: str) -> str:
    # Excel forbids these characters in sheet names and allows at most 31 characters.
    return "".join(" " if ch in "[]:*?/\\" else ch for ch in name)[:31] or "data"


def to_bytes(frame: pd.DataFrame, file_format: str, sheet: str = "data", source: str = "") -> bytes:
    """The frame in `file_format` ('csv' or 'xlsx'), with a `source` line under it if given."""
    if file_format == "csv":
        return csv_bytes(frame, source)
    if file_format == "xlsx":
        return xlsx_bytes(frame, sheet, source)
    raise ValueError(f"unknown format {file_format!r}")


MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "svg": "image/svg+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def export_names() -> tuple[str, ...]:
    """What `export` accepts: the contract tables, then every indicator key."""
    return tuple(dict.fromkeys((*EXPORT_TABLES, *registry.KEYS)))


def export_frame(
    cur: Cursor,
    name: str,
    cities: tuple[str, ...] = (),
    years: tuple[int, int] | None = None,
    *,
    as_table: bool = True,
) -> pd.DataFrame:
    """The data behind `export NAME`: a table as stored, or an indicator's yearly values (`agreements` names
    both; as_table=False reads it as the indicator).

    An indicator gives one row per city and year (all pilots, or `cities`), then the programme total (city_code
    blank) unless cities are named; columns city_code, name_zh, name_en, year, <key>, cities_reporting.
    """
    if as_table and name in EXPORT_TABLES:
        return table_rows(cur, name)
    ind = registry.get(name)
    listed = list_cities(cur)
    scope = Scope(cities=tuple(cities)) if cities else None
    per_city = series(cur, ind.key, scope, per_city=True, years=years)
    parts = [per_city]
    if not cities:
        total = series(cur, ind.key, years=years)
        parts.append(total.assign(city_code=""))
    frame = pd.concat(parts, ignore_index=True)
    names = listed.set_index("city_code")
    frame["name_zh"] = frame["city_code"].map(names["name_zh"]).fillna(PROGRAMME.zh)
    frame["name_en"] = frame["city_code"].map(names["name_en"]).fillna(PROGRAMME.en)
    frame[ind.key] = frame["value"].round(9)
    return frame[["city_code", "name_zh", "name_en", "year", ind.key, "reporting"]].rename(
        columns={"reporting": "cities_reporting"}
    )


def events_csv(cur: Cursor) -> bytes:
    """The events list as CSV, as the Upload page offers it to edit and upload again."""
    return csv_bytes(export_frame(cur, "events"))
