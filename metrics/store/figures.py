"""The yearly figures of an upload against the stored ones: the changes it makes, the jumps worth a warning, and
writing it."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..domain import registry
from .catalogue import quoted
from .history import CHANGE_COLUMNS, column_type
from .transactions import Cursor, registered


def insert_values(cur: Cursor, table: str, rows: pd.DataFrame, upload_id: int) -> None:
    """Insert yearly rows into one value table (city_code, year and that table's value columns)."""
    cols = ["city_code", "year", *(i.column for i in registry.columns_of(table))]
    frame = rows[cols].assign(upload_id=upload_id)
    names = ", ".join([*cols, "upload_id"])
    with registered(cur, "new_values", frame):
        cur.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM new_values")


def figure_changes(cur: Cursor, rows: pd.DataFrame) -> pd.DataFrame:
    """Every reported cell of a checked figures file against the database, one row per cell: file row, table,
    city_code, year, column, old and new (as text), old_upload_id, row_created and status (new, changed,
    unchanged). Cells not reported are not changes. Grouped by table and column, in no order within a group: so
    grouped, they go into cell_history much quicker (DuckDB compresses runs of the same names)."""
    joined: list[str] = []
    cells: list[str] = []
    for table in registry.VALUE_TABLES:
        columns = [i.column for i in registry.columns_of(table) if i.column in rows.columns]
        if not columns:
            continue
        stored = ", ".join(f"s.{c} AS stored_{c}" for c in columns)
        joined.append(f"""{table}_joined AS MATERIALIZED (  -- each file row with its stored row, joined once
            SELECT f."row", f.city_code, f.year, {", ".join(f"f.{c}" for c in columns)}, {stored},
                   s.upload_id AS old_upload_id, s.city_code IS NULL AS row_created
            FROM file_rows f LEFT JOIN {table} s ON s.city_code = f.city_code AND s.year = f.year)""")
        for c in columns:
            cells.append(f"""
                SELECT "row", '{table}' AS "table", city_code, year, '{c}' AS "column",
                       {_as_text(c, f"stored_{c}")} AS old, {_as_text(c, c)} AS new, old_upload_id, row_created,
                       CASE WHEN row_created THEN 'new'
                            WHEN stored_{c} IS NOT NULL AND stored_{c} = {c} THEN 'unchanged'
                            ELSE 'changed' END AS status,
                       {len(cells)} AS part
                FROM {table}_joined WHERE {c} IS NOT NULL""")
    if not cells:
        return pd.DataFrame(columns=list(CHANGE_COLUMNS))
    sql = f"""WITH {", ".join(joined)}
        SELECT {", ".join(quoted(c) for c in CHANGE_COLUMNS)}
        FROM ({" UNION ALL ".join(cells)}) AS cells ORDER BY part"""
    with registered(cur, "file_rows", rows):
        return cur.sql(sql).to_arrow_table().to_pandas(types_mapper=pd.ArrowDtype)


def _as_text(column: str, alias: str) -> str:
    """SQL for a value as the change history keeps it: 12 for counts, 12.5 (not 12.50) for amounts."""
    sql_type = registry.base(column).sql_type
    text = f"CAST({alias} AS VARCHAR)"
    if sql_type == "INTEGER":
        return text
    if sql_type != "DECIMAL(18,2)":
        raise ValueError(f"no text form for {sql_type}")
    # Both engines write two decimals ("12.50", "12.00"); trimmed by their ends, as rtrim(.., '0') is much slower.
    return (f"CASE WHEN right({text}, 3) = '.00' THEN left({text}, -3) WHEN right({text}, 1) = '0' "
            f"THEN left({text}, -1) ELSE {text} END")  # fmt: skip


def jumps(
    cur: Cursor, rows: pd.DataFrame, columns: list[str], factor: float, falls: frozenset[str] = frozenset()
) -> list[tuple[str, int, object, object]]:
    """(column, file row, value, last year's value) wherever a file's value is `factor` times last year's or more,
    or a `factor`-th or less (for the columns in `falls`, any fall at all); last year as the file has it where it
    reports one, else as stored. Values under 10 are never jumps. In file order, column by column."""
    tables = [t for t in registry.VALUE_TABLES if any(registry.base(c).table == t for c in columns)]
    joins = "".join(
        f" LEFT JOIN {t} AS {t}_prev ON {t}_prev.city_code = f.city_code AND {t}_prev.year = f.year - 1" for t in tables
    )
    values, cells = [], []
    for i, c in enumerate(columns):
        # last year: the file's value where it reports one
        values.append(f"f.{c} AS this_{c}, coalesce(p.{c}, {registry.base(c).table}_prev.{c}) AS last_{c}")
        fell = f"this_{c} < last_{c}" if c in falls else f"this_{c} * $factor <= last_{c}"
        cells.append(f"""SELECT {i} AS part, "row", this_{c}::VARCHAR, last_{c}::VARCHAR FROM pairs
            WHERE greatest(this_{c}, last_{c}) >= 10 AND (this_{c} >= $factor * last_{c} OR {fell})""")
    # Last year's values are taken once; each column's jumps come back as rows of their own (as a row per file row
    # with every column's values and flags, most of the time went into making Python tuples of them).
    sql = f"""WITH pairs AS MATERIALIZED (
            SELECT f."row", {", ".join(values)}
            FROM file_rows f LEFT JOIN file_rows p ON p.city_code = f.city_code AND p.year = f.year - 1{joins})
        {" UNION ALL ".join(cells)} ORDER BY 1, 2"""
    with registered(cur, "file_rows", rows):
        found = cur.execute(sql, {"factor": factor}).fetchall()
    return [(columns[part], int(row), new, old) for part, row, new, old in found]


def write_figures(cur: Cursor, rows: pd.DataFrame, upload_id: int) -> None:
    """Write a checked figures file's reported cells, as insert_history has just recorded them: stored rows with a
    changed cell updated, new rows inserted, each marked with the upload. Cells not reported keep their values.

    Straight from the file's rows, in the transaction that records them and with the data they were checked
    against: pivoting the history back into rows (apply_history) was a large part of a big import.
    """
    with registered(cur, "file_rows", rows):
        for table in registry.VALUE_TABLES:
            columns = [i.column for i in registry.columns_of(table) if i.column in rows.columns]
            if not columns:
                continue
            new = {c: f"CAST(f.{c} AS {column_type(table, c)})" for c in columns}
            changed = " OR ".join(f"({new[c]} IS NOT NULL AND {new[c]} IS DISTINCT FROM t.{c})" for c in columns)
            cur.execute(
                f"""UPDATE {table} AS t SET {", ".join(f"{c} = coalesce({new[c]}, t.{c})" for c in columns)},
                        upload_id = $id
                    FROM file_rows f WHERE t.city_code = f.city_code AND t.year = f.year AND ({changed})""",
                {"id": upload_id},
            )
            cur.execute(
                f"""INSERT INTO {table} (city_code, year, {", ".join(columns)}, upload_id)
                    SELECT f.city_code, f.year, {", ".join(new.values())}, $id FROM file_rows f
                    WHERE ({" OR ".join(f"f.{c} IS NOT NULL" for c in columns)})
                      AND NOT EXISTS (SELECT 1 FROM {table} s WHERE s.city_code = f.city_code AND s.year = f.year)""",
                {"id": upload_id},
            )


def year_values(cur: Cursor, year: int) -> pd.DataFrame:
    """Every city's stored figures for one year: city_code and one column per value column (NULL where not
    reported), a row for each city with any row that year."""
    tables = registry.VALUE_TABLES
    codes = " UNION ".join(f"SELECT city_code FROM {t} WHERE year = $year" for t in tables)
    joins = "".join(f" LEFT JOIN {t} ON {t}.city_code = c.city_code AND {t}.year = $year" for t in tables)
    columns = ", ".join(f"{i.table}.{i.column}" for i in registry.BASE_INDICATORS)
    return cur.execute(f"SELECT c.city_code, {columns} FROM ({codes}) AS c{joins} ORDER BY 1", {"year": year}).df()


def years_values(cur: Cursor, first: int, last: int, codes: Sequence[str] | None = None) -> pd.DataFrame:
    """Every city's (or the `codes`') stored figures for each year from `first` to `last`: city_code, year and one
    column per value column (NULL where not reported), a row for each city and year with any row; ordered by year
    and city."""
    tables = registry.VALUE_TABLES
    wanted = "year BETWEEN $first AND $last AND ($codes::VARCHAR[] IS NULL OR city_code = ANY($codes::VARCHAR[]))"
    keys = " UNION ".join(f"SELECT city_code, year FROM {t} WHERE {wanted}" for t in tables)
    joins = "".join(f" LEFT JOIN {t} ON {t}.city_code = k.city_code AND {t}.year = k.year" for t in tables)
    columns = ", ".join(f"{i.table}.{i.column}" for i in registry.BASE_INDICATORS)
    return cur.execute(
        f"SELECT k.city_code, k.year, {columns} FROM ({keys}) AS k{joins} ORDER BY k.year, k.city_code",
        {"first": first, "last": last, "codes": None if codes is None else list(codes)},
    ).df()
