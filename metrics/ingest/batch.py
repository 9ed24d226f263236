"""Many files at once (the year's forms coming back): a zip unpacked, each file checked on its own, those that
passed loaded one by one (each its own upload, undone alone), the refused ones recorded for the round's tracker."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..domain.i18n import Problem, Text
from ..domain.roles import Actor, require
from ..store.database import Database
from . import uploads
from .reader import is_archive
from .report import Report
from .table import MAX_FILE_BYTES
from .workbooks import check_expansion

MAX_FILES = 500  # files in one go: the programme has 65 pilots; thousands would be a mistake
TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


@dataclass
class Outcome:
    """What became of one checked file: loaded as an upload, or refused (the prepared check says why), or gone
    stale (someone else changed its cells since: it has been checked again and waits to be confirmed)."""

    prepared: uploads.Prepared
    data: bytes
    upload_id: int | None = None
    refusal: Text | None = None  # why the database refused it at the last moment
    stale: bool = False  # its changes were no longer those shown: checked again, it waits for a look (STALE says so)

    @property
    def status(self) -> str:
        """'loaded', 'ready' (passed, not loaded yet), 'unchanged' (passed, and would change nothing), 'stale', or
        'refused'."""
        if self.upload_id is not None:
            return "loaded"
        if self.stale:
            return "stale"
        if not self.prepared.report.ok or self.refusal is not None:
            return "refused"
        changes = any(n for name, n in self.prepared.counts.items() if name != "unchanged")
        return "ready" if changes else "unchanged"


TOO_MANY = Text(
    "一次最多 {n} 个文件；其余文件未读取，请分批上传。",
    "At most {n} files at once; the rest were not read: upload them in parts.",
)
STALE = Text(
    "检查此文件后，数据已被更改（可能是同批的其他文件），其改动与先前显示的不同，未写入。已按最新数据重新检查，请核对后再导入。",
    "The data changed after this file was checked (perhaps by another file of the batch) and its changes are no "
    "longer those shown; it was not written. It has been checked again: review it and load it again.",
)


def unpack(data: bytes, name: str) -> list[tuple[str, bytes | Text]]:
    """The files a dropped file stands for: itself, or a zip's table files (each, or why it cannot be read); the
    zip's own folders, hidden files and Excel's lock files are passed over."""
    if not is_archive(data):
        return [(name, data)]
    archive = zipfile.ZipFile(io.BytesIO(data))
    try:
        check_expansion(archive)
    except Problem as exc:
        return [(name, exc.text)]
    members: list[tuple[str, bytes | Text]] = []
    for entry in archive.infolist():
        path = PurePosixPath(_member_name(entry))
        if entry.is_dir() or path.name.startswith((".", "~$")) or "__MACOSX" in path.parts:
            continue
        shown = f"{name}/{path}"
        if path.suffix.lower() not in TABLE_SUFFIXES:
            members.append((shown, Text("不是表格文件（CSV、TXT 或 Excel），未读取。",
                                        "Not a table file (CSV, TXT or Excel); it was not read.")))  # fmt: skip
        elif entry.file_size > MAX_FILE_BYTES:
            members.append((shown, Text("文件超过 {m} MB，未读取。", "The file is over {m} MB; it was not read.")
                            .format(m=MAX_FILE_BYTES // 2**20)))  # fmt: skip
        else:
            members.append((shown, archive.read(entry)))
    return members


def _member_name(entry: zipfile.ZipInfo) -> str:
    """A member's name as its maker wrote it: zips made on Chinese Windows store GBK names without saying so."""
    if entry.flag_bits & 0x800:  # the name is UTF-8, and Python has decoded it
        return entry.filename
    raw = entry.filename.encode("cp437")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return entry.filename


def check_files(database: Database, files: list[tuple[str, bytes]]) -> list[Outcome]:
    """Each dropped file (a zip's files in its place) checked on its own against the stored data."""
    outcomes: list[Outcome] = []
    for name, data in files:
        for member, content in unpack(data, name):
            if len(outcomes) >= MAX_FILES:
                return [*outcomes, _unread(name, data, TOO_MANY.format(n=MAX_FILES))]
            if isinstance(content, bytes):
                outcomes.append(Outcome(uploads.prepare(database, content, PurePosixPath(member).name), content))
            else:
                outcomes.append(_unread(member, b"", content))
    return outcomes


def _unread(name: str, data: bytes, why: Text) -> Outcome:
    report = Report()
    report.add(None, None, "error", why)
    return Outcome(uploads.Prepared(PurePosixPath(name).name, hashlib.sha256(data).hexdigest(), None, report), data)


def record_refusals(database: Database, outcomes: list[Outcome], by: Actor | None) -> int:
    """Record every refused file as an attempt for the round's tracker (once per file's bytes); how many were new."""
    return sum(uploads.record_refusal(database, o.prepared, by) for o in outcomes if not o.prepared.report.ok)


def load_passed(database: Database, outcomes: list[Outcome], by: Actor | None) -> list[Outcome]:
    """Load every file that passed, one upload each, in the order given; the outcomes, updated.

    One file's commit changes the data the next was checked against, so each later file is checked again: it is
    loaded when the new check finds exactly what the officer saw (the usual case, pilots' files touching cells of
    their own), and otherwise left stale with the new check to confirm, never committed unseen.
    """
    require(by, "edit")
    with database.write_lock:
        for outcome in outcomes:
            if outcome.status not in ("ready", "stale"):
                continue
            shown = outcome.prepared  # a stale file's shown check is the new one it has been shown with
            if not uploads.is_fresh(database, shown):  # checked again only when the data has changed since
                fresh = uploads.prepare(database, outcome.data, shown.file_name, shown.sheet)
                outcome.prepared, outcome.stale = fresh, not fresh.same_as(shown)
            else:
                fresh, outcome.stale = shown, False
            if outcome.stale or not fresh.report.ok:
                continue
            try:
                outcome.upload_id = uploads.commit(database, fresh, outcome.data, by)
            except Problem as exc:
                outcome.refusal = exc.text
    return outcomes
