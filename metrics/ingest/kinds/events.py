"""Programme events: a date and a title in each language per row. A file replaces the whole list; the list it
replaced is kept, so that undo puts it back exactly."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import ClassVar

import pandas as pd

from ...domain.cells import looks_like_formula
from ...domain.i18n import Refused, Text
from ...domain.programme import MIN_YEAR, max_year
from ...store import events
from ...store.history import CHANGE_COLUMNS
from ...store.transactions import Cursor
from ..checks import IGNORED_HEADERS, blank_header, check_columns, keyed_rows, normalise
from ..kind import STATUSES, UploadKind
from ..report import Report
from ..table import Table

MAX_TITLE = 120  # characters in an event title: it is drawn on a chart
# Matched on the whole header first (so "事件（英文）" is not read as "事件"), then as other headers are.
EVENT_COLUMNS = {
    "event_date": {"date", "event_date", "日期", "事件日期"},
    "title_zh": {"title_zh", "title (chinese)", "事件", "事件（中文）", "中文标题"},
    "title_en": {"title_en", "title (english)", "事件（英文）", "英文标题"},
}
# A date as officers write it: 2016-05-30, 2016/5/30, 2016年5月30日; Excel date cells read as "2016-05-30 00:00:00".
DATE = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:\s+0?0:00(?::00)?)?|(\d{4})年(\d{1,2})月(\d{1,2})日")


def _whole_header(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).strip().lower())


_EVENT_WHOLE = {_whole_header(a): column for column, aliases in EVENT_COLUMNS.items() for a in aliases}
_EVENT_SHORT = {normalise(a): column for column, aliases in EVENT_COLUMNS.items() for a in aliases}


def event_column(header: str) -> str | None:
    """The events column a header names (event_date, title_zh, title_en), or None."""
    return _EVENT_WHOLE.get(_whole_header(header)) or _EVENT_SHORT.get(normalise(header))


def check_events(cur: Cursor, table: Table) -> Report:
    """Check an events table: a date and both titles per row, one row per date and Chinese title, at least one row."""
    report = Report.of(EventsKind.name, table)
    columns: list[str | None] = []
    for i, header in enumerate(table.header):
        column = event_column(header)
        if column is None and normalise(header) not in IGNORED_HEADERS and not blank_header(table, i, report):
            report.add(
                table.header_row,
                header or "—",
                "error",
                Text(
                    "无法识别的列“{c}”。事件文件的列为：日期、事件（中文）、事件（英文）。",
                    "Unknown column '{c}'. An events file has the columns date, title_zh and title_en.",
                ).format(c=header),
            )
        columns.append(column)
    needed = {"event_date": Text("日期", "date"), "title_zh": Text("事件（中文）", "title_zh"),
              "title_en": Text("事件（英文）", "title_en")}  # fmt: skip
    check_columns(table, columns, needed, report)
    if not report.ok:
        return report
    if not len(table):
        report.add(
            None,
            None,
            "error",
            Text(
                "文件只有表头，没有事件。事件文件会替换整个事件列表，为免误删，不接受空文件。",
                "The file has a header but no data rows. An events file replaces the whole list of events, so an "
                "empty one is refused rather than wiping the list.",
            ),
        )
        return report
    last_year = max_year()
    parsed: list[dict] = []
    seen: dict[tuple[date, str], int] = {}
    for number, cell, headers in keyed_rows(report, table, columns):
        before = report.errors
        when = _event_date(cell["event_date"], report, number, headers["event_date"], last_year)
        title_zh = _event_title(cell["title_zh"].strip(), report, number, headers["title_zh"])
        title_en = _event_title(unicodedata.normalize("NFKC", cell["title_en"]).strip(), report, number,
                                headers["title_en"])  # fmt: skip
        if when and title_zh:
            if (when, title_zh) in seen:
                report.add(
                    number,
                    headers["title_zh"],
                    "error",
                    Text(
                        "{d}“{t}”与第 {r} 行重复：同一天的同一事件只能有一行。",
                        "'{t}' on {d} repeats row {r}; one row per event and date.",
                    ).format(d=when.isoformat(), t=title_zh, r=seen[(when, title_zh)]),
                )
            seen.setdefault((when, title_zh), number)
        if report.errors == before:
            parsed.append({"row": number, "event_date": when, "title_zh": title_zh, "title_en": title_en})
    report.rows = pd.DataFrame(parsed, columns=["row", "event_date", "title_zh", "title_en"])
    return report


def _event_date(raw: str, report: Report, number: int, column: str, last_year: int) -> date | None:
    """The date a cell holds, or None after reporting why not."""
    text = unicodedata.normalize("NFKC", raw).strip()
    match = DATE.fullmatch(text)
    when = None
    if match:
        numbered = match.group(1, 3, 4) if match.group(1) else match.group(5, 6, 7)
        with contextlib.suppress(ValueError):  # no such day, such as 2023-02-30
            when = date(*map(int, numbered))
    if when is None:
        report.add(
            number,
            column,
            "error",
            Text(
                "日期“{v}”无效：请写成 2016-05-30 这样的日期。",
                "Date '{v}' is not valid: write a date such as 2016-05-30.",
            ).format(v=raw or "—"),
        )
        return None
    if not MIN_YEAR <= when.year <= last_year:
        report.add(
            number,
            column,
            "error",
            Text(
                "日期“{v}”的年份应在 {a} 至 {b} 之间。", "Date '{v}' is not valid: its year must be from {a} to {b}."
            ).format(v=raw, a=MIN_YEAR, b=last_year),
        )
        return None
    return when


def _event_title(text: str, report: Report, number: int, column: str) -> str | None:
    """A title as stored, or None after reporting why it cannot be."""
    if not text:
        report.add(number, column, "error", Text("标题不能为空。", "The title is missing."))
        return None
    if looks_like_formula(text):
        report.add(
            number,
            column,
            "error",
            Text("“{v}”像是公式，不能作为标题。", "'{v}' looks like a formula, not a title.").format(v=text),
        )
        return None
    if len(text) > MAX_TITLE:
        report.add(
            number,
            column,
            "error",
            Text("标题有 {n} 个字，最多 {m} 个。", "The title has {n} characters; at most {m} are allowed.").format(
                n=len(text), m=MAX_TITLE
            ),
        )
        return None
    return text


_COUNTS = {"inserted": "new", "updated": "changed", "unchanged": "unchanged", "removed": "removed"}


class EventsKind(UploadKind):
    """The programme events time charts mark."""

    name = "events"
    label = Text("事件列表", "events")
    what = Text("大事列表（date、title_zh、title_en 列，整表替换原列表）",
                "an events list (date, title_zh, title_en; it replaces the whole list)")  # fmt: skip
    count_labels: ClassVar[dict[str, Text]] = {
        **UploadKind.count_labels,
        "removed": Text("删除的事件", "Events removed"),
    }

    def recognises(self, header: Sequence[str]) -> bool:
        """A date column and a title column."""
        found = {event_column(h) for h in header}
        return "event_date" in found and bool(found & {"title_zh", "title_en"})

    def knows(self, cell: str) -> bool:
        """A date or title column."""
        return event_column(cell) is not None

    def check(self, cur: Cursor, table: Table) -> Report:
        """See check_events."""
        return check_events(cur, table)

    def changes(self, cur: Cursor, report: Report) -> pd.DataFrame:
        """The file's events against the stored list (keyed by date and Chinese title), then the stored ones it
        drops: one row per event, the English title as old -> new, status 'removed' (row None) for those dropped."""
        stored = {
            (e.event_date.date(), e.title_zh): (e.title_en, None if pd.isna(e.upload_id) else int(e.upload_id))
            for e in events.events(cur).itertuples()
        }
        out = []

        def add(row: int | None, when: date, title_zh: str, old: str | None, new: str | None,
                old_upload: int | None, status: str) -> None:  # fmt: skip
            values = (row, "events", None, when.year, "title_en", old, new, old_upload, status == "new", status)
            out.append({**dict(zip(CHANGE_COLUMNS, values, strict=True)), "event_date": when, "title_zh": title_zh})

        for r in report.parsed().itertuples():
            old, old_upload = stored.pop((r.event_date, r.title_zh), (None, None))
            status = "new" if old is None else "unchanged" if old == r.title_en else "changed"
            add(r.row, r.event_date, r.title_zh, old, r.title_en, old_upload, status)
        for (when, title_zh), (old, old_upload) in stored.items():  # in date order, as stored
            add(None, when, title_zh, old, None, old_upload, "removed")
        return pd.DataFrame(out, columns=[*CHANGE_COLUMNS, "event_date", "title_zh"], dtype=object)

    def counts(self, changes: pd.DataFrame) -> dict[str, int]:
        """Events new, changed and unchanged in the file, and stored ones it removes."""
        status = changes["status"] if not changes.empty else pd.Series(dtype=object)
        return {k: int((status == s).sum()) for k, s in _COUNTS.items()}

    def write(self, cur: Cursor, report: Report, changes: pd.DataFrame, upload_id: int) -> None:
        """Replace the list with the file's events; an unchanged event keeps the upload that set it."""
        kept = changes[changes["status"] != "removed"]
        rows = pd.DataFrame(
            {
                "event_date": kept["event_date"],
                "title_zh": kept["title_zh"],
                "title_en": kept["new"],
                "upload_id": kept["old_upload_id"].where(kept["status"] == "unchanged", upload_id),
            }
        )
        events.replace_events(cur, rows, upload_id)

    def undo(self, cur: Cursor, upload_id: int) -> int:
        """Put back the list the upload replaced (and return how many events it holds); refused while a later
        events upload is committed."""
        later = events.later_event_uploads(cur, upload_id)
        if later:
            raise Refused(
                Text(
                    "上传 {i} 之后，事件列表又被上传 {l} 替换；请先撤销后者。",
                    "The list of events was replaced again by upload {l} after upload {i}; undo that first.",
                ).format(i=upload_id, l=", ".join(map(str, later)))
            )
        return events.restore_events(cur, upload_id)

    def preview(self, changes: pd.DataFrame, names: dict[str, str], lang: str, limit: int | None) -> pd.DataFrame:
        """Event by event: changed, new, removed, then unchanged."""
        if changes.empty:
            return pd.DataFrame()
        order = {"changed": 0, "new": 1, "removed": 2, "unchanged": 3}
        changes = changes.assign(order=changes["status"].map(order)).sort_values(["order", "event_date"], kind="stable")
        changes = changes.iloc[:limit]
        return pd.DataFrame(
            {
                Text("行", "Row")(lang): changes["row"].map(lambda r: "" if r is None else str(int(r))),
                Text("日期", "Date")(lang): changes["event_date"].map(lambda d: d.isoformat()),
                Text("事件", "Event")(lang): changes["title_zh"],
                Text("原英文标题", "Old English title")(lang): changes["old"].map(lambda v: v or ""),
                Text("新英文标题", "New English title")(lang): changes["new"].map(lambda v: v or ""),
                Text("变化", "Change")(lang): changes["status"].map(lambda s: STATUSES[s](lang)),
            }
        )


EVENTS = EventsKind()
