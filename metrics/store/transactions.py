"""Writes to the database: transactions, the mark that tells a cached read whether anything changed, and frames
registered for SQL to read.

Every write in the process goes through `transaction` (or `writing`, for the meta values set outside one).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol


class Cursor(Protocol):
    """What the store asks of a cursor: DuckDB's own, or postgres.PgCursor, which reads the same SQL alike."""

    def execute(self, query: str, parameters: object = None) -> Cursor: ...
    def sql(self, query: str) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def to_arrow_table(self) -> Any: ...
    def df(self) -> Any: ...
    def register(self, view_name: str, python_object: Any) -> Any: ...
    def unregister(self, view_name: str) -> Any: ...


def dialect(cur: Cursor) -> str:
    """'postgres' or 'duckdb': the engine a cursor runs on, for the few statements that differ."""
    return getattr(cur, "dialect", "duckdb")


# Writes begun and ended in this process: transactions, and changes to meta (where the versions that key every
# cache live) made outside one. Every write goes through one or the other, and DuckDB lets no other process write a
# file this one has open: so while the two counts are equal and `begun` has not moved, no data has changed. (On
# PostgreSQL other processes write too, and the state is always read: see Database.known_state.)
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
