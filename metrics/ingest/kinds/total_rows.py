"""Total rows in a yearly-figures file (合计, 湖北省合计, 全省小计, Total …) and its 其中 ("of which") rows: set aside,
never read as a pilot, with a warning saying by how much each total differs from the sum of the rows it covers."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...domain import registry
from ...domain.i18n import Text
from ..checks import (
    IGNORED_HEADERS,
    is_total,
    normalise,
    quiet_number,
    year_value,
)
from ..city_matching import CityMatcher
from ..report import Report
from ..table import Table
from ..units import (
    ColumnUnit,
)


@dataclass(frozen=True)
class TotalRow:
    """A 合计 row set aside: its row number, the word it has, and its cells."""

    row: int
    word: str
    cells: tuple[str, ...]


def set_aside_totals(table: Table, columns: list[str | None], matcher: CityMatcher, report: Report
                      ) -> tuple[Table, list[TotalRow]]:  # fmt: skip
    """The table without its total rows (a city cell, or with the city blank a 序号 cell, saying 合计, 湖北省合计,
    全省小计 …), nor its 其中 rows that name no pilot (其中：高新区); a 其中 row naming one pilot is read as that
    pilot."""
    city = columns.index("city")
    labels = [city, *(i for i, c in enumerate(columns) if c is None and normalise(table.header[i]) in IGNORED_HEADERS)]
    found = np.zeros(len(table), dtype=bool)
    for i in labels:
        cells = table.column(i)
        words = [w for w in pc.unique(cells).to_pylist() if w and not w.isdigit() and is_total(w)]
        if words:
            hit = pc.is_in(cells, pa.array(words)).to_numpy(zero_copy_only=False)
            if i != city:  # a 序号 cell counts only where the city cell is blank
                hit &= pc.equal(table.column(city), "").to_numpy(zero_copy_only=False)
            found |= hit
    table, parts = _of_which(table, city, matcher, report)
    if not (found | parts).any():
        return table, []
    totals = []
    for k in np.flatnonzero(found & ~parts):
        cells = tuple(str(c[int(k)].as_py()) for c in table.columns)
        word = next((cells[i] for i in labels if i < len(cells) and cells[i] and is_total(cells[i])), cells[city])
        totals.append(TotalRow(int(table.row_numbers[k]), word, cells))
    return table.only(~(found | parts)), totals


TOTAL_DIFFERS = Text("“{h}”合计 {t}，各行之和 {s}，相差 {d}", "'{h}': total {t}, rows sum to {s}, a difference of {d}")
OF_WHICH_READ = Text(
    "“{v}”按试点{n}读取。“其中”表示它是上一行的一部分：请确认上一行的数值不含它，以免重复计算。",
    "'{v}' is read as the pilot {n}. 其中 ('of which') says it is a part of the row above: check that the row above "
    "does not include it, or it is counted twice.",
)
A_PART = Text(
    "第 {r} 行“{w}”是分项，不是试点，未读取。", "Row {r} '{w}' is a part of a row, not a pilot; it is not read."
)
_OF_WHICH = re.compile(r"^\s*其中\s*[:：,，、]?\s*")


def _of_which(table: Table, city: int, matcher: CityMatcher, report: Report) -> tuple[Table, np.ndarray]:
    """A 其中 row ("of which"): read as the pilot it names, with the 其中 dropped and a warning; naming none (其中：
    光谷生物城, a part of the row above), set aside with a warning (and the closest pilots, for a misspelt one); naming
    one ambiguously, an error with the candidates. The table, and which rows are set aside."""
    cells = table.column(city)
    parts = np.zeros(len(table), dtype=bool)
    named = [w for w in pc.unique(cells).to_pylist() if w and _OF_WHICH.match(unicodedata.normalize("NFKC", w))]
    if not named:
        return table, parts
    names = cells.to_pylist()
    for k, cell in enumerate(names):
        if cell not in named:
            continue
        row = int(table.row_numbers[k])
        rest = _OF_WHICH.sub("", unicodedata.normalize("NFKC", cell))
        code, error, _ = matcher.resolve(rest)
        if code is not None:
            names[k] = rest
            report.add(row, table.header[city], "warning", OF_WHICH_READ.format(v=cell, n=matcher.name_of(code)))
        elif len(matcher.find(rest)) > 1:
            names[k] = rest  # the check then reports the ambiguity, naming the candidates
        else:
            parts[k] = True
            said = A_PART.format(r=report.sheet_row(row), w=cell)
            report.add(row, None, "warning", said.then(error, zh="", en=" ") if error is not None else said)
    columns = list(table.columns)
    columns[city] = pa.array(names, pa.string())
    return dataclasses.replace(table, columns=tuple(columns)), parts


def by_sheet_row(totals: list[TotalRow], report: Report) -> list[list[TotalRow]]:
    """Total rows grouped by the sheet's row they are on (a reshaped table has one per year of a sheet's row)."""
    groups: dict[int, list[TotalRow]] = {}
    for total in totals:
        groups.setdefault(report.sheet_row(total.row), []).append(total)
    return list(groups.values())


def warn_total(totals: list[TotalRow], columns: list[str | None], header: Sequence[str], report: Report,
                last_year: int, units: dict[str, ColumnUnit | None], matcher: CityMatcher) -> None:  # fmt: skip
    """A warning that a total row was set aside, saying by how much its figures differ from the rows' sum (over
    the rows of its year, when it names one, and of its province, when it names one: 湖北省合计); `totals`: the
    rows it stands for (one a year when its years run across the sheet)."""
    differences = []
    word = totals[0].word
    for total in totals:
        rows = report.rows if report.rows is not None else pd.DataFrame()
        year = year_value(total.cells[columns.index("year")], last_year)[0] if "year" in columns else None
        if year is not None and len(rows):
            rows = rows[rows["year"] == year]
        province = matcher.province_in(total.word)
        if province is not None and len(rows):
            rows = rows[rows["city_code"].map(lambda c, p=province: matcher.province_of(c) == p).astype(bool)]
        for i, column in enumerate(columns):
            if column not in registry.BASE_KEYS or i >= len(total.cells) or column not in rows:
                continue
            stated = quiet_number(total.cells[i], registry.base(column), units.get(column))
            if stated is None:
                continue
            summed = rows[column].dropna().sum() if len(rows) else 0
            if Decimal(str(summed)) != Decimal(str(stated)):
                difference = Decimal(str(stated)) - Decimal(str(summed))
                what = header[i] if len(totals) == 1 or year is None else f"{header[i]} {year}"
                differences.append(TOTAL_DIFFERS.format(h=what, t=stated, s=summed, d=f"{difference:+}"))
    row = report.sheet_row(totals[0].row)
    message = Text(
        "第 {r} 行是合计行（“{w}”），未作为城市读取。", "Row {r} is a total row ('{w}'); it is not read as a city."
    ).format(r=row, w=word)
    if differences:
        message = message.then(
            Text("与上面各行不一致：", " It does not match the rows above: "),
            Text("；".join(d.zh for d in differences) + "。", "; ".join(d.en for d in differences) + "."),
        )
    report.add(totals[0].row, None, "warning", message)
