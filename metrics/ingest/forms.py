"""The collection round's forms: one workbook per pilot for a year, which the import reads back as an ordinary
yearly-figures file.

The pilot's code, name and year are filled in and locked; its value cells are open, with Excel's data validation
(whole numbers for counts, decimals for amounts, never negative) so that Excel and WPS refuse a bad entry as it is
typed; last year's figures stand beside them under headers marked （参考）/(reference), which the import never reads;
an instructions sheet says how to fill it in.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from ..domain import registry
from ..domain.i18n import Text
from ..domain.roles import Actor, require
from ..store.cities import list_cities
from ..store.database import Database
from ..store.figures import year_values
from ..store.rounds import Round, save_round, set_closed
from ..store.transactions import Cursor, transaction
from .templates import NOTES_HEADER, YEAR_HEADER

CODE_HEADER = Text("城市代码", "city_code")
NAME_HEADER = Text("名称（参考）", "Name (reference)")
TITLE = Text("{y} 年度试点城市（园区）工作数据填报表：{n}", "Pilot figures for {y}: {n}")
REFERENCE = Text("{y} 年{l}（参考）", "{l}, {y} (reference)")
VALUE_ERROR = Text("请填写不小于 0 的{w}，不报送请留空。", "Enter a {w} of 0 or more; leave it blank if not reported.")
WHOLE = Text("整数", "whole number")
DECIMAL = Text("数字（最多两位小数）", "number (at most two decimals)")


@dataclass(frozen=True)
class Form:
    """One pilot's form: its file name and the workbook's bytes."""

    city_code: str
    file_name: str
    content: bytes


def open_round(database: Database, round_: Round, by: Actor | None) -> None:
    """Open a year's round (the forms going out), or change its indicators and due date; refused unless `by` may
    edit."""
    actor = require(by, "edit")
    with database.write_lock, database.cursor() as cur, transaction(cur):
        save_round(cur, round_, actor.name)


def close_round(database: Database, year: int, by: Actor | None) -> None:
    """Mark a year's round closed: its figures are no longer provisional (pages, the index and the deck may default
    to the year); refused unless `by` is an admin."""
    actor = require(by, "admin")
    with database.write_lock, database.cursor() as cur, transaction(cur):
        set_closed(cur, year, True, actor.name)


def reopen_round(database: Database, year: int, by: Actor | None) -> None:
    """Open a closed round again (its year being collected once more); refused unless `by` is an admin."""
    actor = require(by, "admin")
    with database.write_lock, database.cursor() as cur, transaction(cur):
        set_closed(cur, year, False, actor.name)


def form_name(city_code: str, year: int) -> str:
    """A pilot's form's file name, as `round forms` writes it and the import recognises it."""
    return f"{city_code}_{year}.xlsx"


def write_forms(
    cur: Cursor, round_: Round, lang: str, codes: Iterable[str] | None = None, prefilled: bool = False
) -> list[Form]:
    """The round's form for each pilot designated by its year (or those of `codes`), in `lang`; `prefilled` puts
    the pilot's stored figures for the year in the value cells (a form sent back for corrections)."""
    cities = list_cities(cur)
    cities = cities[cities["designated_year"] <= round_.year]
    if codes is not None:
        cities = cities[cities["city_code"].isin(set(codes))]
    last = year_values(cur, round_.year - 1).set_index("city_code")
    this = year_values(cur, round_.year).set_index("city_code") if prefilled else pd.DataFrame()
    forms = []
    for pilot in cities.to_dict("records"):
        code = pilot["city_code"]
        content = _workbook(round_, lang, pilot, _values(last, code), _values(this, code))
        forms.append(Form(code, form_name(code, round_.year), content))
    return forms


def round_zip(cur: Cursor, round_: Round, lang: str) -> bytes:
    """Every pilot's form of the round, in `lang`, as one zip (the Collection round page's download)."""
    return forms_zip(write_forms(cur, round_, lang))


def prefilled_form(cur: Cursor, round_: Round, lang: str, code: str) -> bytes:
    """One pilot's form with its stored figures for the year filled in, sent back for corrections."""
    return write_forms(cur, round_, lang, codes=[code], prefilled=True)[0].content


def _values(frame: pd.DataFrame, code: str) -> dict[str, object]:
    if code not in frame.index:
        return {}
    return {k: v for k, v in frame.loc[code].items() if v is not None and not pd.isna(v)}


def forms_zip(forms: list[Form]) -> bytes:
    """Every form in one zip (names as UTF-8, which Windows 10 and later unpack correctly)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for form in forms:
            archive.writestr(form.file_name, form.content)
    return out.getvalue()


def _workbook(round_: Round, lang: str, pilot: dict, last: dict[str, object], this: dict[str, object]) -> bytes:
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    indicators = [registry.base(k) for k in round_.indicators]
    year, name = round_.year, pilot[f"name_{lang}"]
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = Text("{y}年报表", "Figures {y}").format(y=year)(lang)
    header: list[str] = [CODE_HEADER(lang), NAME_HEADER(lang), YEAR_HEADER(lang)]
    row: list[object] = [pilot["city_code"], name, year]
    value_columns: dict[int, registry.BaseIndicator] = {}
    for ind in indicators:
        value_columns[len(header) + 1] = ind
        header += [ind.header_zh if lang == "zh" else ind.header_en,
                   REFERENCE.format(y=year - 1, l=ind.label_zh if lang == "zh" else ind.label_en)(lang)]  # fmt: skip
        row += [this.get(ind.key), last.get(ind.key)]
    header.append(NOTES_HEADER(lang))
    row.append(None)
    ws.append([TITLE.format(y=year, n=name)(lang)])
    ws.append(header)
    ws.append(row)
    ws["A1"].font = Font(bold=True, size=13)
    open_fill, reference_fill = PatternFill("solid", fgColor="FFF7D6"), PatternFill("solid", fgColor="EEEEEE")
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for column, ind in value_columns.items():
        value = ws.cell(3, column)
        value.protection = Protection(locked=False)
        value.fill = open_fill
        value.number_format = "0.00" if ind.decimals else "0"
        ws.cell(3, column + 1).fill = reference_fill
        ws.cell(3, column + 1).number_format = value.number_format
        check = DataValidation(
            type="decimal" if ind.decimals else "whole",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=ind.label_zh if lang == "zh" else ind.label_en,
            error=VALUE_ERROR.format(w=DECIMAL if ind.decimals else WHOLE)(lang),
        )
        ws.add_data_validation(check)
        check.add(value.coordinate)
    notes = ws.cell(3, len(header))
    notes.protection = Protection(locked=False)
    notes.fill = open_fill
    for i, text in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, min(28, len(text) * (2 if lang == "zh" else 1)))
    ws.row_dimensions[2].height = 36
    ws.freeze_panes = "D3"
    ws.protection.sheet = True  # no password: it guards against slips, not against the pilot
    _instructions(book.create_sheet(Text("填报说明", "Instructions")(lang)), round_, lang, indicators)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _instructions(ws, round_: Round, lang: str, indicators: list[registry.BaseIndicator]) -> None:
    from openpyxl.styles import Alignment, Font

    due = (
        Text("请于 {d} 前交回。", "Please return it by {d}.").format(d=round_.due.isoformat())
        if round_.due
        else Text("请尽快交回。", "Please return it as soon as you can.")
    )
    lines = [
        Text("{y} 年度数据填报说明", "How to fill in the {y} figures").format(y=round_.year),
        Text(
            "只填写黄色单元格：每个指标填 {y} 年全年的数值。城市代码、名称和年份已填好并锁定，请勿改动。",
            "Fill in the yellow cells only: each indicator's value for the whole of {y}. The city code, name and "
            "year are filled in and locked; do not change them.",
        ).format(y=round_.year),
        Text(
            "灰色的“（参考）”列是 {p} 年已报送的数值，仅供对照，不会作为 {y} 年的数据导入。",
            "The grey '(reference)' columns hold the figures reported for {p}, for comparison only; they are never "
            "read as {y}'s.",
        ).format(p=round_.year - 1, y=round_.year),
        Text(
            "未报送的指标请留空（不要填 0）；0 表示确实为零。数量填整数，金额以万元为单位，可有两位小数。",
            "Leave an indicator blank if it is not reported (0 means none at all). Counts are whole numbers; "
            "amounts are in 10,000 CNY, with up to two decimals.",
        ),
        due,
        Text(
            "交回时请保留文件名和工作表结构。", "Keep the file name and the sheets as they are when you send it back."
        ),
        Text("", ""),
        Text("指标说明", "The indicators"),
    ]
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 90
    for i, line in enumerate(lines, start=1):
        ws.cell(i, 1, line(lang))
    ws["A1"].font = ws.cell(len(lines), 1).font = Font(bold=True)
    for k, ind in enumerate(indicators, start=len(lines) + 1):
        ws.cell(k, 1, ind.header_zh if lang == "zh" else ind.header_en)
        ws.cell(k, 2, ind.description_zh if lang == "zh" else ind.description_en)
        ws.cell(k, 2).alignment = Alignment(wrap_text=True)
