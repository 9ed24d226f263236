"""Writes to the database: transactions, the mark that tells a cached read whether anything changed, and frames
registered for SQL to read.

Every write in the process goes through `transaction` (or `writing`, for the meta values set outside one).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

Cursor = duckdb.DuckDBPyConnection
# Writes begun and ended in this process: transactions, and changes to meta (where the versions that key every
# cache live) made outside one. Every write goes through one or the other, and DuckDB lets no other process write a
# file this one has open: so while the two counts are equal and `begun` has not moved, no data has changed.
_WRITES = {"begun": 0, "ended": 0}
_WRITES_LOCK = threading.Lock()


@contextmanager
def writing() -> Iterator[None]:
    with _WRITES_LOCK:
        _WRITES["begun"] += 1  # before the write, so that a reader's mark moves before the data can
    try:
        yield
    finally:
        with _WRITES_LOCK:
            _WRITES["ended"] += 1


def write_mark() -> int | None:
    """A mark of the writes made in this process so far, or None while one is under way: two equal marks mean that
    no write began in between, so every database here holds the same data as at the first."""
    begun, ended = _WRITES["begun"], _WRITES["ended"]
    return begun if begun == ended else None


@contextmanager
def transaction(cur: Cursor) -> Iterator[None]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with writing():
        cur.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")


@contextmanager
def registered(cur: Cursor, name: str, frame) -> Iterator[None]:
    """A frame readable in SQL under `name` for the block."""
    cur.register(name, frame)
    try:
        yield
    finally:
        cur.unregister(name)


def one_row(cur: Cursor, sql: str, params: dict | None = None) -> tuple:
    """The row a statement that always returns one gives (an aggregate, an INSERT … RETURNING)."""
    row = cur.execute(sql, params or {}).fetchone()
    if row is None:
        raise LookupError(f"no row from {sql.split()[0]}")
    return row


def one_value(cur: Cursor, sql: str, params: dict | None = None) -> Any:
    """The single value such a statement gives (a count, a new id)."""
    return one_row(cur, sql, params)[0]
