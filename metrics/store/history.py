"""The change history: every cell an upload changed, with its old value, so that the upload can be undone exactly."""

from __future__ import annotations

import pandas as pd

from ..domain import registry
from ..domain.programme import CITY_FIELDS
from .transactions import Cursor, one_value, registered

# A change an upload would make, one per cell (ingest.uploads.Prepared.changes); old and new as the history keeps them.
CHANGE_COLUMNS = ("row", "table", "city_code", "year", "column", "old", "new", "old_upload_id", "row_created",
                  "status")  # fmt: skip

# The targets table is long, a row per pilot, year and indicator with one value: in the history, its cells have
# the indicator as their column, and a row created is that one cell.
TARGETS = "targets"
TARGET_TYPE = "DECIMAL(18,2)"

CITY_TYPES = {"batch": "INTEGER", "designated_year": "INTEGER", "lat": "DOUBLE PRECISION", "lon": "DOUBLE PRECISION"}


def column_type(table: str, column: str) -> str:
    """The SQL type of a column of a table the history covers (a yearly table or cities)."""
    if table == "cities":
        return CITY_TYPES.get(column, "TEXT")
    ind = registry.base(column)
    if ind.table != table:
        raise ValueError(f"{column} is not stored in {table}")
    return ind.sql_type


def _columns_of(table: str) -> tuple[str, ...]:
    if table == "cities":
        return CITY_FIELDS
    return tuple(i.column for i in registry.columns_of(table))


def _key_match(alias: str, table: str) -> str:
    """The condition joining a table's rows to cell_history rows (cities have no year)."""
    year = "" if table == "cities" else f" AND {alias}.year = h.year"
    return f"{alias}.city_code = h.city_code{year}"


def insert_history(cur: Cursor, changes: pd.DataFrame, upload_id: int) -> None:
    """Record the cells an upload changes (changes as uploads.Prepared.changes; unchanged cells are left out)."""
    with registered(cur, "new_history", changes):
        cur.execute(
            """INSERT INTO cell_history (upload_id, table_name, city_code, year, column_name, old_value, new_value,
                                         old_upload_id, row_created)
               SELECT $id, "table", city_code, year, "column", old, new, old_upload_id, row_created
               FROM new_history WHERE status <> 'unchanged'""",
            {"id": upload_id},
        )


def _tables_in_history(cur: Cursor, upload_id: int) -> list[str]:
    known = set(registry.VALUE_TABLES) | {"cities", TARGETS}
    rows = cur.execute("SELECT DISTINCT table_name FROM cell_history WHERE upload_id = $id", {"id": upload_id})
    return [t for (t,) in rows.fetchall() if t in known]


def _set_from_history(cur: Cursor, table: str, upload_id: int, value: str, row_upload: str) -> None:
    """Set every cell of existing rows that an upload's history holds to its `value` (new_value or old_value),
    in one statement per table; cells it does not hold keep theirs. Each row's upload_id becomes `row_upload`."""
    columns = _columns_of(table)
    keys = "city_code" if table == "cities" else "city_code, year"
    pivot = ", ".join(
        f"bool_or(column_name = '{c}') AS has_{c}, "
        f"CAST(max({value}) FILTER (WHERE column_name = '{c}') AS {column_type(table, c)}) AS {c}"
        for c in columns
    )
    cells = ", ".join(f"{c} = CASE WHEN h.has_{c} THEN h.{c} ELSE t.{c} END" for c in columns)
    # The pivot goes into a table of its own first: as a subquery of the UPDATE, DuckDB 2.0 takes many times as long.
    # Within the caller's transaction, so a failure leaves nothing.
    cur.execute("DROP TABLE IF EXISTS history_pivot")
    cur.execute(
        f"""CREATE TEMP TABLE history_pivot AS
            SELECT {keys}, {pivot}, max(old_upload_id) AS old_upload_id FROM cell_history
            WHERE upload_id = $id AND table_name = $table AND NOT row_created GROUP BY {keys}""",
        {"id": upload_id, "table": table},
    )
    cur.execute(
        f"""UPDATE {table} AS t SET {cells}, upload_id = {row_upload}
            FROM history_pivot AS h WHERE {_key_match("t", table)}""",
        {"id": upload_id} if "$id" in row_upload else {},
    )
    cur.execute("DROP TABLE history_pivot")


def apply_history(cur: Cursor, upload_id: int) -> None:
    """Write the new values an upload's history records: new rows inserted, changed cells updated (a cities file;
    a figures file is written from its rows, see write_figures)."""
    for table in _tables_in_history(cur, upload_id):
        if table == TARGETS:
            _apply_targets(cur, upload_id)
            continue
        columns = _columns_of(table)
        keys = "city_code" if table == "cities" else "city_code, year"
        pivot = ", ".join(
            f"CAST(max(new_value) FILTER (WHERE column_name = '{c}') AS {column_type(table, c)}) AS {c}"
            for c in columns
        )
        cur.execute(
            f"""INSERT INTO {table} ({keys}, {", ".join(columns)}, upload_id)
                SELECT {keys}, {pivot}, $id FROM cell_history
                WHERE upload_id = $id AND table_name = $table AND row_created
                GROUP BY {keys}""",
            {"id": upload_id, "table": table},
        )
        _set_from_history(cur, table, upload_id, "new_value", "$id")


_TARGET_MATCH = "t.city_code = h.city_code AND t.year = h.year AND t.indicator = h.column_name"


def _apply_targets(cur: Cursor, upload_id: int) -> None:
    """Write the targets an upload's history records: new ones inserted, changed ones set."""
    cur.execute(
        f"""INSERT INTO targets (city_code, year, indicator, target, upload_id)
            SELECT city_code, year, column_name, CAST(new_value AS {TARGET_TYPE}), $id FROM cell_history
            WHERE upload_id = $id AND table_name = 'targets' AND row_created""",
        {"id": upload_id},
    )
    cur.execute(
        f"""UPDATE targets AS t SET target = CAST(h.new_value AS {TARGET_TYPE}), upload_id = $id
            FROM cell_history AS h
            WHERE h.upload_id = $id AND h.table_name = 'targets' AND NOT h.row_created AND {_TARGET_MATCH}""",
        {"id": upload_id},
    )


def _revert_targets(cur: Cursor, upload_id: int) -> None:
    """Remove the targets an upload added and put back the ones it changed, with the uploads that had set them."""
    cur.execute(
        f"""DELETE FROM targets AS t WHERE EXISTS (
                SELECT 1 FROM cell_history h
                WHERE h.upload_id = $id AND h.table_name = 'targets' AND h.row_created AND {_TARGET_MATCH})""",
        {"id": upload_id},
    )
    cur.execute(
        f"""UPDATE targets AS t SET target = CAST(h.old_value AS {TARGET_TYPE}), upload_id = h.old_upload_id
            FROM cell_history AS h
            WHERE h.upload_id = $id AND h.table_name = 'targets' AND NOT h.row_created AND {_TARGET_MATCH}""",
        {"id": upload_id},
    )


def revert_history(cur: Cursor, upload_id: int) -> int:
    """Put back the old values of every cell an upload changed, and remove the rows it created."""
    for table in _tables_in_history(cur, upload_id):
        if table == TARGETS:
            _revert_targets(cur, upload_id)
            continue
        cur.execute(
            f"""DELETE FROM {table} AS t WHERE EXISTS (
                    SELECT 1 FROM cell_history h
                    WHERE h.upload_id = $id AND h.table_name = $table AND h.row_created
                      AND {_key_match("t", table)})""",
            {"id": upload_id, "table": table},
        )
        _set_from_history(cur, table, upload_id, "old_value", "h.old_upload_id")
    return int(one_value(cur, "SELECT count(*) FROM cell_history WHERE upload_id = $id", {"id": upload_id}))


def later_overlapping_uploads(cur: Cursor, upload_id: int) -> list[int]:
    """Committed uploads after this one that changed any of the same cells, or any cell of a row it created (a
    target's row is its one cell)."""
    rows = cur.execute(
        """SELECT DISTINCT later.upload_id FROM cell_history mine
           JOIN cell_history later
             ON later.table_name = mine.table_name AND later.city_code = mine.city_code
            AND later.year IS NOT DISTINCT FROM mine.year
            AND (later.column_name = mine.column_name OR (mine.row_created AND mine.table_name <> 'targets'))
            AND later.upload_id > mine.upload_id
           JOIN uploads u ON u.upload_id = later.upload_id AND u.status = 'committed'
           WHERE mine.upload_id = $id ORDER BY 1""",
        {"id": upload_id},
    ).fetchall()
    return [r[0] for r in rows]


def created_cities_in_use(cur: Cursor, upload_id: int) -> list[str]:
    """Codes of cities an upload created that yearly figures or targets now refer to."""
    tables = " UNION ALL ".join(f"SELECT city_code FROM {t}" for t in (*registry.VALUE_TABLES, TARGETS))
    rows = cur.execute(
        f"""SELECT DISTINCT h.city_code FROM cell_history h
            WHERE h.upload_id = $id AND h.table_name = 'cities' AND h.row_created
              AND h.city_code IN ({tables}) ORDER BY 1""",
        {"id": upload_id},
    ).fetchall()
    return [r[0] for r in rows]
