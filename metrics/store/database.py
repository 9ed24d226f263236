"""The one place that opens the database: a DuckDB file (the embedded default; one read-write connection per
process, a cursor per use) or a PostgreSQL server (PILOT_DB=postgresql://…; a pool of connections per process)."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path

import duckdb
from psycopg_pool import PoolTimeout

from ..domain.i18n import Problem, Text
from . import meta, postgres, published_file, schema
from .catalogue import has_schema
from .transactions import Cursor, write_mark

# What either engine raises when it refuses a statement (a constraint, a lost connection).
ENGINE_ERRORS: tuple[type[Exception], ...] = (duckdb.Error, postgres.psycopg.Error)

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "pilot_cities.duckdb"


def default_name() -> str:
    """The database: $PILOT_DB if set (a DuckDB file's path or a postgresql:// URL), else data/pilot_cities.duckdb in
    the project."""
    return os.environ.get("PILOT_DB") or str(DEFAULT_PATH)


class DatabaseError(Problem):
    """A database that cannot be used as it is; carries a bilingual message for the user."""


class DatabaseLocked(DatabaseError):
    """Another process holds the database file. `text` names it (for the CLI's user, who runs that machine);
    `public_text` does not (for a page that anyone with the link may see)."""

    def __init__(self, path: Path, pid: int | None, program: str | None):
        self.path, self.pid, self.program = path, pid, program
        who_en = f"process {pid} ({program})" if pid else "another process"
        who_zh = f"进程 {pid}（{program}）" if pid else "另一个进程"
        message = Text(
            "数据库 {p} 正被{w}占用。它运行期间，请在应用中完成此操作（数据上传、账户与备份页），"
            "或先停止该进程后再试；多个进程同时读写需使用 PostgreSQL（见 docs/postgres.md）。",
            "The database {p} is in use by {w}. While it runs, do this in the app (the Upload, and Accounts and "
            "backups pages), or stop that process and try again; for several processes at once, keep the data on "
            "PostgreSQL (see docs/postgres.md).",
        )
        super().__init__(message.format(p=path, w=Text(who_zh, who_en)))
        self.public_text = Text(
            "数据库正被另一个进程占用，本页暂时无法打开。请稍后再试，或联系管理员。",
            "The database is in use by another process, so this page cannot open it now. Try again shortly, or ask "
            "the administrator.",
        )


_LOCK_PID = re.compile(r"\(PID (\d+)\)")


def _program_of(pid: int) -> str | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    parts = [p.decode(errors="replace") for p in raw.split(b"\0") if p]
    if not parts:
        return None
    # "python -m streamlit run dashboard.py" reads better than the interpreter's full path.
    parts[0] = Path(parts[0]).name
    return " ".join(parts)[:120]


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    try:
        new = not path.exists()
        connection = duckdb.connect(str(path))
        if new and path.exists():  # it holds the accounts' password hashes: for the app's own user only
            path.chmod(0o600)
        return connection
    except duckdb.IOException as exc:
        message = str(exc)
        if "lock" not in message.lower():
            raise DatabaseError(
                Text(f"无法打开数据库 {path}：{message}", f"Cannot open the database {path}: {message}")
            ) from None
        match = _LOCK_PID.search(message)
        pid = int(match.group(1)) if match else None
        raise DatabaseLocked(path, pid, _program_of(pid) if pid else None) from None
    except duckdb.Error as exc:
        raise DatabaseError(
            Text(f"{path} 不是可用的 DuckDB 数据库：{exc}", f"{path} is not a usable DuckDB database: {exc}")
        ) from None


class Database:
    """An open database, whichever the engine: cursors for reading and writing, one-snapshot reads, and the lock
    writers take turns by.

    `name` opens it again (open_database(name)) and keys caches; `location` names it in messages (a URL without
    its password); `folder` holds its raw upload files and kept backups.
    """

    engine: str
    begin_snapshot = "BEGIN TRANSACTION"  # DuckDB's transactions are snapshots already
    name: str
    location: str
    folder: Path
    # Writers take turns: an upload is checked against the data it will change while no other write runs.
    write_lock: AbstractContextManager
    # Set on a DuckDB file's published copy opened read-only (open_for_reading): when it was written.
    published_at: datetime | None = None

    def known_state(self) -> meta.RunState | None:
        """meta.run_state as last read, when this process can know that nothing changed since; else None."""
        return None

    def run_state(self, cur: Cursor) -> meta.RunState:
        """meta.run_state, read through `cur` (this database's) only when known_state() does not know it."""
        return meta.run_state(cur)

    def cursor(self) -> AbstractContextManager[Cursor]:
        """A cursor for the calling thread, closed afterwards."""
        raise NotImplementedError

    @contextmanager
    def snapshot(self) -> Iterator[Cursor]:
        """A cursor inside one read transaction: all its queries see the same committed data, never half a commit."""
        with self.cursor() as cur:
            cur.execute(self.begin_snapshot)
            try:
                yield cur
            finally:
                cur.execute("ROLLBACK")

    def close(self) -> None:
        """Close the connections and forget them."""
        _forget(self)


class DuckDBDatabase(Database):
    """A database file opened read-write by this process; threads each take their own cursor."""

    engine = "duckdb"

    def __init__(self, path: Path, connection: duckdb.DuckDBPyConnection):
        self.path = path
        self.name = self.location = str(path)
        self.folder = path.parent
        self._connection = connection
        self.write_lock = threading.RLock()
        self._state: tuple[int, tuple] | None = None  # (write mark, run state) when last read

    def known_state(self) -> meta.RunState | None:
        """meta.run_state as last read, if no write has begun in this process since (see transactions.write_mark);
        else None. Every click asks for it, and a DuckDB statement costs a fraction of a millisecond."""
        mark, known = write_mark(), self._state
        return known[1] if mark is not None and known is not None and known[0] == mark else None

    def run_state(self, cur: Cursor) -> meta.RunState:
        known = self.known_state()
        if known is not None:
            return known
        mark = write_mark()  # before the read, so that a write beginning during it is seen
        state = meta.run_state(cur)
        if mark is not None and write_mark() == mark:  # no write began while it was read
            self._state = (mark, state)
        return state

    @contextmanager
    def cursor(self) -> Iterator[Cursor]:
        """A cursor for the calling thread, closed afterwards."""
        cur = self._connection.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def close(self) -> None:
        """Close the connection and forget it."""
        _forget(self)
        self._connection.close()


class PostgresDatabase(Database):
    """A PostgreSQL database that this and other processes share: a pool of connections here, writers taking turns
    across processes (postgres.PostgresWriteLock), and no state known without asking (another process may write)."""

    engine = "postgres"
    begin_snapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ"  # not READ ONLY: registered frames are tables

    def __init__(self, url: str, pool: postgres.ConnectionPool):
        self.name = url
        self.location = postgres.shown_url(url)
        self.folder = postgres.files_folder(url)
        self._pool = pool
        self.write_lock = postgres.PostgresWriteLock(pool)

    def cursor(self) -> AbstractContextManager[Cursor]:
        return postgres.pooled_cursor(self._pool)

    def close(self) -> None:
        _forget(self)
        self._pool.close()


def _forget(database: Database) -> None:
    with _OPEN_LOCK:
        for key in [k for k, d in _OPEN.items() if d is database]:
            del _OPEN[key]
        for name in [n for n, d in _BY_NAME.items() if d is database]:
            del _BY_NAME[name]


def close_all() -> None:
    """Close every database this process opened (a command ends so: DuckDB's threads stop before the interpreter's
    own teardown, which otherwise now and then aborted the process after the command was done)."""
    with _OPEN_LOCK:
        opened = list({id(d): d for d in _OPEN.values()}.values())
    for database in opened:
        database.close()


_OPEN: dict[Path | str, Database] = {}
_BY_NAME: dict[str, Database] = {}  # absolute path as given → its open database (resolving a path costs syscalls)
_OPEN_LOCK = threading.Lock()


def open_database(path: Path | str | None = None, *, create: bool = False) -> Database:
    """The process's connection to the database at `path` (a DuckDB file, or a postgresql:// URL), opened on first use.

    Raises DatabaseError when the file is missing (unless create), locked, not DuckDB, unreachable, or of a newer
    schema.
    """
    name = str(path or default_name())
    known = _BY_NAME.get(name)
    if known is not None:
        return known
    if postgres.is_url(name):
        return _checked(_open_postgres(name, create), create)
    path = Path(name).resolve()
    with _OPEN_LOCK:
        if path in _OPEN:
            if os.path.isabs(name):  # a relative name may mean another file once the working folder changes
                _BY_NAME[name] = _OPEN[path]
            return _OPEN[path]
        if not path.exists() and not create:
            raise DatabaseError(
                Text(
                    f"找不到数据库 {path}。请先运行 `python -m metrics init` 创建（或 `make run`）。",
                    f"No database at {path}. Create it first with `python -m metrics init` (or `make run`).",
                )
            )
        if create:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(
                    Text(
                        f"无法在 {path.parent} 创建数据库：{exc}", f"Cannot create the database in {path.parent}: {exc}"
                    )
                ) from None
        database = DuckDBDatabase(path, _connect(path))
        _OPEN[path] = database
    return _checked(database, create)


def open_for_reading(path: Path | str | None = None) -> Database:
    """open_database, for commands that only read: while another process (the app) holds a DuckDB file, the copy it
    published (store/published.py), read-only, with `published_at` saying when. Raises DatabaseLocked as
    open_database does when there is no such copy."""
    try:
        return open_database(path)
    except DatabaseLocked as locked:
        copy = published_file.path_of(locked.path)
        try:
            connection = duckdb.connect(str(copy), read_only=True)
        except duckdb.Error:
            raise locked from None
        database = DuckDBDatabase(locked.path, connection)
        database.published_at = published_file.published_at(copy)
        return database


def _open_postgres(url: str, create: bool) -> Database:
    with _OPEN_LOCK:
        if url in _OPEN:
            return _OPEN[url]
        try:
            pool = postgres.connect_pool(url, create=create)
        except (postgres.psycopg.Error, PoolTimeout) as exc:
            raise DatabaseError(postgres.unreachable(url, exc)) from None
        database = _OPEN[url] = _BY_NAME[url] = PostgresDatabase(url, pool)
    return database


def _checked(database: Database, create: bool) -> Database:
    """The database once it holds this program's schema, migrated to the current version."""
    path = database.location
    with database.cursor() as cur:
        if not create and not has_schema(cur):
            database.close()
            raise DatabaseError(
                Text(
                    f"{path} 不是试点城市数据库（没有所需的数据表）。请用 `python -m metrics init --force` 重建。",
                    f"{path} is not a pilot-city database (its tables are missing). "
                    "Rebuild it with `python -m metrics init --force`.",
                )
            )
        if has_schema(cur):
            schema.migrate(cur)
            version = int(meta.get_meta(cur, "schema_version") or 0)
            if version > schema.SCHEMA_VERSION:
                database.close()
                raise DatabaseError(
                    Text(
                        f"数据库 {path} 的结构版本为 {version}，比本程序（{schema.SCHEMA_VERSION}）新，请升级程序。",
                        f"The database {path} has schema version {version}, newer than this program's "
                        f"({schema.SCHEMA_VERSION}); upgrade the program.",
                    )
                )
    return database
