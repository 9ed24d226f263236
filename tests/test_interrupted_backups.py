"""What interrupted backups leave beside their target (hidden partial folders) is removed by the next backup, and
nothing else is."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from metrics.store import backup_creation, backups, kept_backups

pytestmark = pytest.mark.both_engines


def _aged(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    for p in sorted(path.rglob("*"), reverse=True) if path.is_dir() and not path.is_symlink() else []:
        os.utime(p, (then, then), follow_symlinks=False)
    os.utime(path, (then, then), follow_symlinks=False)


def _folder(*parts: str):
    def make(path: Path) -> None:
        path.mkdir()
        for part in parts:
            if part.endswith("/"):
                (path / part).mkdir()
                (path / part / "cities.parquet").write_bytes(b"PAR1")
            else:
                (path / part).write_bytes(b"x")

    return make


def _file(path: Path) -> None:
    path.write_bytes(b"mine")


def _link_to_a_folder(path: Path) -> None:
    target = path.parent / "linked-target"
    target.mkdir()
    path.symlink_to(target)


# what is in the backup's parent folder: (its name, how it is made, its age in seconds, whether a backup removes it)
NEAR_A_BACKUP = {
    "interrupted while writing tables": (".old.partial-1a2b3c4d", _folder("tables/"), 7200, True),
    "interrupted as it finished": (
        ".old.partial-1a2b3c4d",
        _folder("tables/", "uploads/", "manifest.json"),
        7200,
        True,
    ),
    "interrupted as it began": (".old.partial-0000ffff", _folder(), 7200, True),
    "another backup, writing now": (".old.partial-1a2b3c4d", _folder("tables/"), 60, False),
    "holding what a backup never does": (".old.partial-1a2b3c4d", _folder("tables/", "notes.txt"), 7200, False),
    "not our name": (".old.partial-backup01", _folder("tables/"), 7200, False),
    "a file of that name": (".old.partial-1a2b3c4d", _file, 7200, False),
    "a link of that name": (".old.partial-1a2b3c4d", _link_to_a_folder, 7200, False),
    "a user's own temp file": (".notes.tmp", _file, 7200, False),
    "a user's own hidden folder": (".cache", _folder("tables/"), 7200, False),
    "not hidden": ("old.partial-1a2b3c4d", _folder("tables/"), 7200, False),
}


@pytest.mark.parametrize("what", list(NEAR_A_BACKUP))
def test_a_backup_removes_only_our_interrupted_backups_beside_it(db, tmp_path, what):
    name, make, age, removed = NEAR_A_BACKUP[what]
    parent = tmp_path / "backups"
    parent.mkdir()
    path = parent / name
    make(path)
    _aged(path, age)
    backup_creation.create(db, parent / "tonight")
    assert (path.exists() or path.is_symlink()) is not removed
    assert (parent / "tonight" / backups.MANIFEST).is_file()


def test_kept_backups_remove_interrupted_ones_too(db, tmp_path):
    folder = tmp_path / "kept"
    folder.mkdir()
    _folder("tables/")(folder / ".20260101-000000.partial-1a2b3c4d")
    _aged(folder / ".20260101-000000.partial-1a2b3c4d", 7200)
    kept_backups.create_kept(db, folder, keep=3)
    assert not (folder / ".20260101-000000.partial-1a2b3c4d").exists()
