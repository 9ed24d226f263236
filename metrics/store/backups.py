"""Backups: every table as it stood at one moment, with the raw upload files; and restoring them.

A backup is a folder holding `manifest.json` (versions, each table's row count and sha256, the sequences),
`tables/<table>.parquet` (all written inside one read transaction, so they show one consistent moment) and
`uploads/` (the raw uploaded files). Both directions work on an open Database, so the app can run them through its
own connection while it serves pages.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ..domain.i18n import Problem, Refused, Text
from ..domain.roles import Actor, require
from . import catalogue, durable, raw_files
from .database import ENGINE_ERRORS, Database
from .meta import bump_data_version, data_identity, get_meta, set_meta
from .transactions import Cursor, transaction

FORMAT_VERSION = 1
_WRITE_ERRORS: tuple[type[Exception], ...] = (OSError, *ENGINE_ERRORS)
MANIFEST = "manifest.json"
TABLES = "tables"
# What a restore reads at most: a manifest is a few kilobytes; a raw file is an upload (at most 20 MB, as ingest's
# MAX_FILE_BYTES), with room to spare. Anything larger is not what a backup holds, and is never read into memory.
MAX_MANIFEST_BYTES = 16 * 2**20
MAX_RAW_FILE_BYTES = 64 * 2**20


class BackupError(Problem):
    """A backup that cannot be written or read (a missing folder, a full disk, permissions); nothing was restored.

    A backup target or a backup to restore that is itself wrong (not empty, damaged, of another schema) is Refused.
    """


class TableFile(BaseModel, frozen=True):
    """One table in a backup: its row count and the sha256 of its Parquet file."""

    rows: int
    sha256: str


class Manifest(BaseModel, frozen=True):
    """What a backup holds (its manifest.json)."""

    format_version: int
    created_at: str
    schema_version: int
    database_id: str
    data_version: int
    tables: dict[str, TableFile]
    sequences: dict[str, int | None]  # the last value each sequence handed out, None if never used
    raw_files: list[str] = []

    @property
    def rows(self) -> int:
        """Rows in all tables together."""
        return sum(t.rows for t in self.tables.values())


# --- create -------------------------------------------------------------------------------------------------


def create(database: Database, out_dir: Path | str) -> Manifest:
    """Back up the database as it stands at one moment into out_dir, which must not exist or be empty."""
    target = Path(out_dir).absolute()
    _check_target(target)
    temp = target.parent / f".{target.name}.partial-{uuid.uuid4().hex[:8]}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temp.mkdir(mode=0o700)  # it holds the accounts' password hashes
        (temp / TABLES).mkdir()
        manifest = _write_tables(database, temp / TABLES)
        copied = _copy_raw_files(raw_files.folder_of(database.folder), temp / raw_files.FOLDER)
        manifest = manifest.model_copy(update={"raw_files": copied})
        (temp / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        _sync_tree(temp)
        _move_into_place(temp, target)
    except _WRITE_ERRORS as exc:
        raise BackupError(
            Text("无法写入备份 {d}：{e}", "Cannot write the backup {d}: {e}").format(d=target, e=_reason(exc))
        ) from None
    finally:
        shutil.rmtree(temp, ignore_errors=True)  # gone already once moved into place
    return manifest


def _check_target(target: Path) -> None:
    if target.exists() and not (target.is_dir() and not any(target.iterdir())):
        raise Refused(
            Text(
                "{d} 已存在且不是空文件夹，未写入任何内容。请指定新的文件夹。",
                "{d} exists and is not an empty folder; nothing was written. Name a new folder.",
            ).format(d=target)
        )


def _write_tables(database: Database, folder: Path) -> Manifest:
    """Every table to Parquet from one snapshot, so the files agree with each other and with the manifest."""
    with database.snapshot() as cur:
        database_id, data_version = data_identity(cur)
        tables = {}
        for name in catalogue.table_names(cur):
            path = folder / f"{name}.parquet"
            rows = catalogue.copy_to_parquet(cur, name, str(path))
            tables[name] = TableFile(rows=rows, sha256=_sha256(path))
        # Read last: sequences are outside transactions, so this is at least every id the tables above hold.
        sequences = catalogue.sequence_values(cur)
        schema_version = int(get_meta(cur, "schema_version") or 0)
    return Manifest(
        format_version=FORMAT_VERSION,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        schema_version=schema_version,
        database_id=database_id,
        data_version=data_version,
        tables=tables,
        sequences=sequences,
    )


def _copy_raw_files(source: Path, destination: Path) -> list[str]:
    """Copy the intact raw files; those of every upload in the tables are there (uploads keep theirs first)."""
    destination.mkdir()
    copied = []
    for path in raw_files.stored(source):
        data = raw_files.intact_content(path)
        if data is not None:
            (destination / path.name).write_bytes(data)
            copied.append(path.name)
    return copied


def _sync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        durable.sync(path)
    durable.sync(folder)


def _move_into_place(temp: Path, target: Path) -> None:
    """Rename the finished backup to its name in one step (over an empty folder, if one is there)."""
    try:
        os.replace(temp, target)
    except OSError as exc:
        if target.exists():  # something was put into the target folder meanwhile
            _check_target(target)
        raise exc
    durable.sync(target.parent)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _reason(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]


# --- restore ------------------------------------------------------------------------------------------------


def verify(database: Database, backup_dir: Path | str) -> Manifest:
    """Check a backup against the database: its manifest, schema version, tables, and every file's sha256."""
    folder = Path(backup_dir)
    manifest = _read_manifest(folder)
    with database.cursor() as cur:
        schema_version = int(get_meta(cur, "schema_version") or 0)
        tables = set(catalogue.table_names(cur))
        sequences = set(catalogue.sequence_values(cur))
    problems = []
    if manifest.schema_version != schema_version:
        problems.append(
            Text(
                "备份的数据库结构版本为 {b}，本数据库为 {d}",
                "it was made from schema version {b}, this database has version {d}",
            ).format(b=manifest.schema_version, d=schema_version)
        )
    problems += _catalogue_problems(manifest, tables, sequences)
    problems += _file_problems(folder, manifest, tables)
    if problems:
        raise Refused(
            Text(
                "备份 {d} 不能恢复，未写入任何数据：{p}。",
                "The backup {d} cannot be restored; nothing was written: {p}.",
            ).format(d=folder, p=Text("；".join(p.zh for p in problems), "; ".join(p.en for p in problems)))
        )
    return manifest


def _read_manifest(folder: Path) -> Manifest:
    if not folder.is_dir():
        raise BackupError(Text("找不到备份文件夹 {d}。", "There is no backup folder {d}.").format(d=folder))
    try:
        manifest = Manifest.model_validate_json(_read_plain(folder / MANIFEST, MAX_MANIFEST_BYTES))
    except _NotPlain:
        raise Refused(
            Text(
                "{d} 不是可用的备份：其中的 {m} 不是普通文件（是链接、管道、设备或文件夹），未读取，未写入任何数据。",
                "{d} is not a usable backup: its {m} is not a plain file (it is a link, a pipe, a device or a "
                "folder); it was not read, and nothing was written.",
            ).format(d=folder, m=MANIFEST)
        ) from None
    except (OSError, ValidationError):
        raise Refused(
            Text(
                "{d} 不是可用的备份：{m} 缺失或无法读取，未写入任何数据。",
                "{d} is not a usable backup: its {m} is missing or unreadable; nothing was written.",
            ).format(d=folder, m=MANIFEST)
        ) from None
    if manifest.format_version != FORMAT_VERSION:
        raise Refused(
            Text(
                "备份 {d} 的格式版本 {v} 本程序无法读取，未写入任何数据。",
                "The backup {d} has format version {v}, which this program cannot read; nothing was written.",
            ).format(d=folder, v=manifest.format_version)
        )
    return manifest


def _catalogue_problems(manifest: Manifest, tables: set[str], sequences: set[str]) -> list[Text]:
    """Tables (and sequences) on one side only: a backup of some other kind of database."""
    lacking, extra = sorted(tables - set(manifest.tables)), sorted(set(manifest.tables) - tables)
    extra_sequences = sorted(set(manifest.sequences) - sequences)
    problems = []
    if lacking:
        problems.append(Text("缺少数据表 {t}", "it lacks the tables {t}").format(t=", ".join(lacking)))
    if extra or extra_sequences:
        names = ", ".join(extra + extra_sequences)
        problems.append(
            Text("含有本数据库没有的数据表 {t}", "it holds tables this database lacks: {t}").format(t=names)
        )
    return problems


def _file_problems(folder: Path, manifest: Manifest, tables: set[str]) -> list[Text]:
    """Files of the backup that are missing, not plain files (a link, which may point anywhere, a pipe that would
    never end, a device), or whose content is not what the manifest (or name) says."""
    missing, special, altered = [], [], []
    for sub in (TABLES, raw_files.FOLDER):
        if (folder / sub).is_symlink():
            special.append(f"{sub}/")
    for name, entry in manifest.tables.items():
        if name not in tables or f"{TABLES}/" in special:
            continue  # a table this database lacks is reported already, and its file is never opened
        path = folder / TABLES / f"{name}.parquet"
        kind = _kind_of(path)
        if kind is None:
            missing.append(path.name)
        elif kind != "plain":
            special.append(f"{TABLES}/{path.name}")
        elif _sha256_plain(path) != entry.sha256:
            altered.append(path.name)
    for name in manifest.raw_files:
        path = folder / raw_files.FOLDER / name
        kind = _kind_of(path) if raw_files.is_raw_name(name) and f"{raw_files.FOLDER}/" not in special else None
        if kind is None:
            missing.append(f"{raw_files.FOLDER}/{name}")
        elif kind != "plain":
            special.append(f"{raw_files.FOLDER}/{name}")
        elif _size(path) > MAX_RAW_FILE_BYTES or not raw_files.is_intact(path):
            altered.append(f"{raw_files.FOLDER}/{name}")
    problems = []
    if missing:
        problems.append(Text("缺少文件 {f}", "files are missing: {f}").format(f=", ".join(missing)))
    if special:
        problems.append(
            Text(
                "{f} 不是普通文件（是链接、管道或设备），未读取",
                "{f} are not plain files (links, pipes or devices) and were not read",
            ).format(f=", ".join(special))
        )
    if altered:
        problems.append(
            Text("文件 {f} 已被改动或损坏", "files were altered or damaged: {f}").format(f=", ".join(altered))
        )
    return problems


class _NotPlain(Exception):
    """A file of a backup that is not a plain file (a link, a pipe, a device, a folder)."""


def _kind_of(path: Path) -> str | None:
    """'plain' for a regular file, 'special' for anything else there (a link is never followed), None if nothing
    is there or it cannot be looked at."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    return "plain" if stat.S_ISREG(mode) else "special"


def _size(path: Path) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0


def _open_plain(path: Path) -> int:
    """A file descriptor of a plain file, opened without following a link or waiting on a pipe; _NotPlain else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if path.is_symlink():
            raise _NotPlain(path) from None
        raise exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise _NotPlain(path)
    return fd


def _read_plain(path: Path, limit: int) -> bytes:
    """A plain file's content, refused (OSError) when it is larger than `limit`."""
    fd = _open_plain(path)
    try:
        if os.fstat(fd).st_size > limit:
            raise OSError(f"{path.name} is larger than {limit} bytes")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise OSError(f"{path.name} is larger than {limit} bytes")
    return data


def _sha256_plain(path: Path) -> str:
    """The sha256 of a plain file's content ('' when it is not one, or cannot be read)."""
    try:
        fd = _open_plain(path)
    except (OSError, _NotPlain):
        return ""
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "rb", closefd=False) as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return ""
    finally:
        os.close(fd)
    return digest.hexdigest()


def restore(database: Database, backup_dir: Path | str, by: Actor) -> Manifest:
    """Replace every table's rows with the backup's in one transaction (after verify); a failure changes nothing.

    Only an admin may: it replaces the accounts too.
    """
    require(by, "admin")
    folder = Path(backup_dir)
    with database.write_lock:  # no upload is checked against data that is about to be replaced
        manifest = verify(database, folder)
        _copy_back_raw_files(folder / raw_files.FOLDER, raw_files.folder_of(database.folder), manifest.raw_files)
        try:
            with database.cursor() as cur, transaction(cur):
                _replace_tables(cur, folder, manifest)
        except ENGINE_ERRORS as exc:
            raise Refused(
                Text(
                    "数据库拒绝了恢复，原有数据未变：{e}",
                    "The database refused the restore; its data is unchanged: {e}",
                ).format(e=_reason(exc))
            ) from None
    return manifest


def _copy_back_raw_files(source: Path, destination: Path, names: list[str]) -> None:
    """Put back raw files that are missing (or torn); before the commit, as an upload keeps its file first."""
    try:
        for name in names:
            raw_files.keep(destination, name, (source / name).read_bytes())
    except OSError as exc:
        raise BackupError(
            Text(
                "无法复制上传的原始文件：{e}，未写入任何数据。",
                "Cannot copy the raw upload files back: {e}; nothing was written.",
            ).format(e=_reason(exc))
        ) from None


def _replace_tables(cur: Cursor, folder: Path, manifest: Manifest) -> None:
    database_id, version_before = data_identity(cur)
    for name, entry in manifest.tables.items():
        rows = catalogue.replace_from_parquet(cur, name, str(folder / TABLES / f"{name}.parquet"))
        if rows != entry.rows:
            raise Refused(
                Text(
                    "备份中 {t} 表应有 {n} 行，实际读到 {r} 行，未写入任何数据。",
                    "The backup's table {t} should hold {n} rows but {r} were read; nothing was written.",
                ).format(t=name, n=entry.rows, r=rows)
            )
    # The restored meta rows carry the backup's data version. Caches key on (database id, data version), so the
    # restored data gets a version above both the backup's and the one just replaced: none has seen it before.
    set_meta(cur, "database_id", database_id)
    set_meta(cur, "data_version", str(max(version_before, manifest.data_version)))
    bump_data_version(cur)
    for name, value in manifest.sequences.items():
        if value is not None:
            catalogue.raise_sequence(cur, name, value)
