"""PostgreSQL as the shared store (PILOT_DB=postgresql://…), for deployments that run several app processes.

The store's SQL is written once, in the dialect both engines share; a PgCursor lets psycopg run it as DuckDB's
cursor does: `$name` parameters, `.df()` frames converted by DuckDB itself (so their dtypes are the same on both
engines), and `register`ed frames as temporary tables. Writers in every process take turns through an advisory
lock, and a run's reads share one REPEATABLE READ snapshot.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import duckdb
import pandas as pd
import psycopg
import pyarrow as pa
from psycopg import sql as pgsql
from psycopg.types.numeric import Int8Dumper
from psycopg_pool import ConnectionPool

from ..domain.i18n import Text

# Any number: every writer of a pilot-city database takes this advisory lock (keys are per database).
WRITE_LOCK_KEY = 20_141_201
_PARAMETER = re.compile(r"\$([A-Za-z_]\w*)")
# PostgreSQL type oids → the Arrow type their values take on the way to a frame.
_ARROW_TYPES = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    700: pa.float32(),
    701: pa.float64(),
    1700: pa.float64(),  # numeric: DuckDB's frames hold DECIMAL as float64 too
    25: pa.string(),
    1043: pa.string(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
    17: pa.binary(),
}


def is_url(name: str) -> bool:
    """Whether a database name is a PostgreSQL URL rather than a DuckDB file's path."""
    return name.startswith(("postgresql://", "postgres://"))


def shown_url(url: str) -> str:
    """The URL without its password, for messages and cache keys."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=f"{netloc[0].split(':')[0]}:***@{netloc[1]}"))


@functools.lru_cache(maxsize=512)
def _translated(query: str) -> str:
    """DuckDB's `$name` placeholders as psycopg's `%(name)s` (a literal % doubled)."""
    return _PARAMETER.sub(r"%(\1)s", query.replace("%", "%%"))


_CONVERTER = threading.local()
_CONVERTERS = duckdb.connect()  # the process's in-memory DuckDB: each thread converts on a cursor of its own


def _converter() -> duckdb.DuckDBPyConnection:
    """This thread's cursor on the process's in-memory DuckDB, which turns Arrow tables into frames exactly as
    DuckDB's own results are. A cursor, not a database of its own: Streamlit runs each rerun on a new thread, and a
    new in-memory database costs far more than the frame it converts."""
    if getattr(_CONVERTER, "connection", None) is None:
        _CONVERTER.connection = _CONVERTERS.cursor()
    return _CONVERTER.connection


def _staged_type(arrow_type: pa.DataType) -> str:
    """The PostgreSQL type a registered column is staged as, from its Arrow type."""
    if pa.types.is_boolean(arrow_type):
        return "BOOLEAN"
    if pa.types.is_integer(arrow_type):
        return "BIGINT"
    if pa.types.is_floating(arrow_type):
        return "DOUBLE PRECISION"
    if pa.types.is_decimal(arrow_type):
        return "NUMERIC"
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMP" if arrow_type.tz is None else "TIMESTAMPTZ"
    if pa.types.is_date(arrow_type):
        return "DATE"
    if pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type):
        return "BYTEA"
    if pa.types.is_null(arrow_type):
        # A column of nothing but NULLs: INTEGER, as PostgreSQL assigns it to integer, numeric and text columns alike.
        return "INTEGER"
    return "TEXT"


class PgCursor:
    """A psycopg connection used as the store uses a DuckDB cursor."""

    dialect = "postgres"

    def __init__(self, connection: psycopg.Connection):
        self.connection = connection
        self._cursor = connection.cursor()

    def execute(self, query: str, parameters: object = None) -> PgCursor:
        """Run one statement (or several, without parameters); its rows wait for fetch*/df."""
        if parameters:
            self._cursor.execute(_translated(str(query)), parameters)  # type: ignore[call-overload]
        else:
            self._cursor.execute(str(query).encode())  # bytes: no placeholders, several statements allowed
        return self

    def sql(self, query: str) -> PgCursor:
        """As DuckDB's relation: the statement run, its rows ready for to_arrow_table/df."""
        return self.execute(query)

    def fetchone(self) -> tuple | None:
        """The next row, or None."""
        return self._cursor.fetchone()

    def fetchall(self) -> list[tuple]:
        """Every remaining row."""
        return self._cursor.fetchall()

    def to_arrow_table(self) -> pa.Table:
        """The remaining rows as an Arrow table, typed from the result's columns."""
        description = self._cursor.description or []
        rows = self._cursor.fetchall()
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in description]
        arrays = []
        for column, values in zip(description, columns, strict=True):
            arrow_type = _ARROW_TYPES.get(column.type_code)
            if column.type_code == 1700:
                values = tuple(None if v is None else float(v) for v in values)
            arrays.append(pa.array(values, type=arrow_type) if arrow_type else pa.array(values))
        return pa.Table.from_arrays(arrays, names=[c.name for c in description])

    def df(self) -> pd.DataFrame:
        """The remaining rows as a frame, with the dtypes DuckDB's .df() gives."""
        table = self.to_arrow_table()
        return _converter().from_arrow(table).df()

    def register(self, view_name: str, python_object: Any) -> None:
        """A frame (or Arrow table) readable in SQL under view_name: a temporary table of this connection, its
        columns typed as Arrow reads the frame, dropped by unregister."""
        table = (
            pa.Table.from_pandas(python_object, preserve_index=False)
            if isinstance(python_object, pd.DataFrame)
            else python_object
        )
        name = pgsql.Identifier(view_name)
        columns = pgsql.SQL(", ").join(
            pgsql.SQL("{} {}").format(pgsql.Identifier(field.name), pgsql.SQL(_staged_type(field.type)))
            for field in table.schema
        )
        self._cursor.execute(pgsql.SQL("CREATE TEMP TABLE {} ({})").format(name, columns))
        values = [column.to_pylist() for column in table.columns]
        with self._cursor.copy(pgsql.SQL("COPY {} FROM STDIN").format(name)) as copy:
            for row in zip(*values, strict=True):
                copy.write_row(row)

    def unregister(self, view_name: str) -> None:
        """Drop a registered frame's table (a failed transaction's rollback drops it instead)."""
        if self.connection.info.transaction_status != psycopg.pq.TransactionStatus.INERROR:
            self._cursor.execute(pgsql.SQL("DROP TABLE IF EXISTS {}").format(pgsql.Identifier(view_name)))

    def close(self) -> None:
        """Close the cursor (the connection goes back to its pool)."""
        self._cursor.close()


class PostgresWriteLock:
    """The writers' turn across every process: a thread lock here, and PostgreSQL's advisory lock, held on a
    connection of its own from the first entry to the last exit (re-entrant, as the DuckDB engine's RLock)."""

    def __init__(self, pool: ConnectionPool):
        self._pool = pool
        self._local = threading.RLock()
        self._depth = 0
        self._connection: psycopg.Connection | None = None

    def __enter__(self) -> PostgresWriteLock:
        self._local.acquire()
        if self._depth == 0:
            try:
                self._connection = self._pool.getconn()
                self._connection.execute("SELECT pg_advisory_lock(%s)", (WRITE_LOCK_KEY,))
            except BaseException:
                if self._connection is not None:
                    self._pool.putconn(self._connection)
                    self._connection = None
                self._local.release()
                raise
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        try:
            if self._depth == 0 and self._connection is not None:
                connection, self._connection = self._connection, None
                try:
                    connection.execute("SELECT pg_advisory_unlock(%s)", (WRITE_LOCK_KEY,))
                finally:
                    self._pool.putconn(connection)
        finally:
            self._local.release()


def files_folder(url: str) -> Path:
    """Where a PostgreSQL database's raw upload files and kept backups go: $PILOT_FILES, else data/<database>/ in
    the project. Several machines behind one database share it (a network folder)."""
    configured = os.environ.get("PILOT_FILES")
    if configured:
        return Path(configured)
    name = urlsplit(url).path.lstrip("/") or "postgres"
    return Path(__file__).resolve().parents[2] / "data" / f"postgres-{name}"


def pool_size() -> int:
    """Connections per app process ($PILOT_PG_POOL, default 16): a run holds one while it reads."""
    return max(2, int(os.environ.get("PILOT_PG_POOL") or 16))


def connect_pool(url: str, *, create: bool) -> ConnectionPool:
    """A pool of autocommit connections (transactions are the store's own BEGIN/COMMIT) in UTC; with create, the
    database is created first when the server does not have it."""
    # No JIT: it compiles any query whose estimated cost is high, which a comparison of two releases' rows is (the
    # planner cannot know how few differ): measured at scale 100, 5 s of compiling for a 0.2 s query. The app's
    # queries are short; none gains from it.
    kwargs = {"autocommit": True, "options": "-c TimeZone=UTC -c jit=off"}
    try:
        psycopg.connect(url, connect_timeout=10, **kwargs).close()  # type: ignore[arg-type]
    except psycopg.OperationalError as exc:
        if not (create and "does not exist" in str(exc)):
            raise
        _create_database(url)
    pool = ConnectionPool(
        url, min_size=1, max_size=pool_size(), kwargs=kwargs, configure=_configure, open=True, timeout=60
    )
    pool.wait(timeout=30)
    return pool


def _configure(connection: psycopg.Connection) -> None:
    # Python ints as BIGINT, as DuckDB binds them: psycopg's smallest-fitting int2 leaves generate_series(2014, 2025)
    # ambiguous.
    connection.adapters.register_dumper(int, Int8Dumper)


def _create_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))


def unreachable(url: str, exc: Exception) -> Text:
    """The message for a server that cannot be reached or refuses the connection."""
    reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    shown = shown_url(url)
    return Text(
        f"无法连接 PostgreSQL 数据库 {shown}：{reason}", f"Cannot connect to the PostgreSQL database {shown}: {reason}"
    )


@contextmanager
def pooled_cursor(pool: ConnectionPool) -> Iterator[PgCursor]:
    """A cursor on a connection of the pool, for the calling thread until the block ends."""
    with pool.connection() as connection:
        cur = PgCursor(connection)
        try:
            yield cur
        finally:
            cur.close()
