"""Files written so that a crash at any moment leaves either the old file or the whole new one, never a part: the
raw uploads, backups, and whatever the CLI writes out."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path


def write_durably(target: Path, data: bytes, *, create_folder: bool = False) -> None:
    """Write a file so that a crash at any moment leaves either the old file or the whole new one, never a part;
    its folder is made first if `create_folder` (else a missing folder is an OSError, as for any write)."""
    folder = target.parent
    if create_folder and not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        sync(folder.parent)  # the new folder's own entry must survive a crash too
    temp = folder / f".{target.name}.{uuid.uuid4().hex}.tmp"
    try:
        with temp.open("xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    sync(folder)


def sync(path: Path) -> None:
    """Flush a file, or a folder's list of entries, to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


LEFTOVER_AGE_S = 3600  # no write in progress is this old: what an interrupted one left behind


def remove_leftovers(folder: Path, min_age_s: float = LEFTOVER_AGE_S) -> int:
    """Remove what interrupted writes left in a folder: hidden `.NAME.….tmp` files (write_durably) and
    `.NAME.partial-…` folders (backups), once they are `min_age_s` old; how many were removed."""
    removed = 0
    now = time.time()
    for path in folder.glob(".*") if folder.is_dir() else []:
        leftover = path.name.endswith(".tmp") or ".partial-" in path.name
        try:
            if not leftover or now - path.lstat().st_mtime < min_age_s:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed += 1
        except OSError:  # gone meanwhile, or not ours to remove: left for next time
            continue
    return removed
