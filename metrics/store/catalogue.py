"""What the database holds, read from DuckDB's catalogue: tables and sequences, for creating, backing up and
restoring whole databases."""

from __future__ import annotations

from .transactions import Cursor, one_value


def has_tables(cur: Cursor) -> bool:
    """Whether the database holds any table at all (ours or anyone else's)."""
    return bool(one_value(cur, "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"))


def has_schema(cur: Cursor) -> bool:
    """Whether the database holds this project's tables."""
    sql = "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND table_name = 'meta'"
    return bool(one_value(cur, sql))


def drop_everything(cur: Cursor) -> None:
    """Remove every table and sequence (used by `init --force`)."""
    for (name,) in cur.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
    ).fetchall():
        cur.execute(f'DROP TABLE "{name}"')
    for (name,) in cur.execute(
        "SELECT sequence_name FROM duckdb_sequences() WHERE database_name = current_database()"
    ).fetchall():
        cur.execute(f'DROP SEQUENCE "{name}"')


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _catalogue_table(cur: Cursor, table: str) -> str:
    """The table's name quoted for SQL, if the catalogue holds such a table."""
    if table not in table_names(cur):
        raise ValueError(f"unknown table {table!r}")
    return quoted(table)


def table_names(cur: Cursor) -> list[str]:
    """Every table of the database, by name, read from the catalogue (so tables added later are included)."""
    rows = cur.execute(
        """SELECT table_name FROM duckdb_tables()
           WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary ORDER BY 1"""
    ).fetchall()
    return [name for (name,) in rows]


def sequence_values(cur: Cursor) -> dict[str, int | None]:
    """Each sequence's last value handed out (None before its first use)."""
    rows = cur.execute(
        """SELECT sequence_name, last_value FROM duckdb_sequences()
           WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary ORDER BY 1"""
    ).fetchall()
    return dict(rows)


def raise_sequence(cur: Cursor, name: str, value: int) -> None:
    """Make a sequence hand out numbers above value; never lowers it (setval is not undone by a rollback)."""
    current = sequence_values(cur)[name]
    if current is None or current < value:
        cur.execute("SELECT setval($name, $value)", {"name": name, "value": value})


def row_count(cur: Cursor, table: str) -> int:
    """How many rows a table holds."""
    return int(one_value(cur, f"SELECT count(*) FROM {_catalogue_table(cur, table)}"))


def copy_to_parquet(cur: Cursor, table: str, path: str) -> int:
    """Write every row of a table to a Parquet file; returns how many."""
    return int(one_value(cur, f"COPY {_catalogue_table(cur, table)} TO $path (FORMAT parquet)", {"path": path}))


def replace_from_parquet(cur: Cursor, table: str, path: str) -> int:
    """Replace every row of a table with the rows of a Parquet file (columns matched by name); returns how many."""
    name = _catalogue_table(cur, table)
    cur.execute(f"DELETE FROM {name}")
    cur.execute(f"INSERT INTO {name} BY NAME SELECT * FROM read_parquet($path)", {"path": path})
    return row_count(cur, table)
