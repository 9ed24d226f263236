"""Making a backup: every table as it stood at one moment, as Parquet, with the raw upload files and a signed
manifest, written into a hidden folder next to its target and renamed into place once complete (backups.py holds
the format, checking and restoring)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from ..domain.i18n import Refused, Text
from . import catalogue, durable, raw_files
from .backups import (
    FORMAT_VERSION,
    MANIFEST,
    NOT_BACKED_UP,
    TABLES,
    BackupError,
    Manifest,
    TableFile,
    backup_key,
    failure_reason,
    signature_of,
)
from .database import ENGINE_ERRORS, Database
from .meta import data_identity, get_meta

_WRITE_ERRORS: tuple[type[Exception], ...] = (OSError, *ENGINE_ERRORS)
# The temp folder a backup is written in, next to its target: .<target's name>.partial-<8 hex digits>.
_PARTIAL = re.compile(r"^\..+\.partial-[0-9a-f]{8}$")


def create(database: Database, out_dir: Path | str) -> Manifest:
    """Back up the database as it stands at one moment into out_dir, which must not exist or be empty."""
    target = Path(out_dir).absolute()
    _check_target(target)
    key = backup_key(database)  # before anything is written: a backup is signed, or not made
    remove_interrupted(target.parent)
    temp = target.parent / f".{target.name}.partial-{uuid.uuid4().hex[:8]}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temp.mkdir(mode=0o700)  # it holds the accounts' password hashes
        (temp / TABLES).mkdir()
        manifest = _write_tables(database, temp / TABLES)
        copied = _copy_raw_files(raw_files.folder_of(database.folder), temp / raw_files.FOLDER)
        manifest = manifest.model_copy(update={"raw_files": copied})
        signature = signature_of(key, manifest.model_dump(mode="json"))
        manifest = manifest.model_copy(update={"signature": signature})
        (temp / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        _sync_tree(temp)
        _move_into_place(temp, target)
    except _WRITE_ERRORS as exc:
        raise BackupError(
            Text("无法写入备份 {d}：{e}", "Cannot write the backup {d}: {e}").format(d=target, e=failure_reason(exc))
        ) from None
    finally:
        shutil.rmtree(temp, ignore_errors=True)  # gone already once moved into place
    return manifest


def remove_interrupted(folder: Path, min_age_s: float = durable.LEFTOVER_AGE_S) -> int:
    """Remove what backups into `folder` left when interrupted (a crash, a kill, a full disk) long ago: the hidden
    `.NAME.partial-XXXXXXXX` folders holding nothing but a backup's parts (they hold password hashes), untouched for
    min_age_s. Anything else (a user's own files and folders, hidden or not) is left alone. How many were removed."""
    removed, now = 0, time.time()
    for path in folder.glob(".*.partial-*") if folder.is_dir() else []:
        try:
            if _PARTIAL.match(path.name) and _interrupted_backup(path, now - min_age_s):
                shutil.rmtree(path)
                removed += 1
        except OSError:  # gone meanwhile, or not ours to remove: left for next time
            continue
    return removed


def _interrupted_backup(path: Path, before: float) -> bool:
    """Whether path is a real folder holding only a backup's parts (no links), none changed since `before`."""
    if path.is_symlink() or not path.is_dir() or not set(os.listdir(path)) <= {MANIFEST, TABLES, raw_files.FOLDER}:
        return False
    for root, folders, files in os.walk(path):
        for entry in (root, *(os.path.join(root, name) for name in folders + files)):
            info = os.lstat(entry)
            if stat.S_ISLNK(info.st_mode) or info.st_mtime >= before:
                return False
    return True


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
            if name in NOT_BACKED_UP:
                continue
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
