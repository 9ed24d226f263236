"""What every kind of upload is: how it is recognised, checked, previewed, written and undone, and what it is called.

Each kind is one module in kinds/ with one UploadKind object; the upload page, the CLI, the history and undo
iterate over kinds.KINDS and never name a kind themselves. Kinds whose changes are cells (yearly figures, cities)
share CellKind: the change history records each changed cell with its old value, and undo puts those back.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import ClassVar

import numpy as np
import pandas as pd

from ..domain import registry
from ..domain.cells import cell_text
from ..domain.i18n import Refused, Text
from ..store import history
from ..store.transactions import Cursor
from .report import Report
from .table import Table

STATUSES = {
    "new": Text("新增", "new"),
    "changed": Text("修改", "changed"),
    "unchanged": Text("未变", "unchanged"),
    "removed": Text("删除", "removed"),
}
NO_COUNTS = {"inserted": 0, "updated": 0, "unchanged": 0}


def cell_change(row: int | None, table: str, code: str | None, year: int | None, column: str, old: object,
                new: object, old_upload: int | None, created: bool) -> dict[str, object]:  # fmt: skip
    """One change as history.CHANGE_COLUMNS has it, old and new as the history keeps them."""
    old, new = cell_text(old), cell_text(new)
    status = "new" if created else "unchanged" if old is not None and old == new else "changed"
    values = (row, table, code, year, column, old, new, old_upload, created, status)
    return dict(zip(history.CHANGE_COLUMNS, values, strict=True))


class UploadKind(ABC):
    """One kind of upload file. Subclasses declare the class attributes and implement the steps."""

    name: ClassVar[str]  # as `uploads.kind` stores it and `import --json` prints it
    label: ClassVar[Text]  # as the upload history names the kind
    what: ClassVar[Text]  # what a file of this kind holds, for the upload page and the CLI's help
    count_labels: ClassVar[dict[str, Text]] = {  # what the preview calls each of the counts, in order
        "inserted": Text("新增行", "New rows"),
        "updated": Text("修改行", "Changed rows"),
        "unchanged": Text("未变行", "Unchanged rows"),
    }

    @abstractmethod
    def recognises(self, header: Sequence[str]) -> bool:
        """Whether a file with this header is of this kind (kinds.detect asks each kind in turn)."""

    @abstractmethod
    def knows(self, cell: str) -> bool:
        """Whether one cell is a header of this kind's files (how layout.locate finds the header row)."""

    @abstractmethod
    def check(self, cur: Cursor, table: Table) -> Report:
        """The file checked whole against the stored data: its issues and, when it has none, its parsed rows."""

    @abstractmethod
    def changes(self, cur: Cursor, report: Report) -> pd.DataFrame:
        """What committing the checked rows would change, against the stored data (one row per change)."""

    @abstractmethod
    def counts(self, changes: pd.DataFrame) -> dict[str, int]:
        """The counts the upload records and the preview shows: inserted, updated, unchanged (and any of its own)."""

    @abstractmethod
    def write(self, cur: Cursor, report: Report, changes: pd.DataFrame, upload_id: int) -> None:
        """Write the changes as upload `upload_id`, keeping what undo needs (inside the caller's transaction)."""

    @abstractmethod
    def undo(self, cur: Cursor, upload_id: int) -> int:
        """Put back what the upload changed and return how much; Refused when a later upload stands in the way."""

    @abstractmethod
    def preview(self, changes: pd.DataFrame, names: dict[str, str], lang: str, limit: int | None) -> pd.DataFrame:
        """The changes as a table for the officer to review, in `lang`, the first `limit` rows of it."""


class CellKind(UploadKind):
    """A kind whose changes are cells of stored rows: each with its old value in the change history."""

    @abstractmethod
    def _apply(self, cur: Cursor, report: Report, upload_id: int) -> None:
        """Write the new values, once the history holds the changed cells."""

    def counts(self, changes: pd.DataFrame) -> dict[str, int]:
        """File rows all of whose cells are new (inserted), with a changed cell (updated), or neither."""
        if changes.empty:
            return dict(NO_COUNTS)
        # Per file row, by counting into arrays indexed by row number (far quicker than grouping a million cells).
        row = changes["row"].to_numpy(dtype="int64")
        status = changes["status"]  # compared as it is held (Arrow), not as a million Python strings
        cells = np.bincount(row)
        new = np.bincount(row, weights=changes["row_created"].to_numpy(dtype=bool))  # status "new"
        changed = np.bincount(row, weights=(status != "unchanged").to_numpy(dtype=bool))
        rows = cells > 0
        inserted = int((rows & (new == cells)).sum())  # every cell of the row is new
        updated = int((rows & (changed > 0) & (new < cells)).sum())
        return {"inserted": inserted, "updated": updated, "unchanged": int(rows.sum()) - inserted - updated}

    def write(self, cur: Cursor, report: Report, changes: pd.DataFrame, upload_id: int) -> None:
        """Record the changed cells in the history, then write them (an upload that changes none is still recorded)."""
        if not changes.empty and bool((changes["status"] != "unchanged").any()):
            history.insert_history(cur, changes, upload_id)
            self._apply(cur, report, upload_id)

    def undo(self, cur: Cursor, upload_id: int) -> int:
        """Restore every cell the upload changed; refused while a later upload changed one of them since, or while
        figures refer to a city it added."""
        referenced = history.created_cities_in_use(cur, upload_id)
        if referenced:
            raise Refused(
                Text(
                    "上传 {i} 新增的城市 {c} 已有年度数据；请先撤销或删除这些数据。",
                    "Cities that upload {i} added ({c}) have yearly figures now; undo those uploads first.",
                ).format(i=upload_id, c=", ".join(referenced))
            )
        later = history.later_overlapping_uploads(cur, upload_id)
        if later:
            raise Refused(
                Text(
                    "上传 {i} 修改过的单元格后来又被上传 {l} 修改；请先撤销后者。",
                    "Cells of upload {i} were changed again by upload {l}; undo that first.",
                ).format(i=upload_id, l=", ".join(map(str, later)))
            )
        return history.revert_history(cur, upload_id)

    def preview(self, changes: pd.DataFrame, names: dict[str, str], lang: str, limit: int | None) -> pd.DataFrame:
        """Cell by cell: changed first (old -> new), then new, then unchanged; the first `limit` cells of that order
        (a 100,000-row file changes most of a million cells)."""
        if changes.empty:
            return pd.DataFrame()
        status = changes["status"]  # compared as it is held (Arrow for figures), not as a million Python strings
        changed, new = ((status == s).to_numpy(dtype=bool) for s in ("changed", "new"))
        rank = np.select([changed, new], [0, 1], 2)
        changes = changes.iloc[np.lexsort((changes["row"].to_numpy(dtype="int64"), rank))[:limit]]

        def label(column: str) -> str:
            return registry.get(column).title(lang) if column in registry.KEYS else column

        def text(value: object) -> str:
            return "" if value is None or (isinstance(value, float) and math.isnan(value)) else cell_text(value) or ""

        return pd.DataFrame(
            {
                Text("行", "Row")(lang): changes["row"].astype(int),
                Text("城市", "City")(lang): changes["city_code"].map(lambda c: names.get(c, c)),
                Text("年份", "Year")(lang): changes["year"].map(
                    lambda y: "" if y is None or pd.isna(y) else str(int(y))
                ),
                Text("指标", "Field")(lang): changes["column"].map(label),
                Text("原值", "Old")(lang): changes["old"].map(text),
                Text("新值", "New")(lang): changes["new"].map(text),
                Text("变化", "Change")(lang): changes["status"].map(lambda s: STATUSES[s](lang)),
                Text("幅度", "By")(lang): [
                    _by_how_much(o, n) for o, n in zip(changes["old"], changes["new"], strict=True)
                ],
            }
        )


def _by_how_much(old: object, new: object) -> str:
    """A changed number's change as a share of its old value (+12%, −64%); blank where either is not a number."""
    try:
        before, after = Decimal(str(old)), Decimal(str(new))
    except (InvalidOperation, ValueError):
        return ""
    if before == 0 or not before.is_finite() or not after.is_finite() or before == after:
        return ""
    return f"{(after - before) / before:+,.0%}".replace("-", "−")
