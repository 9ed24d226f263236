"""Many files at once (the year's forms coming back): a zip unpacked, a workbook whose several sheets hold tables
taken sheet by sheet, each file checked on its own, those that passed loaded one by one (each its own upload, undone
alone), the refused ones recorded for the round's tracker.

Every file ends loaded, refused with its reasons, or unchanged (its values already stored, as the database stood
when the batch was loaded); on the Upload page, a file whose check came out different once the batch's earlier files
were loaded waits for the officer to look at it ('review'). Whatever the bytes (a damaged or hostile zip included),
what cannot be read is refused with a message, in bounded time, never with an exception.
"""

from __future__ import annotations

import hashlib
import io
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import pandas as pd

from ..domain import registry
from ..domain.i18n import Problem, Text
from ..domain.roles import Actor, require
from ..store.cities import list_cities
from ..store.database import ENGINE_ERRORS, Database, DatabaseError
from . import uploads
from .reader import is_archive
from .report import Issue, Report
from .shapes import sheet_rows
from .table import MAX_FILE_BYTES
from .workbooks import MAX_XLSX_EXPANDED_BYTES, check_expansion

MAX_FILES = 500  # files in one go: the programme has 65 pilots; thousands would be a mistake
MAX_EXPANDED_BYTES = MAX_XLSX_EXPANDED_BYTES  # a zip's files together, as read (never as its directory claims)
TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
ARCHIVE_SUFFIXES = {".zip", ".7z", ".rar", ".gz", ".tgz", ".tar", ".bz2", ".xz"}
SHEET_MARK = " › "  # a sheet of a workbook as a file of the batch: `book.xlsx › 2024`
STATUSES = ("loaded", "unchanged", "ready", "review", "refused", "unread")


@dataclass
class Outcome:
    """What became of one file of a batch (a zip's file, a workbook's sheet): loaded as an upload, refused (its
    check, or `refusal`, says why), unchanged, or (on the Upload page) checked again and waiting for a look."""

    prepared: uploads.Prepared
    data: bytes
    upload_id: int | None = None
    refusal: Text | None = None  # why it was refused after its check passed: checked again, or by the database
    review: bool = False  # checked again, it came out different from the check shown: not loaded, waits for a look
    sheet: str | None = None  # the sheet it stands for, of a workbook whose several sheets hold tables
    rechecked: bool = False  # checked again when the batch was loaded, the data having changed since its check
    shown: uploads.Prepared | None = None  # when waiting for review: the check shown before it was checked again
    not_read: int = 0  # the entry for the files past MAX_FILES: how many there were

    @property
    def status(self) -> str:
        """'loaded'; 'ready' (passed, not loaded yet); 'unchanged' (passed, and its values are already stored, so
        it is not loaded again); 'review' (checked again, different: not loaded); 'refused'; or 'unread' (the
        entry for files past MAX_FILES)."""
        if self.not_read:
            return "unread"
        if self.upload_id is not None:
            return "loaded"
        if self.review:
            return "review"
        if not self.prepared.report.ok or self.refusal is not None:
            return "refused"
        return "ready" if _changes_something(self.prepared) else "unchanged"

    @property
    def warnings(self) -> list[Issue]:
        """The warnings of its check (a file that passed may have some worth a look before it is loaded)."""
        return [i for i in self.prepared.report.sorted_issues() if i.level == "warning"]

    @property
    def files(self) -> int:
        """How many files it stands for (the entry for files not read stands for all of them)."""
        return self.not_read or 1


def _changes_something(prepared: uploads.Prepared) -> bool:
    return any(n for name, n in prepared.counts.items() if name != "unchanged")


def with_warnings(outcomes: list[Outcome]) -> list[Outcome]:
    """The files ready to load whose check has warnings (the Upload page loads them only when the officer asks)."""
    return [o for o in outcomes if o.status == "ready" and o.warnings]


def counts(outcomes: list[Outcome]) -> dict[str, int]:
    """Files by status (every status of STATUSES, 0 where none), the files not read counted one by one."""
    found = dict.fromkeys(STATUSES, 0)
    for outcome in outcomes:
        found[outcome.status] += outcome.files
    return found


TOO_MANY = Text(
    "一次最多 {n} 个文件；其余 {m} 个文件未读取，请分批上传。",
    "At most {n} files at once; the other {m} files were not read: upload them in parts.",
)
REVIEW = Text(
    "同批其他文件导入后（或他人更改了数据），此文件已按最新数据重新检查，结果与先前显示的不同（{d}），未导入。"
    "请核对下面的新检查结果，再导入。",
    "Once other files of the batch were loaded (or someone else changed the data), this file was checked again "
    "against the new data and the result differs from what was shown ({d}); it was not loaded. Review the new "
    "check below, then load it.",
)
RECHECK_REFUSED = Text(
    "同批其他文件导入后（或他人更改了数据），此文件已按最新数据重新检查，发现错误，未导入。",
    "Once other files of the batch were loaded (or someone else changed the data), this file was checked again "
    "against the new data and has errors; it was not loaded.",
)
_NOT_READ = "，未读取。", "; it was not read."
DAMAGED_ZIP = Text(
    "zip 压缩包已损坏或不完整，无法读取其中的文件。",
    "The zip archive is damaged or incomplete; its files cannot be read.",
)
ZIP_TOO_LARGE = Text(
    "zip 压缩包解压后超过 {m} MB，拒绝读取（可能是恶意文件）。",
    "The zip archive expands to more than {m} MB; it was not read (it may be malicious).",
).format(m=MAX_EXPANDED_BYTES // 2**20)
MEMBER_DAMAGED = Text(
    "文件在压缩包中已损坏（校验失败或数据不完整）" + _NOT_READ[0],
    "The file is damaged in the zip (its checksum fails or its data is incomplete)" + _NOT_READ[1],
)
MEMBER_ENCRYPTED = Text(
    "文件在压缩包中有密码保护" + _NOT_READ[0], "The file is password-protected in the zip" + _NOT_READ[1]
)
MEMBER_LINK = Text("这是符号链接，不是文件" + _NOT_READ[0], "This is a symbolic link, not a file" + _NOT_READ[1])
MEMBER_SPECIAL = Text(
    "这不是普通文件（设备、管道等）" + _NOT_READ[0], "This is not a plain file (a device, a pipe …)" + _NOT_READ[1]
)
MEMBER_ARCHIVE = Text(
    "这是压缩包中的压缩包" + _NOT_READ[0] + "请先解压，再上传其中的文件。",
    "This is an archive inside the zip" + _NOT_READ[1] + " Unpack it and upload the files inside.",
)
MEMBER_NOT_TABLE = Text("不是表格文件（CSV、TXT 或 Excel）" + _NOT_READ[0],
                        "Not a table file (CSV, TXT or Excel)" + _NOT_READ[1])  # fmt: skip
MEMBER_TOO_LARGE = Text("文件超过 {m} MB" + _NOT_READ[0], "The file is over {m} MB" + _NOT_READ[1]).format(
    m=MAX_FILE_BYTES // 2**20
)
UNREADABLE = Text(
    "文件无法读取（{e}），可能已损坏，未写入任何数据。",
    "The file cannot be read ({e}); it may be damaged. Nothing was written.",
)
CONFLICT = Text(
    "与同批其他文件冲突：{c}在本文件为 {v}，而{o}。同一批文件不能给同一数值两个不同的值，这些文件都未导入；"
    "请改正后重新上传。",
    "Conflicts with another file of the batch: {c} is {v} here but {o}. Files of one batch may not give one figure "
    "two different values; none of them was loaded. Correct them and upload them again.",
)
CONFLICT_IN = Text("在 {f}（第 {r} 行）为 {v}", "{v} in {f} (row {r})")
CONFLICT_MORE = Text("另有 {n} 个文件的值也不同", "other values in {n} more files")
MAX_CONFLICTS_NAMED = 3  # other files named in one conflict; the rest counted


# --- the files a batch stands for ---------------------------------------------------------------------------------


def unpack(data: bytes, name: str) -> list[tuple[str, bytes | Text]]:
    """The files a dropped file stands for: itself, or a zip's table files (each, or why it cannot be read); the
    zip's own folders, hidden files and Excel's lock files are passed over."""
    return _unpack(data, name, MAX_FILES)[0]


def _unpack(data: bytes, name: str, room: int) -> tuple[list[tuple[str, bytes | Text]], int]:
    """unpack's files, at most `room` of them, and how many more there were (not read)."""
    if not is_archive(data):
        return ([(name, data)], 0) if room > 0 else ([], 1)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [(e, PurePosixPath(_member_name(e))) for e in archive.infolist()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return [(name, DAMAGED_ZIP)], 0
    try:
        check_expansion(archive)  # by what its directory says; what is read is bounded below whatever it says
    except Problem:
        return [(name, ZIP_TOO_LARGE)], 0
    files = [(e, path) for e, path in entries if not _passed_over(e, path)]
    members: list[tuple[str, bytes | Text]] = []
    budget = MAX_EXPANDED_BYTES
    for entry, path in files[:room]:
        content = _member(archive, entry, path, budget)
        if isinstance(content, bytes):
            budget -= len(content)
        members.append((f"{name}/{_printable(str(path))}", content))
    return members, max(len(files) - room, 0)


def _passed_over(entry: zipfile.ZipInfo, path: PurePosixPath) -> bool:
    """A zip's folder, hidden file (a Mac's __MACOSX too) or Excel lock file: not one of its files."""
    return entry.filename.endswith("/") or path.name.startswith((".", "~$")) or "__MACOSX" in path.parts


def _member(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, path: PurePosixPath, budget: int) -> bytes | Text:
    """A zip member's bytes, read at most MAX_FILE_BYTES (and `budget`) + 1 whatever its header says; or why not."""
    mode = entry.external_attr >> 16
    if stat.S_ISLNK(mode):
        return MEMBER_LINK
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
        return MEMBER_SPECIAL
    suffix = path.suffix.lower()
    if suffix in ARCHIVE_SUFFIXES:
        return MEMBER_ARCHIVE
    if suffix not in TABLE_SUFFIXES:
        return MEMBER_NOT_TABLE
    if entry.flag_bits & 0x1:
        return MEMBER_ENCRYPTED
    if entry.file_size > MAX_FILE_BYTES:
        return MEMBER_TOO_LARGE
    if budget <= 0:
        return ZIP_TOO_LARGE
    try:
        with archive.open(entry) as handle:  # stops at the size the header gives, and checks the CRC at the end
            content = handle.read(min(MAX_FILE_BYTES, budget) + 1)
    except RuntimeError:  # zipfile's word for an encrypted member
        return MEMBER_ENCRYPTED
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, LookupError):
        return MEMBER_DAMAGED
    if len(content) > MAX_FILE_BYTES:
        return MEMBER_TOO_LARGE
    return content if len(content) <= budget else ZIP_TOO_LARGE


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


def _printable(name: str) -> str:
    """A name from inside a file, its control characters shown as <U+001B> (a name never moves a terminal)."""
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else f"<U+{ord(c):04X}>" for c in name)


# --- checking -----------------------------------------------------------------------------------------------------


def check_files(database: Database, files: list[tuple[str, bytes]]) -> list[Outcome]:
    """Each dropped file (a zip's files in its place, a workbook whose several sheets hold tables as one file per
    sheet) checked on its own against the stored data; two files that give one cell different values refused
    both; at most MAX_FILES, the rest counted in a last entry ('unread')."""
    outcomes: list[Outcome] = []
    not_read, first_unread = 0, ""
    for name, data in files:
        members, skipped = _unpack(data, name, MAX_FILES - len(outcomes))
        for member, content in members:
            checked = list(_checked(database, member, content, data))
            room = MAX_FILES - len(outcomes)
            outcomes += checked[:room]
            skipped += max(len(checked) - room, 0)
        if skipped and not not_read:
            first_unread = name
        not_read += skipped
    with database.snapshot() as cur:
        names = dict(zip(*[list_cities(cur)[c] for c in ("city_code", "name_zh")], strict=True))
    _refuse_conflicts(outcomes, names)
    if not_read:
        unread = _refused(first_unread, b"", TOO_MANY.format(n=MAX_FILES, m=not_read))
        unread.not_read = not_read
        outcomes.append(unread)
    return outcomes


def _checked(database: Database, member: str, content: bytes | Text, dropped: bytes) -> Iterator[Outcome]:
    """The outcomes of one file's check: one, or one per sheet of a workbook whose several sheets hold tables."""
    name = PurePosixPath(member).name
    if not isinstance(content, bytes):  # a zip's member that could not be read: known by the zip and its name
        key = hashlib.sha256(f"{hashlib.sha256(dropped).hexdigest()}\n{member}".encode()).hexdigest()
        yield Outcome(_refusal(name, b"", content, key), b"")
        return
    prepared = prepared_safely(database, content, name)
    if not stands_for_sheets(prepared):
        yield Outcome(prepared, content)
        return
    for sheet in prepared.sheets:
        shown = f"{name}{SHEET_MARK}{_printable(sheet)}"
        yield Outcome(prepared_safely(database, content, shown, sheet), content, sheet=sheet)


def stands_for_sheets(prepared: uploads.Prepared) -> bool:
    """Whether a file, read without naming a sheet, is a workbook whose several sheets hold tables: a file of the
    batch per sheet."""
    return len(prepared.sheets) > 1 and prepared.kind is None


_DATABASE_ERRORS: tuple[type[Exception], ...] = (DatabaseError, *ENGINE_ERRORS)


def prepared_safely(database: Database, data: bytes, name: str, sheet: str | None = None) -> uploads.Prepared:
    """uploads.prepare, but a file that fails to be read in a way no reader foresaw is refused saying so: one
    damaged file never stops a batch, nor shows a traceback. The database's own failures still raise."""
    try:
        return uploads.prepare(database, data, name, sheet)
    except _DATABASE_ERRORS:
        raise
    except Problem as exc:
        return _refusal(name, data, exc.text)
    except Exception as exc:  # a reader library's own failure on damaged bytes
        return _refusal(name, data, UNREADABLE.format(e=type(exc).__name__))


def _refused(name: str, data: bytes, why: Text) -> Outcome:
    return Outcome(_refusal(PurePosixPath(name).name, data, why), data)


def _refusal(file_name: str, data: bytes, why: Text, sha256: str | None = None) -> uploads.Prepared:
    """A file refused before its check could begin, saying why."""
    report = Report()
    report.add(None, None, "error", why)
    return uploads.Prepared(file_name, sha256 or hashlib.sha256(data).hexdigest(), None, report)


_CELL_KEYS = ("table", "city_code", "year", "column", "event_date", "title_zh")  # which cell a change is of


def _refuse_conflicts(outcomes: list[Outcome], names: dict[str, str]) -> None:
    """Files of the batch that give one cell (pilot, year, field) different values: each refused, for each such
    cell, naming the others (their rows and values), so that none silently wins. The same value twice is fine."""
    frames = []
    for k, o in enumerate(outcomes):
        if o.prepared.report.ok and not o.prepared.changes.empty:
            frames.append(o.prepared.changes.astype(object).assign(file=k))
    if len(frames) < 2:
        return
    cells = pd.concat(frames, ignore_index=True)
    cells = cells[cells["new"].notna()]  # an events file's stored events it drops set nothing
    keys = [c for c in _CELL_KEYS if c in cells.columns]
    cells = cells.assign(new=cells["new"].astype(str))
    values = cells.groupby(keys, dropna=False, sort=False)["new"].transform("nunique")
    for _, group in cells[values > 1].groupby(keys, dropna=False, sort=False):
        rows = list(group.itertuples())
        for mine in rows:
            others = [r for r in rows if r.file != mine.file and r.new != mine.new]
            if others:
                _add_conflict(outcomes, mine, others, names)


def _add_conflict(outcomes: list[Outcome], cell: Any, others: list[Any], names: dict[str, str]) -> None:
    """Refuse the file of `cell` for giving it a value other files (`others`, rows of theirs) give differently."""
    column, year = _given(cell.column), _given(cell.year)
    ind = registry.get(column) if column in registry.KEYS else None
    label = Text(ind.label_zh, ind.label_en) if ind is not None else Text(column or "", column or "")
    code = _given(cell.city_code)
    pilot = f"{names.get(code, code)}（{code}）" if code else None  # as the other messages name a pilot
    whose = " ".join(v for v in (pilot, _given(getattr(cell, "title_zh", None)), year) if v)
    what = (Text("{w} 年{l}", "{w} {l}") if year else Text("{w} {l}", "{w} {l}")).format(w=whose, l=label)
    named = [CONFLICT_IN.format(f=outcomes[o.file].prepared.file_name, r=_sheet_row(outcomes[o.file], o) or "?",
                                v=o.new) for o in others[:MAX_CONFLICTS_NAMED]]  # fmt: skip
    if len(others) > MAX_CONFLICTS_NAMED:
        named.append(CONFLICT_MORE.format(n=len(others) - MAX_CONFLICTS_NAMED))
    listed = Text("，".join(t.zh for t in named), ", ".join(t.en for t in named))
    message = CONFLICT.format(c=what, v=cell.new, o=listed)
    prepared = outcomes[cell.file].prepared
    # No column: the message names the field in the reader's language (a file's own header is not kept).
    prepared.report.place(Issue(_sheet_row(outcomes[cell.file], cell), None, "error", message, prepared.sheet))


def _given(value: object) -> str | None:
    """A value of a change as text, None for none (None, NaN, NA)."""
    return None if value is None or bool(pd.isna(value)) else str(value)


def _sheet_row(outcome: Outcome, change: Any) -> int | None:
    """A change's row as its sheet numbers it (a reshaped sheet's cells have rows of their own)."""
    try:
        row = int(change.row)
    except (TypeError, ValueError):
        return None
    places = outcome.prepared.report.places
    return sheet_rows(places, [row], [str(change.column)])[0] if places is not None else row


# --- loading ------------------------------------------------------------------------------------------------------


def record_refusals(database: Database, outcomes: list[Outcome], by: Actor | None) -> int:
    """Record every refused file as an attempt for the round's tracker (once per file's bytes, and sheet); how many
    were new."""
    refused = [o for o in outcomes if not o.prepared.report.ok and not o.not_read]
    return sum(uploads.record_refusal(database, o.prepared, by) for o in refused)


def load_passed(database: Database, outcomes: list[Outcome], by: Actor | None, review: bool = True) -> list[Outcome]:
    """Load every file that passed, one upload each, in the order given; the outcomes, updated.

    One file's commit changes the data the next ones were checked against (a jump warning compares a year with the
    one before, which another file of the batch may just have written), so every file whose check is older than
    the data, those that would have changed nothing included, is checked again, with no other write in between,
    and the new check is what counts: refused if it finds errors, unchanged if it changes nothing, else loaded.
    With `review` (the Upload page, where the officer saw each check), a new check that shows anything the officer
    did not see (other changes, a new warning) is not loaded but waits for a look ('review'); with `review` False
    (the command line, which has no look in between, as a single file's import checks and loads in one go) the new
    check is loaded, its warnings reported. Files checked again and refused are recorded for the round's tracker.
    """
    require(by, "edit")
    with database.write_lock:
        for outcome in outcomes:
            if outcome.status not in ("ready", "unchanged", "review"):
                continue
            shown = outcome.prepared  # a file waiting for review was shown with its newer check
            if uploads.is_fresh(database, shown):
                fresh = shown
            else:
                fresh = prepared_safely(database, outcome.data, shown.file_name, outcome.sheet)
                outcome.prepared, outcome.rechecked = fresh, True
                if not fresh.report.ok:
                    outcome.review, outcome.refusal = False, RECHECK_REFUSED
                    uploads.record_refusal(database, fresh, by)
                    continue
                if review and not fresh.agrees_with(shown):
                    outcome.review, outcome.shown = True, shown
                    continue
            outcome.review, outcome.shown = False, None
            if not _changes_something(fresh):
                continue  # its values are stored already, as the database stands now: not loaded again
            try:
                outcome.upload_id = uploads.commit(database, fresh, outcome.data, by)
            except Problem as exc:
                outcome.refusal = exc.text
    return outcomes


def differences(outcome: Outcome) -> Text:
    """How a file waiting for review differs from the check shown before: new errors, new warnings, cells whose
    change is not the one shown."""
    if outcome.shown is None:
        return Text("", "")
    found = outcome.prepared.departures(outcome.shown)
    parts = [
        (found["cells"], Text("{n} 个单元格的改动不同", "{n} cells change differently")),
        (found["warnings"], Text("{n} 条新提醒", "{n} new warnings")),
        (found["errors"], Text("{n} 个错误", "{n} errors")),
    ]
    shown = [text.format(n=n) for n, text in parts if n]
    return Text("；".join(t.zh for t in shown), "; ".join(t.en for t in shown))
