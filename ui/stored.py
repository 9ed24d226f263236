"""What a page may name of the store: its reads (handed to data.read with the page's view), its records, and the
backups and sessions the admin page lists. Pages never import metrics.store or hold a database themselves
(tests/test_pages.py scans them); this is the one list of what they reach."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from metrics.access import sessions
from metrics.store import backups, kept_backups
from metrics.store.accounts import list_users
from metrics.store.backups import BackupError, Checked, Manifest
from metrics.store.cities import list_cities
from metrics.store.index_methods import get_method, method_names
from metrics.store.meta import is_sample
from metrics.store.releases import latest as latest_release
from metrics.store.releases import list_releases
from metrics.store.rounds import Round, default_due, round_years
from metrics.store.rules import rules_in_force
from metrics.store.saved_decks import may_delete
from metrics.store.targets import target_years
from metrics.store.uploads import undoable_uploads, upload_history

from . import data

__all__ = [
    "BackupError",
    "Checked",
    "Round",
    "active_sessions",
    "backup_folder",
    "backup_schedule",
    "check_backup",
    "default_due",
    "get_method",
    "is_sample",
    "kept",
    "latest_release",
    "list_cities",
    "list_releases",
    "list_users",
    "may_delete",
    "method_names",
    "round_years",
    "rules_in_force",
    "target_years",
    "undoable_uploads",
    "upload_history",
]


def backup_schedule() -> tuple[float, int]:
    """Every how many hours a backup is taken and how many are kept ($PILOT_BACKUP_HOURS, $PILOT_BACKUP_KEEP);
    BackupError for a setting that is not a number."""
    return kept_backups.schedule_from_env()


DEFAULT_KEEP = kept_backups.DEFAULT_KEEP


def backup_folder() -> Path:
    """Where the database's backups are kept."""
    return kept_backups.default_folder(data.database().folder)


def kept() -> list[tuple[Path, Manifest]]:
    """The kept backups, newest first, each with its manifest."""
    return kept_backups.kept(backup_folder())


def check_backup(name: str) -> Checked:
    """A kept backup's manifest, signature and accounts (quick: a restore checks every file again first)."""
    return backups.check(data.database(), backup_folder() / name, every_file=False)


def active_sessions() -> pd.DataFrame:
    """The sessions signed in with a password now, read afresh (a session starts or ends without a new data
    version)."""
    return sessions.active(data.database())
