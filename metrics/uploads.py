"""An upload from file to database: read, validate, preview the changes, commit them whole, undo them exactly."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from . import queries, raw_files
from .access import Actor, Refused, require
from .db import Database, DatabaseError
from .files import FileError, read_table
from .i18n import Text
from .validation import Report, validate


@dataclass
class Prepared:
    """A validated upload and the changes it would make (nothing written yet)."""

    file_name: str
    sha256: str
    format: str | None
    report: Report
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    data_identity: tuple = ()  # the data it was checked against; commit refuses if that has changed since
    # changes: row, table, city_code, year, column, old, new, old_upload_id, row_created, status; for an events
    # file one row per event: column 'title_en' (old -> new), plus event_date and title_zh (the event's key), and
    # status 'removed' (row None) for each stored event the file leaves out

    @functools.cached_property
    def counts(self) -> dict[str, int]:
        """File rows that are new, changed or unchanged (and for an events file, stored events it removes)."""
        if self.report.kind == "events":
            status = self.changes["status"] if not self.changes.empty else pd.Series(dtype=object)
            return {k: int((status == s).sum()) for k, s in _EVENT_COUNTS.items()}
        if self.changes.empty:
            return {"inserted": 0, "updated": 0, "unchanged": 0}
        # Per file row, by counting into arrays indexed by row number (grouping a million cells took 60 ms).
        row = self.changes["row"].to_numpy(dtype="int64")
        status = self.changes["status"]  # compared as it is held (Arrow), not as a million Python strings
        cells = np.bincount(row)
        new = np.bincount(row, weights=self.changes["row_created"].to_numpy(dtype=bool))  # status "new"
        changes = np.bincount(row, weights=(status != "unchanged").to_numpy(dtype=bool))
        rows = cells > 0
        inserted = int((rows & (new == cells)).sum())  # every cell of the row is new
        updated = int((rows & (changes > 0) & (new < cells)).sum())
        return {"inserted": inserted, "updated": updated, "unchanged": int(rows.sum()) - inserted - updated}


def prepare(database: Database, data: bytes, file_name: str) -> Prepared:
    """Read and validate a file and work out what committing it would change."""
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        table = read_table(data)
    except FileError as exc:
        report = Report()
        report.add(None, None, "error", exc.text)
        return Prepared(file_name, sha256, None, report)
    with database.snapshot() as cur:
        report = validate(cur, table)
        prepared = Prepared(file_name, sha256, table.format, report, data_identity=queries.data_identity(cur))
        if report.ok and report.rows is not None:
            prepared.changes = _changes(cur, report)
    return prepared


_EVENT_COUNTS = {"inserted": "new", "updated": "changed", "unchanged": "unchanged", "removed": "removed"}


def _changes(cur: queries.Cursor, report: Report) -> pd.DataFrame:
    rows = report.rows
    if report.kind == "events":
        return _event_changes(cur, rows)
    out = []
    if report.kind == "cities":
        stored = queries.city_rows(cur).set_index("city_code")
        for r in rows.itertuples():
            exists = r.city_code in stored.index
            old_upload = _int_or_none(stored.at[r.city_code, "upload_id"]) if exists else None
            for column in queries.CITY_FIELDS:
                new = getattr(r, column)
                old = stored.at[r.city_code, column] if exists else None
                out.append(_change(r.row, "cities", r.city_code, None, column, old, new, old_upload, not exists))
        return pd.DataFrame(out, columns=[*queries.CHANGE_COLUMNS], dtype=object)
    return queries.figure_changes(cur, rows)


def _event_changes(cur: queries.Cursor, rows: pd.DataFrame) -> pd.DataFrame:
    """The file's events against the stored list (keyed by date and Chinese title), then the stored ones it drops."""
    stored = {
        (e.event_date.date(), e.title_zh): (e.title_en, _int_or_none(e.upload_id))
        for e in queries.events(cur).itertuples()
    }
    out = []

    def add(row, when, title_zh, old, new, old_upload, status) -> None:
        values = (row, "events", None, when.year, "title_en", old, new, old_upload, status == "new", status)
        out.append({**dict(zip(queries.CHANGE_COLUMNS, values, strict=True)), "event_date": when, "title_zh": title_zh})

    for r in rows.itertuples():
        old, old_upload = stored.pop((r.event_date, r.title_zh), (None, None))
        status = "new" if old is None else "unchanged" if old == r.title_en else "changed"
        add(r.row, r.event_date, r.title_zh, old, r.title_en, old_upload, status)
    for (when, title_zh), (old, old_upload) in stored.items():  # in date order, as stored
        add(None, when, title_zh, old, None, old_upload, "removed")
    return pd.DataFrame(out, columns=[*queries.CHANGE_COLUMNS, "event_date", "title_zh"], dtype=object)


def _change(row, table, code, year, column, old, new, old_upload, created) -> dict:
    old, new = cell_text(old), cell_text(new)  # as the history keeps them
    status = "new" if created else "unchanged" if old is not None and old == new else "changed"
    values = (row, table, code, year, column, old, new, old_upload, created, status)
    return dict(zip(queries.CHANGE_COLUMNS, values, strict=True))


def _int_or_none(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def cell_text(value) -> str | None:
    """A value as stored in the change history (numbers normalised so 12.50 and 12.5 compare equal)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "normalize"):  # Decimal
        value = value.normalize()
        return format(value, "f")
    return str(value)


class Stale(Refused):
    """The data changed between checking a file and committing it; check it again against the new data."""


@contextmanager
def _refused_on_database_error() -> Iterator[None]:
    """A constraint the database enforces, met only here, becomes a refusal (the transaction rolls back)."""
    try:
        yield
    except duckdb.Error as exc:
        raise Refused(
            Text(
                "数据库拒绝了这次修改，未写入任何数据：{e}", "The database refused the change; nothing was written: {e}"
            ).format(e=str(exc).splitlines()[0])
        ) from None


def commit(database: Database, prepared: Prepared, data: bytes, by: Actor) -> int:
    """Write a prepared upload in one transaction, keep the raw file, and return the upload id.

    Only cells that change are written; each keeps its old value so the upload can be undone exactly. An events
    file replaces the whole list of events; the list it replaces is kept so that undo restores it. Refused unless
    `by` may edit, and (Stale) when another write has changed the data since the file was checked.
    """
    require(by, "edit")
    if not prepared.report.ok:
        raise Refused(Text("文件有错误，未写入任何数据。", "The file has errors; nothing was written."))
    changes = prepared.changes
    changing = not changes.empty and bool((changes["status"] != "unchanged").any())
    counts = prepared.counts
    with database.write_lock:
        _check_fresh(database, prepared)
        _keep_raw_file(database.path, prepared, data)  # before the commit, so every committed upload has its file
        with _refused_on_database_error(), database.cursor() as cur, queries.transaction(cur):
            upload_id = queries.record_upload(
                cur,
                file_name=prepared.file_name,
                kind=prepared.report.kind or "figures",
                created_by=by.name,
                inserted=counts["inserted"],
                sha256=prepared.sha256,
            )
            queries.set_upload_counts(cur, upload_id, counts["updated"], counts["unchanged"])
            if prepared.report.kind == "events":
                _replace_events(cur, changes, upload_id)
            elif changing:
                queries.insert_history(cur, changes, upload_id)
                if prepared.report.kind == "cities":
                    queries.apply_history(cur, upload_id)
                else:
                    queries.write_figures(cur, prepared.report.rows, upload_id)
            queries.bump_data_version(cur)  # even with no cell changed, the upload history has a new row
    return upload_id


def load(database: Database, data: bytes, file_name: str, by: Actor) -> tuple[Prepared, int | None]:
    """Check a file and, if it has no errors, commit it, with no other write in between; (prepared, upload id)."""
    require(by, "edit")
    with database.write_lock:
        prepared = prepare(database, data, file_name)
        upload_id = commit(database, prepared, data, by) if prepared.report.ok else None
    return prepared, upload_id


def _check_fresh(database: Database, prepared: Prepared) -> None:
    with database.cursor() as cur:
        if queries.data_identity(cur) == prepared.data_identity:
            return
        upload_id, who = queries.last_change(cur)
    raise Stale(
        Text(
            "检查此文件后，{b} 更改了数据（上传 {i}），未写入任何数据。已按最新数据重新检查，请核对改动后再确认。",
            "{b} changed the data (upload {i}) after this file was checked; nothing was written. It has been "
            "checked again against the new data: review the changes and confirm again.",
        ).format(i=upload_id, b=who)
    )


def _replace_events(cur: queries.Cursor, changes: pd.DataFrame, upload_id: int) -> None:
    """Replace the list with the file's events; an unchanged event keeps the upload that set it."""
    kept = changes[changes["status"] != "removed"]
    queries.replace_events(
        cur,
        pd.DataFrame(
            {
                "event_date": kept["event_date"],
                "title_zh": kept["title_zh"],
                "title_en": kept["new"],
                "upload_id": kept["old_upload_id"].where(kept["status"] == "unchanged", upload_id),
            }
        ),
        upload_id,
    )


def _keep_raw_file(db_path: Path, prepared: Prepared, data: bytes) -> None:
    # Written whole or not at all, and rewritten if a copy there is torn; a file whose commit never happens is
    # harmless. A disk that refuses it stops the upload before anything is written.
    folder = raw_files.folder_of(db_path)
    try:
        raw_files.keep(folder, raw_files.name_for(prepared.sha256, prepared.format), data)
    except OSError as exc:
        raise DatabaseError(
            Text(
                "无法在 {d} 保存上传的原始文件（{e}），未写入任何数据。",
                "Cannot keep the uploaded file in {d} ({e}); nothing was written.",
            ).format(d=folder, e=exc.strerror or exc)
        ) from None


def undo(database: Database, upload_id: int, by: Actor) -> int:
    """Restore every cell an upload changed and return how many; refused if a later upload changed them since.

    An events upload puts back the list it replaced (and returns how many events that holds); refused while a
    later events upload is committed. Refused unless `by` may edit; records who undid it.
    """
    require(by, "edit")
    with database.write_lock, _refused_on_database_error(), database.cursor() as cur, queries.transaction(cur):
        upload = queries.get_upload(cur, upload_id)
        if upload is None:
            raise Refused(Text("没有编号为 {i} 的上传。", "There is no upload {i}.").format(i=upload_id))
        if upload["status"] != "committed" or upload["kind"] == "sample":
            raise Refused(
                Text(
                    "上传 {i} 不能撤销（已撤销或为内置示例）。",
                    "Upload {i} cannot be undone (already undone, or the built-in sample).",
                ).format(i=upload_id)
            )
        restored = _undo_events(cur, upload_id) if upload["kind"] == "events" else _undo_cells(cur, upload_id)
        queries.mark_undone(cur, upload_id, by.name)
        queries.bump_data_version(cur)
    return restored


def _undo_cells(cur: queries.Cursor, upload_id: int) -> int:
    referenced = queries.created_cities_in_use(cur, upload_id)
    if referenced:
        raise Refused(
            Text(
                "上传 {i} 新增的城市 {c} 已有年度数据；请先撤销或删除这些数据。",
                "Cities that upload {i} added ({c}) have yearly figures now; undo those uploads first.",
            ).format(i=upload_id, c=", ".join(referenced))
        )
    later = queries.later_overlapping_uploads(cur, upload_id)
    if later:
        raise Refused(
            Text(
                "上传 {i} 修改过的单元格后来又被上传 {l} 修改；请先撤销后者。",
                "Cells of upload {i} were changed again by upload {l}; undo that first.",
            ).format(i=upload_id, l=", ".join(map(str, later)))
        )
    return queries.revert_history(cur, upload_id)


def _undo_events(cur: queries.Cursor, upload_id: int) -> int:
    later = queries.later_event_uploads(cur, upload_id)
    if later:
        raise Refused(
            Text(
                "上传 {i} 之后，事件列表又被上传 {l} 替换；请先撤销后者。",
                "The list of events was replaced again by upload {l} after upload {i}; undo that first.",
            ).format(i=upload_id, l=", ".join(map(str, later)))
        )
    return queries.restore_events(cur, upload_id)
