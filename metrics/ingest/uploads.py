"""An upload of any kind from file to database: read, check, preview the changes, commit them whole, undo them.

What differs between kinds (their headers, checks, changes, writing and undo) is each kind's own (kinds/); this
module is the same for all of them: the file read once, checked against one snapshot, committed in one transaction
after its raw file is kept, refused if the data changed since it was checked.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..domain.i18n import Refused, Text
from ..domain.roles import Actor, require
from ..store import approvals, meta, raw_files, rounds
from ..store import uploads as records
from ..store.cities import pilot_names
from ..store.database import ENGINE_ERRORS, Database, DatabaseError
from ..store.durable import remove_leftovers
from ..store.transactions import Cursor, transaction
from ..store.versions import Change
from . import kinds, layout
from .kind import NO_COUNTS, UploadKind
from .reader import read_tables
from .report import Report
from .table import FileError


@dataclass
class Prepared:
    """A checked upload and the changes it would make (nothing written yet)."""

    file_name: str
    sha256: str
    format: str | None
    report: Report
    kind: UploadKind | None = None  # None when the file could not be read at all
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)  # as the kind's `changes` gives them
    data_identity: tuple = ()  # the data it was checked against; commit refuses if that has changed since
    sheets: tuple[str, ...] = ()  # a workbook's sheets that hold a table, for the officer to pick from
    sheet: str | None = None  # the sheet that was read

    @functools.cached_property
    def counts(self) -> dict[str, int]:
        """What the upload would insert, update and leave unchanged (and whatever else its kind counts)."""
        return self.kind.counts(self.changes) if self.kind is not None else dict(NO_COUNTS)

    @functools.cached_property
    def pilot(self) -> tuple[str | None, int | None]:
        """(city code, year) the file is about, when its rows name one pilot and one year (else from a form's name,
        `<city_code>_<year>…`); None for what it does not tell."""
        rows = self.report.rows
        codes: set = set()
        years: set = set()
        if rows is not None and {"city_code", "year"} <= set(rows.columns):
            codes, years = set(rows["city_code"].dropna().unique()), set(rows["year"].dropna().unique())
        named = _FORM_NAME.match(Path(self.file_name).name)
        code = next(iter(codes)) if len(codes) == 1 else named.group(1) if named and not codes else None
        year = next(iter(years)) if len(years) == 1 else int(named.group(2)) if named and not years else None
        return (str(code) if code is not None else None, int(year) if year is not None else None)

    @property
    def attempt_key(self) -> str:
        """What the round's tracker records an attempt with this check under (a refused one once): the file's
        sha256, or for one sheet of a workbook whose several sheets hold tables (each sheet a file of its own), the
        sha256 of that and the sheet's name. The raw file is kept under the file's own sha256 either way."""
        if self.sheet is None or len(self.sheets) < 2:
            return self.sha256
        return hashlib.sha256(f"{self.sha256}\n{self.sheet}".encode()).hexdigest()

    def departures(self, shown: Prepared) -> dict[str, int]:
        """How this check of a file, made again, departs from `shown`, the check of it the officer saw: its
        errors, its warnings `shown` did not have, and its cells whose change is not the one shown (a cell shown
        changing to a value that it now holds already is no departure: committing either ends the same)."""
        warnings = {i for i in shown.report.issues if i.level == "warning"}
        return {
            "errors": self.report.errors,
            "warnings": sum(i.level == "warning" and i not in warnings for i in self.report.issues),
            "cells": _cells_departing(self.changes, shown.changes),
        }

    def agrees_with(self, shown: Prepared) -> bool:
        """Whether this check, made again, may be committed in place of `shown` (the one the officer saw): no
        errors, the same changes, and no warning `shown` did not have (fewer are fine)."""
        return self.kind is shown.kind and not any(self.departures(shown).values())


_CHANGE = ("old", "new", "status")  # what a cell's change is; the other columns of `changes` say which cell
_NOT_CELL = {*_CHANGE, "old_upload_id", "row_created"}


def _cells_departing(now: pd.DataFrame, shown: pd.DataFrame) -> int:
    """How many cells of `now` do not change as `shown` said: a different change, or one that was not shown."""
    if now.empty and shown.empty:
        return 0
    keys = [c for c in now.columns if c not in _NOT_CELL]
    if set(keys) != {c for c in shown.columns if c not in _NOT_CELL} or not set(_CHANGE) <= set(now.columns):
        return max(len(now), len(shown))
    columns = [*keys, *_CHANGE]
    now, shown = (frame[columns].astype(object).fillna("\0").astype(str) for frame in (now, shown))  # NA equals NA
    joined = now.merge(shown, on=keys, how="outer", suffixes=("", "_shown"))
    same = (
        (joined["old"] == joined["old_shown"])
        & (joined["new"] == joined["new_shown"])
        & (joined["status"] == joined["status_shown"])
    )
    held = (joined["status"] == "unchanged") & (joined["new"] == joined["new_shown"])  # written meanwhile: the same
    return int((~(same | held)).sum())


_FORM_NAME = re.compile(r"^([0-9A-Za-z]+)_(\d{4})(?:\D|$)")  # the name `round forms` gives a pilot's form


def prepare(database: Database, data: bytes, file_name: str, sheet: str | None = None) -> Prepared:
    """Read and check a file (of a workbook, the sheet asked for or the one that holds a table) and work out what
    committing it would change."""
    sha256 = hashlib.sha256(data).hexdigest()
    sheets: tuple[str, ...] = ()
    try:
        located = [layout.locate(t, kinds.known_header) for t in read_tables(data)]
        sheets = tuple(layout.sheets_with_tables(located, kinds.known_header)) if len(located) > 1 else ()
        table = layout.choose_sheet(located, sheet, kinds.known_header)
    except FileError as exc:
        report = Report()
        report.add(None, None, "error", exc.text)
        return Prepared(file_name, sha256, None, report, sheets=sheets)
    kind = kinds.detect(table.header)
    with database.snapshot() as cur:
        report = kind.check(cur, table)
        prepared = Prepared(file_name, sha256, table.format, report, kind, data_identity=meta.data_identity(cur),
                            sheets=sheets, sheet=table.sheet)  # fmt: skip
        found = layout.described(table)
        if found is not None:
            report.read.append(found)
        if report.ok and report.rows is not None:
            prepared.changes = kind.changes(cur, report)
            _refuse_locked_rows(cur, prepared)
    return prepared


def _refuse_locked_rows(cur: Cursor, prepared: Prepared) -> None:
    """An error on each file row that would change approved figures (commit refuses them anyway, in its own
    transaction: this is what the preview and `import` show)."""
    if not approvals.any_approved(cur):
        return
    locked = approvals.approved_among(cur, approvals.figure_pairs(prepared.changes))
    if not locked:
        return
    names = pilot_names(cur, (a.city_code for a in locked))
    changes = prepared.changes
    for approval in locked:
        mine = changes[(changes["city_code"] == approval.city_code) & (changes["year"] == approval.year)
                       & (changes["status"] != "unchanged")]  # fmt: skip
        for row in sorted({int(r) for r in mine["row"].dropna()}):
            prepared.report.add(row, None, "error", approval.locked(names.get(approval.city_code)))
    prepared.changes = prepared.changes.iloc[0:0]


class Stale(Refused):
    """The data changed between checking a file and committing it; check it again against the new data."""


@contextmanager
def _refused_on_database_error() -> Iterator[None]:
    """A constraint the database enforces, met only here, becomes a refusal (the transaction rolls back)."""
    try:
        yield
    except ENGINE_ERRORS as exc:
        raise Refused(
            Text(
                "数据库拒绝了这次修改，未写入任何数据：{e}", "The database refused the change; nothing was written: {e}"
            ).format(e=str(exc).splitlines()[0])
        ) from None


def commit(database: Database, prepared: Prepared, data: bytes, by: Actor | None) -> int:
    """Write a prepared upload in one transaction, keep the raw file, and return the upload id.

    What is written, and what is kept for undo, is the kind's to say (only changed cells, each with its old value;
    an events file's replaced list). Refused unless `by` may edit, and (Stale) when another write has changed the
    data since the file was checked.
    """
    actor = require(by, "edit")
    kind = prepared.kind
    if kind is None or not prepared.report.ok:
        raise Refused(Text("文件有错误，未写入任何数据。", "The file has errors; nothing was written."))
    counts = prepared.counts
    with database.write_lock:
        _check_fresh(database, prepared)
        _keep_raw_file(database.folder, prepared, data)  # before the commit, so every committed upload has its file
        with _refused_on_database_error(), database.cursor() as cur, transaction(cur):
            if approvals.any_approved(cur):  # approved since the check too
                approvals.refuse_locked(cur, approvals.figure_pairs(prepared.changes))
            upload_id = records.record_upload(
                cur,
                file_name=prepared.file_name,
                kind=kind.name,
                created_by=actor.name,
                inserted=counts["inserted"],
                sha256=prepared.sha256,
            )
            records.set_upload_counts(cur, upload_id, counts["updated"], counts["unchanged"])
            kind.write(cur, prepared.report, prepared.changes, upload_id)
            if kind.name == "figures":  # for the collection round's tracker: which pilot's file, its warnings
                _record_attempt(cur, prepared, actor, upload_id)
            meta.bump_data_version(cur, changed_by(cur, kind.name, upload_id))  # the history has a new row at least
    return upload_id


def changed_by(cur: Cursor, kind_name: str, upload_id: int) -> list[Change] | None:
    """The tables and years an upload changes, or changed and is being undone: for figures and targets, those its
    cells' history names, and the upload history; for the other kinds, None (everything: the pilots and the events
    are read by nearly every result)."""
    if kind_name not in ("figures", "targets"):
        return None
    rows = cur.execute(
        "SELECT DISTINCT table_name, year FROM cell_history WHERE upload_id = $id", {"id": upload_id}
    ).fetchall()
    cells = [(str(table), None if year is None else int(year)) for table, year in rows]
    return [("uploads", None), *cells, *(("cell_history", year) for _, year in cells)]


def record_refusal(database: Database, prepared: Prepared, by: Actor | None) -> bool:
    """Record a refused yearly-figures file as an attempt for the collection round's tracker (its figures write
    nothing); a file with the same bytes (of a workbook whose several sheets hold tables: the same sheet) recorded
    before is not recorded again. Whether it was recorded."""
    actor = require(by, "edit")
    if prepared.report.ok or (prepared.kind is not None and prepared.kind.name != "figures"):
        return False
    with database.write_lock, database.cursor() as cur, transaction(cur):
        if rounds.refusal_recorded(cur, prepared.attempt_key):
            return False
        _record_attempt(cur, prepared, actor, None)
    return True


def _record_attempt(cur: Cursor, prepared: Prepared, actor: Actor, upload_id: int | None) -> None:
    code, year = prepared.pilot
    level = "warning" if upload_id is not None else "error"
    rounds.record_attempt(
        cur,
        file_name=prepared.file_name,
        sha256=prepared.attempt_key,
        city_code=code,
        year=year,
        by=actor.name,
        upload_id=upload_id,
        problems=[i.stored() for i in prepared.report.sorted_issues() if i.level == level],
    )


def load(
    database: Database, data: bytes, file_name: str, by: Actor | None, sheet: str | None = None
) -> tuple[Prepared, int | None]:
    """Check a file and, if it has no errors, commit it, with no other write in between; (prepared, upload id)."""
    require(by, "edit")
    with database.write_lock:
        prepared = prepare(database, data, file_name, sheet)
        upload_id = commit(database, prepared, data, by) if prepared.report.ok else None
    return prepared, upload_id


def is_fresh(database: Database, prepared: Prepared) -> bool:
    """Whether the data is still what the file was checked against."""
    with database.cursor() as cur:
        return bool(meta.data_identity(cur) == prepared.data_identity)


def _check_fresh(database: Database, prepared: Prepared) -> None:
    if is_fresh(database, prepared):
        return
    with database.cursor() as cur:
        upload_id, who = records.last_change(cur)
    raise Stale(
        Text(
            "检查此文件后，{b} 更改了数据（上传 {i}），未写入任何数据。已按最新数据重新检查，请核对改动后再确认。",
            "{b} changed the data (upload {i}) after this file was checked; nothing was written. It has been "
            "checked again against the new data: review the changes and confirm again.",
        ).format(i=upload_id, b=who)
    )


def _keep_raw_file(database_folder: Path, prepared: Prepared, data: bytes) -> None:
    # Written whole or not at all, and rewritten if a copy there is torn; a file whose commit never happens is
    # harmless. A disk that refuses it stops the upload before anything is written.
    folder = raw_files.folder_of(database_folder)
    remove_leftovers(folder)  # of uploads interrupted long ago
    try:
        raw_files.keep(folder, raw_files.name_for(prepared.sha256, prepared.format), data)
    except OSError as exc:
        raise DatabaseError(
            Text(
                "无法在 {d} 保存上传的原始文件（{e}），未写入任何数据。",
                "Cannot keep the uploaded file in {d} ({e}); nothing was written.",
            ).format(d=folder, e=exc.strerror or exc)
        ) from None


def undo(database: Database, upload_id: int, by: Actor | None) -> int:
    """Put back what an upload changed and return how much (cells, or for an events upload the events of the list
    it replaced); refused when a later upload stands in the way, unless `by` may edit; records who undid it."""
    actor = require(by, "edit")
    with database.write_lock, _refused_on_database_error(), database.cursor() as cur, transaction(cur):
        upload = records.get_upload(cur, upload_id)
        if upload is None:
            raise Refused(Text("没有编号为 {i} 的上传。", "There is no upload {i}.").format(i=upload_id))
        kind = kinds.by_name(upload["kind"])
        if upload["status"] != "committed" or kind is None:
            raise Refused(
                Text(
                    "上传 {i} 不能撤销（已撤销或为内置示例）。",
                    "Upload {i} cannot be undone (already undone, or the built-in sample).",
                ).format(i=upload_id)
            )
        approvals.refuse_locked(cur, approvals.undo_pairs(cur, upload_id))
        changed = changed_by(cur, kind.name, upload_id)  # before the undo, which may forget the history
        restored = kind.undo(cur, upload_id)
        records.mark_undone(cur, upload_id, actor.name)
        meta.bump_data_version(cur, changed)
    return restored
