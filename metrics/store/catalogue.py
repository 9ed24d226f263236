"""What the database holds, read from its engine's catalogue (DuckDB's or PostgreSQL's): tables and sequences, for
creating, backing up and restoring whole databases."""

from __future__ import annotations

import pyarrow.parquet as pq

from .transactions import Cursor, dialect, one_value, registered

# The catalogue's own words for "this database's tables, sequences" on each engine (temporary ones left out).
_TABLES = {
    "duckdb": """SELECT table_name FROM duckdb_tables()
                 WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary ORDER BY 1""",
    "postgres": "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
}
# Any table at all, in any schema of this database (not only ours): what init will not replace without --force.
_ANY_TABLES = {
    "duckdb": "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()",
    "postgres": "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
}
_SEQUENCES = {
    "duckdb": """SELECT sequence_name, last_value FROM duckdb_sequences()
                 WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary ORDER BY 1""",
    "postgres": "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema() ORDER BY 1",
}


def has_tables(cur: Cursor) -> bool:
    """Whether the database holds any table at all (ours or anyone else's, in any schema)."""
    return bool(one_value(cur, _ANY_TABLES[dialect(cur)]))


def has_schema(cur: Cursor) -> bool:
    """Whether the database holds this project's tables."""
    return "meta" in table_names(cur)


def drop_everything(cur: Cursor) -> None:
    """Remove every table and sequence (used by `init --force`)."""
    for name in table_names(cur):
        cur.execute(f"DROP TABLE {quoted(name)}")
    for name in sequence_values(cur):
        cur.execute(f"DROP SEQUENCE {quoted(name)}")


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _catalogue_table(cur: Cursor, table: str) -> str:
    """The table's name quoted for SQL, if the catalogue holds such a table."""
    if table not in table_names(cur):
        raise ValueError(f"unknown table {table!r}")
    return quoted(table)


def table_names(cur: Cursor) -> list[str]:
    """Every table of the database, by name, read from the catalogue (so tables added later are included)."""
    return [name for (name,) in cur.execute(_TABLES[dialect(cur)]).fetchall()]


def sequence_values(cur: Cursor) -> dict[str, int | None]:
    """Each sequence's last value handed out (None before its first use)."""
    return dict(cur.execute(_SEQUENCES[dialect(cur)]).fetchall())


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
    if dialect(cur) == "postgres":  # through Arrow: PostgreSQL cannot write Parquet itself
        table_data = cur.execute(f"SELECT * FROM {_catalogue_table(cur, table)}").to_arrow_table()
        pq.write_table(table_data, path)
        return table_data.num_rows
    return int(one_value(cur, f"COPY {_catalogue_table(cur, table)} TO $path (FORMAT parquet)", {"path": path}))


def replace_from_parquet(cur: Cursor, table: str, path: str) -> int:
    """Replace every row of a table with the rows of a Parquet file (columns matched by name); returns how many."""
    name = _catalogue_table(cur, table)
    cur.execute(f"DELETE FROM {name}")
    if dialect(cur) == "postgres":  # through Arrow: PostgreSQL cannot read Parquet itself
        rows = pq.read_table(path)
        columns = ", ".join(quoted(c) for c in rows.column_names)
        with registered(cur, "restored_rows", rows):
            cur.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM restored_rows")
    else:
        cur.execute(f"INSERT INTO {name} BY NAME SELECT * FROM read_parquet($path)", {"path": path})
    return row_count(cur, table)
