"""Uploads for display: a check's issues, the changes an upload would make, the history of uploads."""

from __future__ import annotations

import pandas as pd

from ..domain.i18n import Text
from ..domain.roles import shown_name
from ..ingest import kinds
from ..ingest.report import Report
from ..ingest.shapes import sheet_rows
from ..ingest.uploads import Prepared
from ..store.transactions import Cursor
from ..store.uploads import upload_history

LEVELS = {"error": Text("错误", "error"), "warning": Text("提醒", "warning")}
SAMPLE_FILE = Text("内置示例数据", "built-in sample")


def issues_table(report: Report, lang: str) -> pd.DataFrame:
    """A validation report as a table, errors first, with the row and column as the file shows them."""
    sheets = any(i.sheet for i in report.issues)
    return pd.DataFrame(
        [
            {
                Text("级别", "Level")(lang): LEVELS[i.level](lang),
                **({Text("工作表", "Sheet")(lang): i.sheet or ""} if sheets else {}),
                Text("行", "Row")(lang): "" if i.row is None else str(i.row),
                Text("列", "Column")(lang): i.column or "",
                Text("说明", "Message")(lang): i.message(lang),
            }
            for i in report.sorted_issues()
        ]
    )


def changes_table(prepared: Prepared, names: dict[str, str], lang: str, limit: int | None = None) -> pd.DataFrame:
    """What an upload would change, as its kind previews it (the first `limit` rows of that preview when given)."""
    if prepared.kind is None:
        return pd.DataFrame()
    changes = prepared.changes
    places = prepared.report.places
    if places is not None and not changes.empty:  # a reshaped sheet: each cell's row as the sheet numbers it
        changes = changes.assign(row=sheet_rows(places, changes["row"], changes["column"]))
    return prepared.kind.preview(changes, names, lang, limit)


def history(cur: Cursor, lang: str) -> pd.DataFrame:
    """The upload history table, straight from the database."""
    return history_table(upload_history(cur), lang)


def history_table(history: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The upload history for display, newest first."""
    status = {"committed": Text("已导入", "committed"), "undone": Text("已撤销", "undone")}
    return pd.DataFrame(
        {
            Text("编号", "ID")(lang): history["upload_id"],
            Text("时间", "When")(lang): history["created_at"].dt.strftime("%Y-%m-%d %H:%M"),
            Text("文件", "File")(lang): [
                SAMPLE_FILE(lang) if kind == "sample" else name
                for name, kind in zip(history["file_name"], history["kind"], strict=True)
            ],
            Text("类型", "Kind")(lang): history["kind"].map(lambda k: kinds.label(k)(lang)),
            Text("上传人", "By")(lang): history["created_by"].map(lambda n: shown_name(n, lang)),
            Text("新增/修改/未变", "New/changed/unchanged")(lang): [
                f"{a} / {b} / {c}"
                for a, b, c in zip(
                    history["rows_inserted"], history["rows_updated"], history["rows_unchanged"], strict=True
                )
            ],
            Text("状态", "Status")(lang): history["status"].map(lambda s: status[s](lang)),
            Text("撤销人", "Undone by")(lang): [shown_name(n, lang) for n in history["undone_by"]],  # blank: not undone
        }
    )
