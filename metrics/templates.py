"""Blank upload templates: the yearly-figures headers in Chinese or English, one row per current pilot."""

from __future__ import annotations

import codecs
import csv
import io

from . import queries, registry
from .i18n import Text

CITY_HEADER = Text("城市", "city")
YEAR_HEADER = Text("年份", "year")
NOTES_HEADER = Text("备注", "notes")


def figures_template(cur: queries.Cursor, lang: str, year: int, file_format: str) -> bytes:
    """A yearly-figures file to fill in: a row per pilot designated by `year`, value cells blank.

    CSV is UTF-8 with a BOM, so Excel on Chinese Windows opens it with the characters intact; XLSX is a workbook.
    """
    header = [
        CITY_HEADER(lang),
        YEAR_HEADER(lang),
        *((i.header_zh if lang == "zh" else i.header_en) for i in registry.BASE_INDICATORS),
        NOTES_HEADER(lang),
    ]
    cities = queries.list_cities(cur)
    cities = cities[cities["designated_year"] <= year]
    rows = [[name, year, *([""] * len(registry.BASE_INDICATORS)), ""] for name in cities[f"name_{lang}"]]
    if file_format == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows([header, *rows])
        return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")
    if file_format == "xlsx":
        import openpyxl
        from openpyxl.styles import Font

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = str(year)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for cell in sheet["A"][1:]:
            cell.data_type = "s"  # a name is text, never a formula, whatever it starts with
        for i, title in enumerate(header, start=1):
            sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width = max(10, len(title) * 2 + 2)
        sheet.freeze_panes = "A2"
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    raise ValueError(f"unknown format {file_format!r}")
