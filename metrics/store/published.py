"""The published copy of a DuckDB file: what lets other processes read while the app holds the file.

DuckDB lets one process hold a file read-write and then no other may open it at all. So the process that holds it
(the app) copies it, after every change, to `<name>.published.duckdb` beside it: one snapshot (COPY FROM DATABASE
runs in one transaction), written to a temporary file and renamed into place, so a reader opens either the old copy
or the whole new one. The CLI's reading commands open that copy read-only when the file itself is held (see
database.open_for_reading; published_file.py says where the copy lies). PostgreSQL needs none of this: every process
opens the database itself.
"""

from __future__ import annotations

import os
import stat
import threading
import uuid
from pathlib import Path

from .database import DuckDBDatabase
from .durable import sync
from .meta import run_state
from .published_file import path_of
from .transactions import Cursor, one_value, write_mark


def publish(cur: Cursor, db_path: Path) -> Path:
    """Copy the database `cur` reads (the file at db_path) to its published copy, as one snapshot, atomically."""
    target = path_of(db_path)
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    catalogue = one_value(cur, "SELECT current_database()")
    alias = f"published_{uuid.uuid4().hex[:8]}"
    try:
        cur.execute(f"ATTACH '{_quoted_path(temp)}' AS {alias}")
        try:
            cur.execute(f'COPY FROM DATABASE "{catalogue}" TO {alias}')
        finally:
            cur.execute(f"DETACH {alias}")
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(temp, stat.S_IMODE(db_path.stat().st_mode))  # never more readable than the database it copies
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
        temp.with_name(temp.name + ".wal").unlink(missing_ok=True)
    sync(target.parent)
    return target


def _quoted_path(path: Path) -> str:
    return str(path).replace("'", "''")


def keep_published(database: DuckDBDatabase, stop: threading.Event, every_s: float = 1.0) -> None:
    """Publish the database now, and again whenever its data or accounts have changed, until stop is set (the app
    runs this on a thread of its own). A failure is reported once per kind and tried again at the next change."""
    seen_mark: int | None = None
    published_state: tuple | None = None
    last_error = ""
    target = path_of(database.path)
    for leftover in target.parent.glob(f".{target.name}.*.tmp*"):  # from a process killed while it published
        leftover.unlink(missing_ok=True)
    while True:
        mark = write_mark()
        if mark is not None and mark != seen_mark:  # a write in this process has ended: was it to this database?
            try:
                with database.cursor() as cur:
                    state = run_state(cur)
                    if state != published_state:
                        publish(cur, database.path)
                        published_state = state
                seen_mark, last_error = mark, ""
            except Exception as exc:  # a full disk, a removed folder: readers keep the last good copy
                if str(exc) != last_error:
                    last_error = str(exc)
                    print(f"Could not publish a copy of {database.path} for readers: {exc}", flush=True)
        if stop.wait(every_s):
            return
