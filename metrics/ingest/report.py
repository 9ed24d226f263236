"""What checking a file found: its issues (row as the spreadsheet shows it, column, level, message in Chinese and
English) and the rows it could parse. Checks never raise for bad input; they add to a report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from ..domain.i18n import Text

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One problem found in a file; row and column as the officer sees them (None: the whole file)."""

    row: int | None
    column: str | None
    level: Level
    message: Text
    sheet: str | None = None  # the workbook sheet it is on

    def as_dict(self, lang: str) -> dict[str, object]:
        """The issue as plain data, its message in one language."""
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "level": self.level,
                "message": self.message(lang)}  # fmt: skip

    def stored(self) -> dict[str, object]:
        """The issue as the attempts table keeps it: both languages."""
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "level": self.level,
                "zh": self.message.zh, "en": self.message.en}  # fmt: skip

    @classmethod
    def from_stored(cls, stored: dict) -> Issue:
        """An issue as `stored` kept it."""
        return cls(stored["row"], stored["column"], stored["level"], Text(stored["zh"], stored["en"]), stored["sheet"])


@dataclass
class Report:
    """What validation found, and the rows it could parse."""

    kind: str | None = None  # the upload kind's name, once the file was recognised as one
    issues: list[Issue] = field(default_factory=list)
    rows: pd.DataFrame | None = None  # parsed rows, one per data row that had no error
    sheet: str | None = None  # the sheet being checked: the issues added are on it
    read: list[Text] = field(default_factory=list)  # where the table was found: which sheet, which header row
    errors: int = 0  # how many of the issues are errors

    def parsed(self) -> pd.DataFrame:
        """The parsed rows, for the steps after a check that found no error."""
        if self.rows is None:
            raise ValueError("the file has no parsed rows")
        return self.rows

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not self.errors

    def add(self, row: int | None, column: str | None, level: Level, message: Text) -> None:
        """Record one issue."""
        self.issues.append(Issue(row, column, level, message, self.sheet))
        self.errors += level == "error"

    def sorted_issues(self) -> list[Issue]:
        """Errors first, then by row."""
        return sorted(self.issues, key=lambda i: (i.level != "error", i.sheet or "", i.row or 0))
