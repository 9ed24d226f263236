"""What a workbook says of its cells beyond the values calamine reads: error cells (calamine gives them as blank),
hidden rows and columns, merged ranges, and dates whose number format shows only the year ("2025", "2025年").

One function per format finds them (xlsx_marks.py; binary_marks.py for .xls and .xlsb; ods_marks.py), cheaply: a
100,000-row sheet that has none costs a few scans of its bytes. Each gives a CellMarks per sheet name; `apply`
writes the marks into the rows a reader read and `table_fields` gives what the Table keeps. Rows and columns are
counted from 0 here (row 0 is the sheet's first row, column 0 is A).
"""

from __future__ import annotations

import datetime
import posixpath
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from .table import MAX_COLUMNS, MAX_ROWS

Span = tuple[int, int]  # first, last (inclusive)
Block = tuple[int, int, int, int]  # first row, last row, first column, last column (inclusive)

# The error a cell shows, by the code .xls and .xlsb store (MS-XLS 2.5.13 BErr; MS-XLSB 2.5.97.2).
ERROR_CODES = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
               0x2A: "#N/A", 0x2B: "#GETTING_DATA"}  # fmt: skip
UNKNOWN_ERROR = "#N/A"  # an error cell whose error is not said (no code we know, no text)


@dataclass(frozen=True)
class CellMarks:
    """One sheet's marks (rows and columns counted from 0)."""

    errors: tuple[tuple[Block, str], ...] = ()  # error cells and the error they show ("#DIV/0!")
    years: tuple[tuple[Block, str], ...] = ()  # date cells whose format shows only the year, and year_template's
    hidden_rows: tuple[Span, ...] = ()
    hidden_columns: tuple[Span, ...] = ()
    merges: tuple[Block, ...] = ()
    date1904: bool = False  # the workbook counts serial dates from 1904 (old Mac Excel)


NO_MARKS = CellMarks()


# --- applying marks to what a reader read


def apply(rows: list[list], marks: CellMarks) -> list[list]:
    """The rows as read (changed in place): blank error cells given their error, year-formatted dates their year."""
    for (r1, r2, c1, c2), text in marks.errors:
        # An error cell may lie past what the value reader kept (calamine drops an .xlsb formula's error): the rows
        # grow to hold it, though never far past the limits, where the sheet is refused as too large.
        for r in range(r1, min(r2, MAX_ROWS + 1) + 1):
            while len(rows) <= r:
                rows.append([])
            row = rows[r]
            for c in range(c1, min(c2, MAX_COLUMNS) + 1):
                if len(row) <= c:
                    row.extend([""] * (c + 1 - len(row)))
                if row[c] is None or row[c] == "":
                    row[c] = text
    for (r1, r2, c1, c2), template in marks.years:
        for row in rows[r1 : r2 + 1]:
            for c in range(c1, min(c2 + 1, len(row))):
                year = _year_of(row[c], marks.date1904)
                if year is not None:
                    row[c] = template.format(f"{year:04d}", f"{year % 100:02d}")
    return rows


def table_fields(marks: CellMarks, rows: list[list]) -> dict:
    """Table's hidden_rows, hidden_columns and merges (its rows numbered from 1) for the sheet of these rows."""
    # Hidden rows and columns up to the last that holds a value: a sheet may hide the million rows below its table,
    # and so each reader's rows (openpyxl's run on over blank trailing rows, calamine's do not) give the same.
    height = next((r + 1 for r in range(len(rows) - 1, -1, -1) if _end(rows[r])), 0) if marks.hidden_rows else 0
    width = max(map(_end, rows), default=0) if marks.hidden_columns else 0
    return {
        "hidden_rows": frozenset(r + 1 for a, b in marks.hidden_rows for r in range(a, min(b, height - 1) + 1)),
        "hidden_columns": frozenset(c for a, b in marks.hidden_columns for c in range(a, min(b, width - 1) + 1)),
        "merges": tuple(sorted({(r1 + 1, r2 + 1, c1, c2) for r1, r2, c1, c2 in marks.merges})),
    }


def _end(row: list) -> int:
    """One past the row's last cell that holds a value (0 for a blank row)."""
    return next((c + 1 for c in range(len(row) - 1, -1, -1) if row[c] is not None and row[c] != ""), 0)


def _year_of(value, date1904: bool) -> int | None:
    """The year a date cell shows: calamine and openpyxl give a date, or the serial number where they do not take
    the format for a date's (e"年")."""
    if isinstance(value, datetime.date):
        return value.year
    if type(value) not in (int, float) or not 0 <= value < 2958466:  # beyond 9999-12-31 Excel shows ####
        return None
    if date1904:
        return (datetime.date(1904, 1, 1) + datetime.timedelta(days=int(value))).year
    if value < 61:  # Excel's 1900 counts a 29 February that never was
        return 1900
    return (datetime.date(1899, 12, 30) + datetime.timedelta(days=int(value))).year


# --- number formats


# Locales where `e` is the year of a local era (Taiwan's Minguo, Japan's, Korea's, Thailand's Buddhist), not 2025.
_ERA_LOCALES = {0x0404, 0x0411, 0x0412, 0x041E}
_COLOURS = {"black", "blue", "cyan", "green", "magenta", "red", "white", "yellow"}


def year_template(code: str) -> str | None:
    """A number format that shows a date as its year alone as a template ('yyyy"年"' -> "{0}年"; {1}: yy), else None."""
    parts: list[str] = []
    years = 0
    era_locale = False
    section = _first_section(code)
    i = 0
    while i < len(section):
        ch = section[i]
        if ch == '"':
            end = section.find('"', i + 1)
            if end < 0:
                return None
            parts.append(format_literal(section[i + 1 : end]))
            i = end + 1
        elif ch in "\\_*":  # an escaped character; a space as wide as one; a character repeated to fill the cell
            parts.append(format_literal(section[i + 1 : i + 2]) if ch == "\\" else " " if ch == "_" else "")
            i += 2
        elif ch == "[":
            end = section.find("]", i)
            tag = section[i + 1 : end] if end > 0 else ""
            locale = re.fullmatch(r"\$([^-]*)-([0-9A-Fa-f]{1,8})", tag)
            if locale:
                number = int(locale.group(2), 16)
                if (number >> 16) & 0xFF not in (0, 1):  # a calendar other than the Gregorian one
                    return None
                era_locale = number & 0xFFFF in _ERA_LOCALES
                parts.append(format_literal(locale.group(1)))
            elif tag.lower() not in _COLOURS and not re.fullmatch(r"(?i)color\d{1,2}", tag):
                return None  # a condition, elapsed time, [DBNum1] (Chinese numerals) …
            i = end + 1
        elif ch in "yYeE":
            run = len(section[i:]) - len(section[i:].lstrip(ch.lower() + ch.upper()))
            if ch in "eE" and section[i + run : i + run + 1] in ("+", "-"):
                return None  # scientific notation
            if ch in "eE" and era_locale:
                return None
            parts.append("{0}" if ch in "eE" or run >= 3 else "{1}")
            years += 1
            i += run
        elif (ch.isascii() and ch.isalnum()) or ch in "#?@%":
            return None  # a month, day, time, era name, digit placeholder, text …
        else:
            parts.append(format_literal(ch))
            i += 1
    return "".join(parts) if years else None


def _first_section(code: str) -> str:
    """The part of a number format for positive numbers (dates): up to the first ; outside quotes."""
    quoted = False
    for i, ch in enumerate(code):
        if ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            return code[:i]
    return code


def format_literal(text: str) -> str:
    """Text as it stands in a year_template (its braces doubled)."""
    return text.replace("{", "{{").replace("}", "}}")


def spans(numbers: Iterable[int]) -> tuple[Span, ...]:
    """Numbers as runs of consecutive ones."""
    spans: list[Span] = []
    for n in sorted(set(numbers)):
        if spans and spans[-1][1] == n - 1:
            spans[-1] = (spans[-1][0], n)
        else:
            spans.append((n, n))
    return tuple(spans)


def part_targets(archive: zipfile.ZipFile, names: dict[str, str], relationships: str) -> dict[str, str]:
    """The parts a workbook's relationships part points to, by relationship id (as the zip names each part, which
    may differ in case)."""
    from defusedxml import ElementTree

    if relationships not in names:
        return {}
    targets = {}
    for relationship in ElementTree.fromstring(archive.read(names[relationships])):
        target = relationship.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
        if path.lower() in names:
            targets[relationship.get("Id", "")] = names[path.lower()]
    return targets
