"""The one place that opens the database: one read-write connection per process, a cursor per use."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ..domain.i18n import Problem, Text
from . import meta, schema
from .catalogue import has_schema
from .transactions import write_mark

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "pilot_cities.duckdb"


def default_path() -> Path:
    """The database path: $PILOT_DB if set, else data/pilot_cities.duckdb in the project."""
    return Path(os.environ.get("PILOT_DB") or DEFAULT_PATH)


class DatabaseError(Problem):
    """A database that cannot be used as it is; carries a bilingual message for the user."""


class DatabaseLocked(DatabaseError):
    """Another process holds the database file."""

    def __init__(self, path: Path, pid: int | None, program: str | None):
        self.pid, self.program = pid, program
        who_en = f"process {pid} ({program})" if pid else "another process"
        who_zh = f"进程 {pid}（{program}）" if pid else "另一个进程"
        super().__init__(
            Text(
                f"数据库 {path} 正被{who_zh}占用。请在应用中上传，或先停止该进程后再试。",
                f"The database {path} is in use by {who_en}. Load files through the app, "
                "or stop that process and try again.",
            )
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
        return duckdb.connect(str(path))
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
    """A database file opened read-write by this process; threads each take their own cursor."""

    def __init__(self, path: Path, connection: duckdb.DuckDBPyConnection):
        self.path = path
        self._connection = connection
        # Writers take turns: an upload is checked against the data it will change while no other write runs.
        self.write_lock = threading.RLock()
        self._state: tuple[int, tuple] | None = None  # (write mark, run state) when last read

    def known_state(self) -> tuple[str, int, int] | None:
        """meta.run_state as last read, if no write has begun in this process since (see transactions.write_mark);
        else None. Every click asks for it, and a DuckDB statement costs a fraction of a millisecond."""
        mark, known = write_mark(), self._state
        return known[1] if mark is not None and known is not None and known[0] == mark else None

    def run_state(self, cur: duckdb.DuckDBPyConnection) -> tuple[str, int, int]:
        """meta.run_state, read through `cur` (this database's) only when known_state() does not know it."""
        known = self.known_state()
        if known is not None:
            return known
        mark = write_mark()  # before the read, so that a write beginning during it is seen
        state = meta.run_state(cur)
        if mark is not None and write_mark() == mark:  # no write began while it was read
            self._state = (mark, state)
        return state

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for the calling thread, closed afterwards."""
        cur = self._connection.cursor()
        try:
            yield cur
        finally:
            cur.close()

    @contextmanager
    def snapshot(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside one read transaction: all its queries see the same committed data, never half a commit."""
        with self.cursor() as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            finally:
                cur.execute("ROLLBACK")

    def close(self) -> None:
        """Close the connection and forget it."""
        with _OPEN_LOCK:
            _OPEN.pop(self.path, None)
            for name in [n for n, d in _BY_NAME.items() if d is self]:
                del _BY_NAME[name]
        self._connection.close()


_OPEN: dict[Path, Database] = {}
_BY_NAME: dict[str, Database] = {}  # absolute path as given → its open database (resolving a path costs syscalls)
_OPEN_LOCK = threading.Lock()


def open_database(path: Path | str | None = None, *, create: bool = False) -> Database:
    """The process's connection to the database at `path`, opened on first use.

    Raises DatabaseError when the file is missing (unless create), locked, not DuckDB, or of a newer schema.
    """
    name = str(path or default_path())
    known = _BY_NAME.get(name)
    if known is not None:
        return known
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
        database = Database(path, _connect(path))
        _OPEN[path] = database
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
