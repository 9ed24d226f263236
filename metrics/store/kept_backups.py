"""Kept backups: the folder of backups the app takes (now, or every few hours) and prunes, and restoring one of them
after backing up the current data."""

from __future__ import annotations

import logging
import os
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from ..domain.i18n import Refused, Text
from ..domain.roles import Actor, require
from .backup_accounts import AccountChanges
from .backup_creation import create
from .backups import MANIFEST, BackupError, Checked, Manifest, restore
from .database import Database
from .durable import remove_leftovers
from .secret_keys import SecretKeyError

_LOG = logging.getLogger(__name__)
DEFAULT_KEEP = 14  # kept backups, unless $PILOT_BACKUP_KEEP says otherwise

_STAMP = "%Y%m%d-%H%M%S"  # a kept backup's folder name: when it was taken (UTC)


def default_folder(database_folder: Path) -> Path:
    """Where the app keeps its backups: $PILOT_BACKUP_DIR, else backups/ in the database's folder (Database.folder)."""
    return Path(os.environ.get("PILOT_BACKUP_DIR") or Path(database_folder) / "backups")


def schedule_from_env() -> tuple[float, int]:
    """(every_hours, keep): $PILOT_BACKUP_HOURS (unset or 0: no scheduled backups) and $PILOT_BACKUP_KEEP (14).

    BackupError names a setting that is not a number.
    """
    hours, keep = os.environ.get("PILOT_BACKUP_HOURS") or "0", os.environ.get("PILOT_BACKUP_KEEP") or str(DEFAULT_KEEP)
    try:
        return max(float(hours), 0.0), max(int(keep), 1)
    except ValueError:
        raise BackupError(
            Text(
                "自动备份设置无效（PILOT_BACKUP_HOURS={h}，PILOT_BACKUP_KEEP={k}），自动备份未启动。",
                "The backup settings are not numbers (PILOT_BACKUP_HOURS={h}, PILOT_BACKUP_KEEP={k}); "
                "scheduled backups are off.",
            ).format(h=hours, k=keep)
        ) from None


def kept(folder: Path) -> list[tuple[Path, Manifest]]:
    """The complete backups in a folder (named by time), newest first; partial or unreadable ones are left out."""
    found = []
    for path in sorted(folder.iterdir(), reverse=True) if folder.is_dir() else []:
        try:
            datetime.strptime(path.name[:15], _STAMP)  # a second one within the same second has a suffix
            found.append((path, Manifest.model_validate_json((path / MANIFEST).read_bytes())))
        except (ValueError, OSError, ValidationError):
            continue
    return found


def create_kept(database: Database, folder: Path, keep: int, spare: str = "") -> tuple[Path, Manifest]:
    """Back up into folder/<UTC time>, then remove all but the newest `keep` backups there (never `spare`).

    Holds the write lock, so kept backups (the app's, its schedule's) are made and pruned one at a time.
    """
    with database.write_lock:
        remove_leftovers(folder)  # of backups interrupted long ago
        stamp = datetime.now(UTC).strftime(_STAMP)
        names = (stamp + (f"-{n}" if n > 1 else "") for n in range(1, 1000))
        target = next(folder / name for name in names if not (folder / name).exists())
        manifest = create(database, target)
        for old, _ in kept(folder)[max(keep, 1) :]:
            if old.name != spare:
                shutil.rmtree(old, ignore_errors=True)
    return target, manifest


def restore_kept(database: Database, folder: Path, name: str, keep: int, by: Actor, *, foreign: bool = False,
                 expected_accounts: AccountChanges | None = None) -> tuple[Path, Checked]:  # fmt: skip
    """Restore the kept backup `name`, backing the current data up first, with no write in between (`foreign` and
    `expected_accounts` as backups.restore takes them).

    Returns the backup of the data as it was, and the restored backup as checked.
    """
    require(by, "admin")
    if name not in {path.name for path, _ in kept(folder)}:
        raise Refused(Text("没有名为 {n} 的备份。", "There is no kept backup named {n}.").format(n=name))
    safety: list[Path] = []
    # Backed up once the backup to restore has passed every check: one that is refused leaves the kept ones alone.
    checked = restore(
        database, folder / name, by, foreign=foreign, expected_accounts=expected_accounts,
        before_writing=lambda: safety.append(create_kept(database, folder, keep, spare=name)[0]),
    )  # fmt: skip
    return safety[0], checked


def due(folder: Path, every_hours: float) -> bool:
    """Whether the newest backup in folder is older than every_hours (or there is none)."""
    newest = kept(folder)[:1]
    if not newest:
        return True
    taken = datetime.strptime(newest[0][0].name[:15], _STAMP).replace(tzinfo=UTC)
    return (datetime.now(UTC) - taken).total_seconds() >= every_hours * 3600


def run_schedule(database: Database, folder: Path, every_hours: float, keep: int, stop: threading.Event,
                 check_seconds: float = 60) -> None:  # fmt: skip
    """Take a kept backup whenever the newest is older than every_hours, until `stop` is set (run in a thread)."""
    while not stop.is_set():
        if due(folder, every_hours):
            try:
                create_kept(database, folder, keep)
            except (BackupError, SecretKeyError) as exc:  # a full disk: try again at the next check, say why in the log
                _LOG.error("scheduled backup failed: %s", exc.text.en)
        stop.wait(check_seconds)
