"""The meta table: schema version, database id, the data and records versions every cache keys on, the sample flag."""

from __future__ import annotations

from collections.abc import Iterable

from .reads import Reads, declare
from .transactions import Cursor, writing
from .versions import ROWS_SQL, Change, Versions, bump, versions_of


def get_meta(cur: Cursor, key: str) -> str | None:
    """One value of the meta table, or None."""
    # fetchall, not fetchone: DuckDB refuses to register a frame on a cursor with a result left unfinished
    rows = cur.execute("SELECT value FROM meta WHERE key = $key", {"key": key}).fetchall()
    return rows[0][0] if rows else None


def set_meta(cur: Cursor, key: str, value: str) -> None:
    """Set one value of the meta table."""
    with writing():  # counted even outside a transaction: the data and records versions live here
        cur.execute(
            "INSERT INTO meta VALUES ($key, $value) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            {"key": key, "value": value},
        )


@declare(lambda: Reads(frozenset()))  # set when the database is made or restored: every result sees it
def is_sample(cur: Cursor) -> bool:
    """Whether the loaded data is the built-in sample (labelled as such everywhere it is shown)."""
    return get_meta(cur, "sample_data") == "true"


def data_version(cur: Cursor) -> int:
    """A number that changes whenever committed data changes; caches key on it."""
    return int(get_meta(cur, "data_version") or 0)


def data_identity(cur: Cursor) -> tuple[str, int]:
    """(database id, data version): equal only for the same data, even across a rebuilt database file."""
    return run_state(cur)[:2]


RunState = tuple[str, int, int, Versions]  # what run_state reads


def run_state(cur: Cursor) -> RunState:
    """(database id, data version, records version, the versions of each table and year): what every page run asks
    first, in one statement.

    The records version advances with every change to what is not figures: the accounts, the collection rounds,
    the files checked for them. It leaves the data version alone, so that an officer's checked upload does not go
    stale when an admin adds an account or another officer's file is refused.
    """
    # One statement without parameters, the whole (tiny) meta table: each DuckDB statement costs a fraction of a
    # millisecond, and this one runs on every click.
    meta = dict(cur.execute(f"SELECT key, value FROM meta UNION ALL {ROWS_SQL}").fetchall())
    database_id = meta.get("database_id") or ""
    versions = versions_of(meta)
    if _LAST.get(database_id) == versions:  # the one read before: its stamps are worked out already
        versions = _LAST[database_id]
    else:
        _LAST[database_id] = versions
    return database_id, int(meta.get("data_version") or 0), int(meta.get("records_version") or 0), versions


_LAST: dict[str, Versions] = {}  # database id -> the versions last read of it


def bump_data_version(cur: Cursor, changed: Iterable[Change] | None = None) -> int:
    """Advance the data version (a checked upload is checked against it) and the versions of the tables and years
    `changed` (None: of everything; caches key on them); call inside the committing transaction."""
    version = int(get_meta(cur, "data_version") or 0) + 1
    set_meta(cur, "data_version", str(version))
    bump(cur, changed)
    return version


def bump_records_version(cur: Cursor, changed: Iterable[Change] | None = None) -> None:
    """Advance the records version (run_state) and the versions of the tables and years `changed` (None: of
    everything); call inside the transaction that changes accounts, rounds or attempts."""
    set_meta(cur, "records_version", str(int(get_meta(cur, "records_version") or 0) + 1))
    bump(cur, changed)
