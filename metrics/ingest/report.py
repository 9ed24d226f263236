"""What checking a file found: its issues (row as the spreadsheet shows it, column, level, message in Chinese and
English) and the rows it could parse. Checks never raise for bad input; they add to a report."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from ..domain.i18n import Text
from .table import Places, Table, column_letter

Level = Literal["error", "warning"]


HIDDEN_ROW = Text("（第 {r} 行在表格中是隐藏的）", " (row {r} is hidden in the workbook)")
HIDDEN_COLUMN = Text("（“{c}”列在表格中是隐藏的）", " (the column '{c}' is hidden in the workbook)")


def _column_names(table: Table, index: int) -> tuple[str, ...]:
    """How issues may name the column at `index`: its header, or its letter."""
    header = table.header[index] if index < len(table.header) else ""
    return (header, column_letter(index)) if header else (column_letter(index),)


@dataclass(frozen=True)
class Issue:
    """One problem found in a file; row and column as the officer sees them (None: the whole file)."""

    row: int | None
    column: str | None
    level: Level
    message: Text
    sheet: str | None = None  # the workbook sheet it is on
    rule: str | None = None  # the validation rule it says is broken (domain/rules.py), for review and approval

    def as_dict(self, lang: str) -> dict[str, object]:
        """The issue as plain data, its message in one language."""
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "level": self.level,
                "message": self.message(lang), "rule": self.rule}  # fmt: skip

    def stored(self) -> dict[str, object]:
        """The issue as the attempts table keeps it: both languages."""
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "level": self.level,
                "zh": self.message.zh, "en": self.message.en, "rule": self.rule}  # fmt: skip

    @classmethod
    def from_stored(cls, stored: dict) -> Issue:
        """An issue as `stored` kept it."""
        return cls(stored["row"], stored["column"], stored["level"], Text(stored["zh"], stored["en"]), stored["sheet"],
                   stored.get("rule"))  # fmt: skip


@dataclass
class Report:
    """What validation found, and the rows it could parse."""

    kind: str | None = None  # the upload kind's name, once the file was recognised as one
    issues: list[Issue] = field(default_factory=list)
    rows: pd.DataFrame | None = None  # parsed rows, one per data row that had no error
    sheet: str | None = None  # the sheet being checked: the issues added are on it
    read: list[Text] = field(default_factory=list)  # where the table was found: which sheet, which header row
    errors: int = 0  # how many of the issues are errors
    places: Places | None = None  # for a reshaped table: where its cells stood on the sheet (issues say that)
    hidden_rows: frozenset[int] = frozenset()  # sheet rows hidden in the workbook (issues on them say so)
    hidden_columns: frozenset[str] = frozenset()  # columns, as issues name them, hidden in the workbook
    _said: set[Issue] = field(default_factory=set, repr=False)

    @classmethod
    def of(cls, kind: str, table: Table) -> Report:
        """An empty report for checking `table` as `kind`: its issues placed on the sheet the table came from."""
        hidden = {c for i in table.hidden_columns for c in _column_names(table, i)}
        if table.places is not None:
            hidden = set(table.places.hidden)
        return cls(kind=kind, sheet=table.sheet, places=table.places, hidden_rows=table.hidden_rows,
                   hidden_columns=frozenset(hidden))  # fmt: skip

    def parsed(self) -> pd.DataFrame:
        """The parsed rows, for the steps after a check that found no error."""
        if self.rows is None:
            raise ValueError("the file has no parsed rows")
        return self.rows

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not self.errors

    def add(self, row: int | None, column: str | None, level: Level, message: Text, rule: str | None = None) -> None:
        """Record one issue, at the cell it concerns on the sheet, saying so when that row or column is hidden (and
        the validation rule it says is broken, if any)."""
        if self.places is not None:
            row, column = self.places.of(row, column)
        if row is not None and row in self.hidden_rows:
            message = message.then(HIDDEN_ROW.format(r=row))
        if column is not None and column in self.hidden_columns:
            message = message.then(HIDDEN_COLUMN.format(c=column))
        self.place(Issue(row, column, level, message, self.sheet, rule))

    def add_all(self, found: Iterable[tuple[int | None, str | None, Text, str | None]], level: Level) -> None:
        """Record an issue for each (row, column, message, rule), in order, as `add` records each one."""
        if self.places is not None or self.hidden_rows or self.hidden_columns:
            for row, column, message, rule in found:
                self.add(row, column, level, message, rule)
            return
        # Nothing to place or say of hidden cells: the issues go straight in (a big file can have 50,000 warnings).
        said, issues, sheet = self._said, self.issues, self.sheet
        for row, column, message, rule in found:
            issue = Issue(row, column, level, message, sheet, rule)
            if issue not in said:
                said.add(issue)
                issues.append(issue)
                self.errors += level == "error"

    def place(self, issue: Issue) -> None:
        """Record an issue already placed on the sheet (a reshaping's: its row and column are the sheet's), once:
        a reshaped sheet's cell read for several years would otherwise say the same thing for each."""
        sheet = issue.sheet or self.sheet
        if sheet != issue.sheet:
            issue = dataclasses.replace(issue, sheet=sheet)
        if issue in self._said:
            return
        self._said.add(issue)
        self.issues.append(issue)
        self.errors += issue.level == "error"

    def sheet_row(self, row: int) -> int:
        """A row of the table checked as the sheet numbers it (for a message that names another row)."""
        return self.places.of(row, None)[0] or row if self.places is not None else row

    def sorted_issues(self) -> list[Issue]:
        """Errors first, then by row."""
        return sorted(self.issues, key=lambda i: (i.level != "error", i.sheet or "", i.row or 0))
