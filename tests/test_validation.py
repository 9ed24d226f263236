"""Checking figures column by column gives what checking each cell with parse_number gives."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from metrics.domain import registry
from metrics.domain.i18n import Text
from metrics.ingest import checks, reader
from metrics.ingest.report import Report
from metrics.ingest.table import Places

CELLS = ["12", "1,234", "0", "007", "12.0", "12.50", "12.500", "１２", " 7 ", "2,147,483,646", "2147483647",
         "99999999999999999999", "1,23", "12,34.5", "-", "—", "N/A", "na", "无", "/", "", "-3", "=1+1", "+1", "@x",
         "abc", "1.2.3", "1e5", "999999999999.99", "1000000000000", "0.001", "3.14159", "1234567890123",
         "12345678901234", "1234567890123456", "12345678901234567", "1,234,567,890,123", "1,234.5", "1,234.567",
         ".5", "5.", "٣", "12 34", "0x10"]  # fmt: skip


@pytest.mark.parametrize("column", ["activities", "contract_value_10k_cny"])
def test_numbers_by_column_equal_numbers_cell_by_cell(column):
    ind = registry.get(column)
    text = "city,year,value\n" + "".join(f'x,2020,"{cell}"\n' for cell in CELLS)
    table = reader.read_table(text.encode())
    by_column = Report()
    bad = np.zeros(len(table), dtype=bool)
    values = checks.numbers(table, 2, ind, by_column, bad).to_pylist()
    for i, cell in enumerate(CELLS):
        by_cell = Report()
        expected = checks.parse_number(cell.strip(), ind, by_cell, i + 2, "value")
        assert values[i] == expected, cell
        assert bool(bad[i]) == (not by_cell.ok), cell
        assert [x.message for x in by_column.issues if x.row == i + 2] == [x.message for x in by_cell.issues], cell
    if column == "contract_value_10k_cny":
        assert values[CELLS.index("12.500")] == Decimal("12.50")


ISSUES = [(3, "对接活动（场）", Text("a", "a"), None), (None, None, Text("b", "b"), "rule-x"),
          (3, "对接活动（场）", Text("a", "a"), None), (4, "专家库人数（人）", Text("c", "c"), None)]  # fmt: skip
PLACES = Places(cells={(3, "对接活动（场）"): (12, "D")}, rows={4: 14}, hidden=frozenset({"D"}))


REPORTS = {  # a fresh report for each case
    "plain": dict(),
    "sheet": dict(sheet="Sheet1"),
    "hidden row": dict(hidden_rows=frozenset({4})),
    "hidden column": dict(hidden_columns=frozenset({"对接活动（场）"})),
    "reshaped": dict(places=PLACES, hidden_columns=PLACES.hidden, sheet="表1"),
}


@pytest.mark.parametrize("case", REPORTS)
@pytest.mark.parametrize("level", ["warning", "error"])
def test_issues_added_at_once_are_those_added_one_by_one(case, level):
    at_once, one_by_one = Report(**REPORTS[case]), Report(**REPORTS[case])
    for row, column, message, rule in ISSUES:
        one_by_one.add(row, column, level, message, rule)
    at_once.add_all(ISSUES, level)
    assert at_once.issues == one_by_one.issues
    assert at_once.errors == one_by_one.errors
