"""The one door for a page's writes: whether the person may, then the core's write, then what must be read afresh.

Every write a page makes (uploads and undo, the round's settings, releases, the index's saved methods, the
validation rules, saved decks, accounts, sessions, backups) comes through `write`, which checks the role
(metrics/domain/roles.py) before the core does it again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from metrics.access import sessions
from metrics.domain.roles import Actor, require
from metrics.store import kept_backups
from metrics.store.backups import Manifest
from metrics.store.database import Database
from metrics.store.index_methods import delete_method, save_method
from metrics.store.releases import publish as publish_release
from metrics.store.releases import withdraw as withdraw_release
from metrics.store.rules import add_rule, save_rule
from metrics.store.saved_decks import delete_deck, save_deck

from . import auth, data

T = TypeVar("T")
_NOW: Any = object()  # `by` not given: whoever uses this session now, their role read afresh

__all__ = [
    "add_rule", "back_up", "delete_deck", "delete_method", "end_session", "publish_release", "restore_backup",
    "save_deck", "save_method", "save_rule", "withdraw_release", "write",
]  # fmt: skip


def write(ability: str, change: Callable[..., T], *args: Any, by: Actor | None = _NOW, **options: Any) -> T:
    """change(database, *args, by, **options) if `by` (default: who uses this session now) has the ability
    ("edit", "admin"), else Forbidden (a Problem saying so; nothing written); then the data version is read afresh,
    so the next read (a callback's page run, a rerun) shows the change."""
    who = require(auth.actor() if by is _NOW else by, ability)
    try:
        return change(data.database(), *args, who, **options)
    finally:
        data.refresh_data_version()


def back_up(database: Database, keep: int, by: Actor) -> tuple[Path, Manifest]:
    """A backup now, among the kept ones (the oldest beyond `keep` removed); `by` only checked."""
    return kept_backups.create_kept(database, kept_backups.default_folder(database.folder), keep)


def restore_backup(database: Database, name: str, keep: int, by: Actor, **options: Any):
    """Restore the kept backup `name` (the data before it backed up first)."""
    return kept_backups.restore_kept(database, kept_backups.default_folder(database.folder), name, keep, by, **options)


def end_session(database: Database, session_id: str, by: Actor) -> None:
    """End a signed-in session (by an admin)."""
    sessions.end(database, session_id, "ended by an admin")
