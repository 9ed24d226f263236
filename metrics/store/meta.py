"""The meta table: schema version, database id, the data and records versions every cache keys on, the sample flag."""

from __future__ import annotations

from .transactions import Cursor, writing


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


def is_sample(cur: Cursor) -> bool:
    """Whether the loaded data is the built-in sample (labelled as such everywhere it is shown)."""
    return get_meta(cur, "sample_data") == "true"


def data_version(cur: Cursor) -> int:
    """A number that changes whenever committed data changes; caches key on it."""
    return int(get_meta(cur, "data_version") or 0)


def data_identity(cur: Cursor) -> tuple[str, int]:
    """(database id, data version): equal only for the same data, even across a rebuilt database file."""
    return run_state(cur)[:2]


def run_state(cur: Cursor) -> tuple[str, int, int]:
    """(database id, data version, records version): what every page run asks first, in one statement.

    The records version advances with every change to what is not figures: the accounts, the collection rounds,
    the files checked for them. It leaves the data version alone, so that an officer's checked upload does not go
    stale when an admin adds an account or another officer's file is refused.
    """
    # One statement without parameters, the whole (tiny) meta table: each DuckDB statement costs a fraction of a
    # millisecond, and this one runs on every click.
    meta = dict(cur.execute("SELECT key, value FROM meta").fetchall())
    return (meta.get("database_id") or "", int(meta.get("data_version") or 0),
            int(meta.get("records_version") or 0))  # fmt: skip


def bump_data_version(cur: Cursor) -> int:
    """Advance the data version (caches key on it); call inside the committing transaction."""
    version = int(get_meta(cur, "data_version") or 0) + 1
    set_meta(cur, "data_version", str(version))
    return version


def bump_records_version(cur: Cursor) -> None:
    """Advance the records version (run_state); call inside the transaction that changes accounts, rounds or
    attempts."""
    set_meta(cur, "records_version", str(int(get_meta(cur, "records_version") or 0) + 1))
