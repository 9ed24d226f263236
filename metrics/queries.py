"""All SQL of the project: the schema and every query, with bound parameters.

Identifiers (table and column names) come only from the indicator registry; values are always bound.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from . import registry
from .registry import Indicator

SCHEMA_VERSION = 4
PROGRAMME_START = 2014
MIN_YEAR = 2000  # valid years run from here to the current calendar year
REGIONS = ("east", "central", "west", "northeast")
# The cities table's columns after city_code, as uploads read and write them.
CITY_FIELDS = ("name_zh", "name_en", "province_zh", "province_en", "region", "kind", "batch", "designated_year",
               "lat", "lon")  # fmt: skip
KINDS = ("city", "park")
UPLOAD_KINDS = ("sample", "cities", "figures", "events")
ROLES = ("viewer", "editor", "admin")  # who may look, who may change figures, who manages accounts

Cursor = duckdb.DuckDBPyConnection


# --- schema -----------------------------------------------------------------------------------------------


def _value_table_ddl(table: str) -> str:
    columns = "".join(f"    {i.column} {i.sql_type} CHECK ({i.column} >= 0),\n" for i in registry.columns_of(table))
    return f"""
CREATE TABLE {table} (
    city_code TEXT NOT NULL,
    year INTEGER NOT NULL CHECK (year >= 2000),
{columns}    upload_id INTEGER NOT NULL,
    PRIMARY KEY (city_code, year)
);"""


def _uploads_ddl(name: str) -> str:
    kinds = ", ".join(f"'{k}'" for k in UPLOAD_KINDS)
    return f"""
CREATE TABLE {name} (
    upload_id INTEGER PRIMARY KEY DEFAULT nextval('upload_id_seq'),
    file_name TEXT NOT NULL,
    sha256 TEXT,
    kind TEXT NOT NULL CHECK (kind IN ({kinds})),
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    created_by TEXT,
    rows_inserted INTEGER NOT NULL DEFAULT 0,
    rows_updated INTEGER NOT NULL DEFAULT 0,
    rows_unchanged INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'committed' CHECK (status IN ('committed', 'undone')),
    undone_at TIMESTAMP,
    undone_by TEXT
);"""


# Programme events drawn on time charts. An events upload replaces the whole list; the list it replaced is kept
# in event_snapshots under that upload's id, so undo puts it back exactly.
_EVENTS_DDL = """
CREATE TABLE events (
    event_date DATE NOT NULL,
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    upload_id INTEGER,
    PRIMARY KEY (event_date, title_zh)
);
CREATE TABLE event_snapshots (
    upload_id INTEGER NOT NULL,
    event_date DATE NOT NULL,
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    old_upload_id INTEGER
);"""

# Accounts for sign-in. No row at all means local single-user mode. A password-less row is an identity that signs
# in through the configured identity provider (st.login), matched on its e-mail address.
_USERS_DDL = f"""
CREATE TABLE users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ({", ".join(f"'{r}'" for r in ROLES)})),
    password_hash TEXT,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    created_by TEXT,
    changed_at TIMESTAMP,
    changed_by TEXT
);"""


def schema_ddl() -> str:
    """The DDL that creates an empty database of the current schema version."""
    regions = ", ".join(f"'{r}'" for r in REGIONS)
    kinds = ", ".join(f"'{k}'" for k in KINDS)
    # Referential integrity (city codes in value tables) is checked by validation, not by FOREIGN KEY:
    # DuckDB refuses UPDATEs of a referenced row, which would block corrections to the cities table.
    return f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE SEQUENCE upload_id_seq START 1;{_uploads_ddl("uploads")}
CREATE TABLE cell_history (
    upload_id INTEGER NOT NULL,
    table_name TEXT NOT NULL,
    city_code TEXT NOT NULL,
    year INTEGER,
    column_name TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    old_upload_id INTEGER,
    row_created BOOLEAN NOT NULL DEFAULT false
);
CREATE TABLE cities (
    city_code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL UNIQUE,
    name_en TEXT NOT NULL,
    province_zh TEXT NOT NULL,
    province_en TEXT NOT NULL,
    region TEXT NOT NULL CHECK (region IN ({regions})),
    kind TEXT NOT NULL CHECK (kind IN ({kinds})),
    batch INTEGER NOT NULL CHECK (batch >= 1),
    designated_year INTEGER NOT NULL CHECK (designated_year >= 2000),
    lat DOUBLE CHECK (lat BETWEEN -90 AND 90),
    lon DOUBLE CHECK (lon BETWEEN -180 AND 180),
    upload_id INTEGER
);{_EVENTS_DDL}{_USERS_DDL}""" + "".join(_value_table_ddl(t) for t in registry.VALUE_TABLES)


# Writes begun and ended in this process: transactions, and changes to meta (where the versions that key every
# cache live) made outside one. Every write goes through one or the other, and DuckDB lets no other process write a
# file this one has open: so while the two counts are equal and `begun` has not moved, no data has changed.
_WRITES = {"begun": 0, "ended": 0}
_WRITES_LOCK = threading.Lock()


@contextmanager
def _writing() -> Iterator[None]:
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
    with _writing():
        cur.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")


@contextmanager
def _registered(cur: Cursor, name: str, frame) -> Iterator[None]:
    """A frame readable in SQL under `name` for the block."""
    cur.register(name, frame)
    try:
        yield
    finally:
        cur.unregister(name)


def create_schema(cur: Cursor) -> None:
    """Create every table in an empty database and record the schema version (inside the caller's transaction)."""
    cur.execute(schema_ddl())
    set_meta(cur, "schema_version", str(SCHEMA_VERSION))
    set_meta(cur, "database_id", str(uuid.uuid4()))
    set_meta(cur, "data_version", "0")


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


_UPLOAD_COLUMNS = ("upload_id, file_name, sha256, kind, created_at, created_by, rows_inserted, rows_updated, "
                   "rows_unchanged, status, undone_at")  # fmt: skip

# Each entry brings a database of the version before it up to that version.
MIGRATIONS = {
    2: (
        "ALTER TABLE uploads ADD COLUMN undone_at TIMESTAMP",
        "ALTER TABLE cell_history ADD COLUMN row_created BOOLEAN DEFAULT false",
    ),
    3: (  # the events tables, and 'events' among the upload kinds (a CHECK can only change with its table)
        _uploads_ddl("uploads_v3"),
        f"INSERT INTO uploads_v3 ({_UPLOAD_COLUMNS}) SELECT {_UPLOAD_COLUMNS} FROM uploads",
        "DROP TABLE uploads",
        "ALTER TABLE uploads_v3 RENAME TO uploads",
        _EVENTS_DDL,
    ),
    4: ("ALTER TABLE uploads ADD COLUMN IF NOT EXISTS undone_by TEXT", _USERS_DDL),  # v3 tables made here have it
}


def migrate(cur: Cursor) -> None:
    """Bring an older database up to the current schema version, one version at a time."""
    version = int(get_meta(cur, "schema_version") or 0)
    while version < SCHEMA_VERSION:
        version += 1
        with transaction(cur):
            for statement in MIGRATIONS[version]:
                cur.execute(statement)
            set_meta(cur, "schema_version", str(version))


def has_tables(cur: Cursor) -> bool:
    """Whether the database holds any table at all (ours or anyone else's)."""
    row = cur.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()").fetchone()
    return bool(row[0])


def has_schema(cur: Cursor) -> bool:
    """Whether the database holds this project's tables."""
    row = cur.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND table_name = 'meta'"
    ).fetchone()
    return bool(row[0])


# --- meta ---------------------------------------------------------------------------------------------------


def get_meta(cur: Cursor, key: str) -> str | None:
    """One value of the meta table, or None."""
    # fetchall, not fetchone: DuckDB refuses to register a frame on a cursor with a result left unfinished
    rows = cur.execute("SELECT value FROM meta WHERE key = $key", {"key": key}).fetchall()
    return rows[0][0] if rows else None


def set_meta(cur: Cursor, key: str, value: str) -> None:
    """Set one value of the meta table."""
    with _writing():  # counted even outside a transaction: the data and accounts versions live here
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
    """(database id, data version, accounts version): what every page run asks first, in one statement.

    The accounts version advances with every change to the accounts (which leaves the data version alone, so that
    an officer's checked upload does not go stale when an admin adds an account).
    """
    # One statement without parameters, the whole (tiny) meta table: each DuckDB statement costs a fraction of a
    # millisecond, and this one runs on every click.
    meta = dict(cur.execute("SELECT key, value FROM meta").fetchall())
    return (meta.get("database_id") or "", int(meta.get("data_version") or 0),
            int(meta.get("accounts_version") or 0))  # fmt: skip


def bump_data_version(cur: Cursor) -> int:
    """Advance the data version (caches key on it); call inside the committing transaction."""
    version = int(get_meta(cur, "data_version") or 0) + 1
    set_meta(cur, "data_version", str(version))
    return version


# --- loading --------------------------------------------------------------------------------------------------


def record_upload(
    cur: Cursor, *, file_name: str, kind: str, created_by: str, inserted: int, sha256: str | None = None
) -> int:
    """Add a committed upload and return its id."""
    row = cur.execute(
        """INSERT INTO uploads (file_name, sha256, kind, created_by, rows_inserted)
           VALUES ($file_name, $sha256, $kind, $created_by, $inserted) RETURNING upload_id""",
        {"file_name": file_name, "sha256": sha256, "kind": kind, "created_by": created_by, "inserted": inserted},
    ).fetchone()
    return row[0]


def insert_cities(cur: Cursor, cities: pd.DataFrame, upload_id: int) -> None:
    """Insert city rows (columns as the cities table, without upload_id)."""
    frame = cities.assign(upload_id=upload_id)
    cols = ", ".join(frame.columns)
    with _registered(cur, "new_cities", frame):
        cur.execute(f"INSERT INTO cities ({cols}) SELECT {cols} FROM new_cities")


def insert_values(cur: Cursor, table: str, rows: pd.DataFrame, upload_id: int) -> None:
    """Insert yearly rows into one value table (city_code, year and that table's value columns)."""
    cols = ["city_code", "year", *(i.column for i in registry.columns_of(table))]
    frame = rows[cols].assign(upload_id=upload_id)
    names = ", ".join([*cols, "upload_id"])
    with _registered(cur, "new_values", frame):
        cur.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM new_values")


# --- reading --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which cities a query covers; None in a field means no restriction."""

    cities: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None
    kinds: tuple[str, ...] | None = None
    batches: tuple[int, ...] | None = None

    def params(self) -> dict:
        """The bound parameters the scope clause expects."""
        as_list = lambda v: list(v) if v is not None else None  # noqa: E731
        return {
            "cities": as_list(self.cities),
            "regions": as_list(self.regions),
            "kinds": as_list(self.kinds),
            "batches": as_list(self.batches),
        }


_SCOPE_CTE = """
scope AS (
    SELECT city_code, designated_year FROM cities
    WHERE ($cities::VARCHAR[] IS NULL OR list_contains($cities::VARCHAR[], city_code))
      AND ($regions::VARCHAR[] IS NULL OR list_contains($regions::VARCHAR[], region))
      AND ($kinds::VARCHAR[] IS NULL OR list_contains($kinds::VARCHAR[], kind))
      AND ($batches::INTEGER[] IS NULL OR list_contains($batches::INTEGER[], batch))
)"""

# The groups (each city, or one programme total) crossed with every year.
_GRID_CTES = """
grp AS (
    SELECT CASE WHEN $per_city THEN city_code END AS city_code FROM scope
    UNION
    SELECT NULL WHERE NOT $per_city
),
grid AS (
    SELECT grp.city_code, y.range::INTEGER AS year FROM grp CROSS JOIN range($first, $last + 1) AS y
)"""

_GROUP = "CASE WHEN $per_city THEN {alias}.city_code END"


def _vals_sql(ind: Indicator) -> str:
    """A CTE `vals(city_code, year, value, reporting)` for one indicator, before gaps are filled."""
    if ind.aggregation == "sum":
        total = f"sum(t.{ind.column})::{'BIGINT' if ind.sql_type == 'INTEGER' else ind.sql_type}"
        return f"""
vals AS (
    SELECT {_GROUP.format(alias="t")} AS city_code, t.year, {total} AS value, count(*) AS reporting
    FROM {ind.table} t JOIN scope USING (city_code)
    WHERE t.{ind.column} IS NOT NULL
    GROUP BY 1, 2
)"""
    if ind.aggregation == "running_sum":
        return _vals_sql(registry.get(ind.base))  # the window in _series_sql does the running
    if ind.aggregation == "ratio_of_sums":
        num, den = registry.get(ind.numerator), registry.get(ind.denominator)
        return f"""
vals AS (
    SELECT {_GROUP.format(alias="n")} AS city_code, n.year,
           CASE WHEN sum(d.{den.column}) > 0 THEN sum(n.{num.column})::DOUBLE / sum(d.{den.column}) END AS value,
           count(*) AS reporting
    FROM {num.table} n
    JOIN {den.table} d ON d.city_code = n.city_code AND d.year = n.year
    JOIN scope ON scope.city_code = n.city_code
    WHERE n.{num.column} IS NOT NULL AND d.{den.column} IS NOT NULL
    GROUP BY 1, 2
)"""
    if ind.aggregation == "like_for_like_growth":
        base = registry.get(ind.base)
        return f"""
vals AS (
    SELECT {_GROUP.format(alias="cur")} AS city_code, cur.year,
           CASE WHEN sum(prev.{base.column}) > 0
                THEN (sum(cur.{base.column})::DOUBLE / sum(prev.{base.column}) - 1) * 100 END AS value,
           count(*) AS reporting
    FROM {base.table} cur
    JOIN {base.table} prev ON prev.city_code = cur.city_code AND prev.year = cur.year - 1
    JOIN scope ON scope.city_code = cur.city_code
    WHERE cur.{base.column} IS NOT NULL AND prev.{base.column} IS NOT NULL
    GROUP BY 1, 2
)"""
    if ind.aggregation == "designated_count":
        return """
vals AS (
    SELECT grid.city_code, grid.year, count(scope.city_code) AS value, count(scope.city_code) AS reporting
    FROM grid LEFT JOIN scope
      ON scope.designated_year <= grid.year AND (NOT $per_city OR scope.city_code = grid.city_code)
    GROUP BY 1, 2
)"""
    raise ValueError(f"unknown aggregation {ind.aggregation!r}")


def _series_sql(ind: Indicator) -> str:
    value = "vals.value"
    if ind.aggregation == "running_sum":
        # Running total since the programme began, whatever the displayed year range.
        value = "sum(vals.value) OVER (PARTITION BY grid.city_code ORDER BY grid.year ROWS UNBOUNDED PRECEDING)"
    return f"""
WITH {_SCOPE_CTE},{_GRID_CTES},
{_vals_sql(ind).lstrip()}
SELECT * FROM (
    SELECT grid.city_code, grid.year, {value} AS value, coalesce(vals.reporting, 0) AS reporting
    FROM grid LEFT JOIN vals ON vals.city_code IS NOT DISTINCT FROM grid.city_code AND vals.year = grid.year
)
WHERE year BETWEEN $from_year AND $to_year
ORDER BY city_code NULLS FIRST, year"""


def max_year() -> int:
    """The last valid year: the current calendar year."""
    return date.today().year


def year_span(cur: Cursor) -> tuple[int, int]:
    """First and last year the database holds figures for (the programme start year when empty)."""
    spans = [f"SELECT min(year) AS lo, max(year) AS hi FROM {t}" for t in registry.VALUE_TABLES]
    spans.append("SELECT min(designated_year), max(designated_year) FROM cities")
    lo, hi = cur.execute(f"SELECT min(lo), max(hi) FROM ({' UNION ALL '.join(spans)})").fetchone()
    lo = lo if lo is not None else PROGRAMME_START
    return lo, hi if hi is not None else lo


def series(
    cur: Cursor,
    key: str,
    scope: Scope | None = None,
    *,
    per_city: bool = False,
    years: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Yearly values of one indicator: the total over the scope, or one series per city when per_city.

    Columns: city_code (None for the total), year, value (NaN where nothing was reported), reporting (how many
    cities the value is based on). Every year of the range is present, so unreported years stay gaps.
    """
    ind = registry.get(key)
    first, last = year_span(cur)
    lo, hi = years if years is not None else (first, last)
    if not MIN_YEAR <= lo <= hi <= max_year():
        raise ValueError(f"years must satisfy {MIN_YEAR} <= from <= to <= {max_year()}, not {lo}-{hi}")
    params = {
        **(scope or Scope()).params(),
        "per_city": per_city,
        "first": min(first, lo),
        "last": max(last, hi),
        "from_year": lo,
        "to_year": hi,
    }
    frame = cur.execute(_series_sql(ind), params).df()
    frame["value"] = frame["value"].astype("float64")
    frame["reporting"] = frame["reporting"].astype("int64")
    return frame


def city(cur: Cursor, city_code: str) -> dict:
    """One pilot's cities row (KeyError if there is none)."""
    frame = cur.execute(f"SELECT city_code, {', '.join(CITY_FIELDS)} FROM cities WHERE city_code = $code",
                        {"code": city_code}).df()  # fmt: skip
    if frame.empty:
        raise KeyError(city_code)
    return frame.iloc[0].to_dict()


def batch_peers(cur: Cursor, city_code: str) -> tuple[str, ...]:
    """The other pilots of a pilot's batch, by code."""
    rows = cur.execute(
        """SELECT city_code FROM cities
           WHERE batch = (SELECT batch FROM cities WHERE city_code = $code) AND city_code <> $code
           ORDER BY city_code""",
        {"code": city_code},
    ).fetchall()
    return tuple(r[0] for r in rows)


def designations(cur: Cursor, scope: Scope | None = None) -> pd.DataFrame:
    """How many pilots in scope were designated each year, and the (first) batch they formed: designated_year,
    batch, pilots."""
    return cur.execute(
        f"""WITH {_SCOPE_CTE}
            SELECT c.designated_year, min(c.batch) AS batch, count(*) AS pilots
            FROM cities c JOIN scope USING (city_code) GROUP BY 1 ORDER BY 1""",
        (scope or Scope()).params(),
    ).df()


def batches(cur: Cursor) -> tuple[int, ...]:
    """The pilot batches there are, in order."""
    return tuple(r[0] for r in cur.execute("SELECT DISTINCT batch FROM cities ORDER BY 1").fetchall())


def city_names(cur: Cursor, lang: str) -> dict[str, str]:
    """City code -> name in the language, for every pilot."""
    column = {"zh": "name_zh", "en": "name_en"}[lang]
    return dict(cur.execute(f"SELECT city_code, {column} FROM cities").fetchall())


def reporting_status(cur: Cursor, column: str, scope: Scope | None, years: tuple[int, int]) -> pd.DataFrame:
    """Whether each pilot in scope reported a value column each year: city_code, year, status ('reported',
    'missing', or 'not_designated' before its designation year); pilots in batch order, as list_cities."""
    ind = registry.get(column)
    if ind.table is None:
        raise ValueError(f"{column} is not a value column")
    return cur.execute(
        f"""WITH {_SCOPE_CTE}
            SELECT c.city_code, y.range::INTEGER AS year,
                   CASE WHEN y.range < c.designated_year THEN 'not_designated'
                        WHEN v.{ind.column} IS NOT NULL THEN 'reported' ELSE 'missing' END AS status
            FROM cities c JOIN scope USING (city_code) CROSS JOIN range($lo, $hi + 1) AS y
            LEFT JOIN {ind.table} v ON v.city_code = c.city_code AND v.year = y.range
            ORDER BY c.batch NULLS LAST, c.city_code, year""",
        {**(scope or Scope()).params(), "lo": years[0], "hi": years[1]},
    ).df()


def reporting_rates(cur: Cursor, scope: Scope | None, years: tuple[int, int]) -> pd.DataFrame:
    """Share of the designated pilots in scope that reported each value column, per year: one row per year that
    has designated pilots, one column per value column (0-100)."""
    tables = registry.VALUE_TABLES
    joins = "".join(f" LEFT JOIN {t} USING (city_code, year)" for t in tables)
    shares = ", ".join(f"avg(({i.column} IS NOT NULL)::INTEGER) * 100 AS {i.column}" for i in registry.BASE_INDICATORS)
    return cur.execute(
        f"""WITH {_SCOPE_CTE},
            due AS (  -- each pilot in scope, each year from its designation
                SELECT scope.city_code, y.range::INTEGER AS year FROM scope CROSS JOIN range($lo, $hi + 1) AS y
                WHERE y.range >= scope.designated_year
            )
            SELECT year, {shares} FROM due{joins} GROUP BY year ORDER BY year""",
        {**(scope or Scope()).params(), "lo": years[0], "hi": years[1]},
    ).df()


def list_cities(cur: Cursor, scope: Scope | None = None) -> pd.DataFrame:
    """The pilot cities and parks in scope (all when None), ordered by batch and code."""
    return cur.execute(
        f"""WITH {_SCOPE_CTE}
            SELECT city_code, name_zh, name_en, province_zh, province_en, region, kind, batch, designated_year,
                   lat, lon
            FROM cities WHERE city_code IN (SELECT city_code FROM scope)
            ORDER BY batch NULLS LAST, city_code""",
        (scope or Scope()).params(),
    ).df()


# --- events ---------------------------------------------------------------------------------------------------


def events(cur: Cursor) -> pd.DataFrame:
    """The programme events by date: event_date (pandas datetime64, midnight), year, title_zh, title_en, upload_id."""
    frame = cur.execute(
        """SELECT event_date, year(event_date) AS year, title_zh, title_en, upload_id
           FROM events ORDER BY event_date, title_zh"""
    ).df()
    return frame.astype({"event_date": "datetime64[us]", "year": "int64", "upload_id": "Int64"})


def insert_events(cur: Cursor, rows: pd.DataFrame) -> None:
    """Add events to the list (columns event_date as dates, title_zh, title_en, upload_id)."""
    frame = rows[["event_date", "title_zh", "title_en", "upload_id"]].astype({"upload_id": "Int64"})
    with _registered(cur, "new_events", frame):
        cur.execute(
            """INSERT INTO events (event_date, title_zh, title_en, upload_id)
               SELECT CAST(event_date AS DATE), title_zh, title_en, upload_id FROM new_events"""
        )


def replace_events(cur: Cursor, rows: pd.DataFrame, upload_id: int) -> None:
    """Replace the whole list with rows, first keeping the current list as the snapshot that undo restores."""
    cur.execute(
        """INSERT INTO event_snapshots (upload_id, event_date, title_zh, title_en, old_upload_id)
           SELECT $id, event_date, title_zh, title_en, upload_id FROM events""",
        {"id": upload_id},
    )
    cur.execute("DELETE FROM events")
    insert_events(cur, rows)


def restore_events(cur: Cursor, upload_id: int) -> int:
    """Put back the list as it was before an events upload replaced it; returns how many events it holds."""
    cur.execute("DELETE FROM events")
    cur.execute(
        """INSERT INTO events (event_date, title_zh, title_en, upload_id)
           SELECT event_date, title_zh, title_en, old_upload_id FROM event_snapshots WHERE upload_id = $id""",
        {"id": upload_id},
    )
    return cur.execute("SELECT count(*) FROM events").fetchone()[0]


def later_event_uploads(cur: Cursor, upload_id: int) -> list[int]:
    """Committed events uploads after this one (each replaced the list this one left)."""
    rows = cur.execute(
        """SELECT upload_id FROM uploads
           WHERE kind = 'events' AND status = 'committed' AND upload_id > $id ORDER BY 1""",
        {"id": upload_id},
    ).fetchall()
    return [r[0] for r in rows]


# --- uploads ------------------------------------------------------------------------------------------------------

CITY_TYPES = {"batch": "INTEGER", "designated_year": "INTEGER", "lat": "DOUBLE", "lon": "DOUBLE"}


def _column_type(table: str, column: str) -> str:
    if table == "cities":
        return CITY_TYPES.get(column, "TEXT")
    ind = registry.get(column)
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


def jumps(cur: Cursor, rows: pd.DataFrame, columns: list[str], factor: float) -> list[tuple[str, int, object, object]]:
    """(column, file row, value, last year's value) wherever a file's value is `factor` times last year's or more,
    or a `factor`-th or less; last year as the file has it where it reports one, else as stored. Values under 10
    are never jumps. In file order, column by column."""
    tables = [t for t in registry.VALUE_TABLES if any(registry.get(c).table == t for c in columns)]
    joins = "".join(
        f" LEFT JOIN {t} AS {t}_prev ON {t}_prev.city_code = f.city_code AND {t}_prev.year = f.year - 1" for t in tables
    )
    values, pairs, flags = [], [], []
    for c in columns:
        # last year: the file's value where it reports one
        values.append(f"f.{c} AS this_{c}, coalesce(p.{c}, {registry.get(c).table}_prev.{c}) AS last_{c}")
        pairs.append(f"this_{c}::VARCHAR, last_{c}::VARCHAR")
        flags.append(
            f"coalesce(greatest(this_{c}, last_{c}) >= 10 "
            f"AND (this_{c} >= $factor * last_{c} OR this_{c} * $factor <= last_{c}), false)"
        )
    # Last year's values are taken once, in a subquery: spelt out in every flag, they were most of the query.
    sql = f"""SELECT "row", {", ".join(pairs)}, {", ".join(flags)} FROM (
            SELECT f."row", {", ".join(values)}
            FROM file_rows f LEFT JOIN file_rows p ON p.city_code = f.city_code AND p.year = f.year - 1{joins})
        WHERE {" OR ".join(flags)} ORDER BY 1"""
    with _registered(cur, "file_rows", rows):
        found = cur.execute(sql, {"factor": factor}).fetchall()
    n = len(columns)
    return [
        (c, int(r[0]), r[1 + 2 * i], r[2 + 2 * i]) for i, c in enumerate(columns) for r in found if r[1 + 2 * n + i]
    ]


def _as_text(column: str, alias: str) -> str:
    """SQL for a value as the change history keeps it: 12 for counts, 12.5 (not 12.50) for amounts."""
    sql_type = registry.get(column).sql_type
    text = f"CAST({alias} AS VARCHAR)"
    if sql_type == "INTEGER":
        return text
    if sql_type != "DECIMAL(18,2)":
        raise ValueError(f"no text form for {sql_type}")
    # DuckDB writes two decimals ("12.50", "12.00"); trimmed by suffix, as rtrim(.., '0') took six times as long.
    return (f"CASE WHEN suffix({text}, '.00') THEN left({text}, -3) WHEN suffix({text}, '0') THEN left({text}, -1) "
            f"ELSE {text} END")  # fmt: skip


def figure_changes(cur: Cursor, rows: pd.DataFrame) -> pd.DataFrame:
    """Every reported cell of a checked figures file against the database, one row per cell: file row, table,
    city_code, year, column, old and new (as text), old_upload_id, row_created and status (new, changed,
    unchanged). Cells not reported are not changes. Grouped by table and column, in no order within a group: so
    grouped, they go into cell_history in half the time (DuckDB compresses runs of the same names)."""
    joined, cells = [], []
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
        SELECT {", ".join(_quoted(c) for c in CHANGE_COLUMNS)} FROM ({" UNION ALL ".join(cells)}) ORDER BY part"""
    with _registered(cur, "file_rows", rows):
        return cur.sql(sql).to_arrow_table().to_pandas(types_mapper=pd.ArrowDtype)


# A change an upload would make, one per cell (uploads.Prepared.changes); old and new as the history keeps them.
CHANGE_COLUMNS = ("row", "table", "city_code", "year", "column", "old", "new", "old_upload_id", "row_created",
                  "status")  # fmt: skip


def set_upload_counts(cur: Cursor, upload_id: int, updated: int, unchanged: int) -> None:
    """Record how many rows an upload changed and left unchanged."""
    cur.execute(
        "UPDATE uploads SET rows_updated = $u, rows_unchanged = $n WHERE upload_id = $id",
        {"u": updated, "n": unchanged, "id": upload_id},
    )


def insert_history(cur: Cursor, changes: pd.DataFrame, upload_id: int) -> None:
    """Record the cells an upload changes (changes as uploads.Prepared.changes; unchanged cells are left out)."""
    with _registered(cur, "new_history", changes):
        cur.execute(
            """INSERT INTO cell_history (upload_id, table_name, city_code, year, column_name, old_value, new_value,
                                         old_upload_id, row_created)
               SELECT $id, "table", city_code, year, "column", old, new, old_upload_id, row_created
               FROM new_history WHERE status <> 'unchanged'""",
            {"id": upload_id},
        )


def _tables_in_history(cur: Cursor, upload_id: int) -> list[str]:
    known = set(registry.VALUE_TABLES) | {"cities"}
    rows = cur.execute("SELECT DISTINCT table_name FROM cell_history WHERE upload_id = $id", {"id": upload_id})
    return [t for (t,) in rows.fetchall() if t in known]


def _set_from_history(cur: Cursor, table: str, upload_id: int, value: str, row_upload: str) -> None:
    """Set every cell of existing rows that an upload's history holds to its `value` (new_value or old_value),
    in one statement per table; cells it does not hold keep theirs. Each row's upload_id becomes `row_upload`."""
    columns = _columns_of(table)
    keys = "city_code" if table == "cities" else "city_code, year"
    pivot = ", ".join(
        f"bool_or(column_name = '{c}') AS has_{c}, "
        f"CAST(max({value}) FILTER (WHERE column_name = '{c}') AS {_column_type(table, c)}) AS {c}"
        for c in columns
    )
    cells = ", ".join(f"{c} = CASE WHEN h.has_{c} THEN h.{c} ELSE t.{c} END" for c in columns)
    # The pivot goes into a table of its own first: as a subquery of the UPDATE, DuckDB 2.0 took 25 times as long
    # (0.24 s instead of 0.01 s for 50,000 rows). Within the caller's transaction, so a failure leaves nothing.
    cur.execute(
        f"""CREATE OR REPLACE TEMP TABLE history_pivot AS
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
        columns = _columns_of(table)
        keys = "city_code" if table == "cities" else "city_code, year"
        pivot = ", ".join(
            f"CAST(max(new_value) FILTER (WHERE column_name = '{c}') AS {_column_type(table, c)}) AS {c}"
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


def write_figures(cur: Cursor, rows: pd.DataFrame, upload_id: int) -> None:
    """Write a checked figures file's reported cells, as insert_history has just recorded them: stored rows with a
    changed cell updated, new rows inserted, each marked with the upload. Cells not reported keep their values.

    Straight from the file's rows, in the transaction that records them and with the data they were checked
    against: pivoting the history back into rows (apply_history) took a fifth of a 100,000-row import.
    """
    with _registered(cur, "file_rows", rows):
        for table in registry.VALUE_TABLES:
            columns = [i.column for i in registry.columns_of(table) if i.column in rows.columns]
            if not columns:
                continue
            new = {c: f"CAST(f.{c} AS {_column_type(table, c)})" for c in columns}
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


def revert_history(cur: Cursor, upload_id: int) -> int:
    """Put back the old values of every cell an upload changed, and remove the rows it created."""
    for table in _tables_in_history(cur, upload_id):
        cur.execute(
            f"""DELETE FROM {table} AS t WHERE EXISTS (
                    SELECT 1 FROM cell_history h
                    WHERE h.upload_id = $id AND h.table_name = $table AND h.row_created
                      AND {_key_match("t", table)})""",
            {"id": upload_id, "table": table},
        )
        _set_from_history(cur, table, upload_id, "old_value", "h.old_upload_id")
    return cur.execute("SELECT count(*) FROM cell_history WHERE upload_id = $id", {"id": upload_id}).fetchone()[0]


def get_upload(cur: Cursor, upload_id: int) -> dict | None:
    """One upload's record, or None."""
    frame = cur.execute("SELECT * FROM uploads WHERE upload_id = $id", {"id": upload_id}).df()
    return None if frame.empty else frame.iloc[0].to_dict()


def later_overlapping_uploads(cur: Cursor, upload_id: int) -> list[int]:
    """Committed uploads after this one that changed any of the same cells, or any cell of a row it created."""
    rows = cur.execute(
        """SELECT DISTINCT later.upload_id FROM cell_history mine
           JOIN cell_history later
             ON later.table_name = mine.table_name AND later.city_code = mine.city_code
            AND later.year IS NOT DISTINCT FROM mine.year
            AND (later.column_name = mine.column_name OR mine.row_created)
            AND later.upload_id > mine.upload_id
           JOIN uploads u ON u.upload_id = later.upload_id AND u.status = 'committed'
           WHERE mine.upload_id = $id ORDER BY 1""",
        {"id": upload_id},
    ).fetchall()
    return [r[0] for r in rows]


def created_cities_in_use(cur: Cursor, upload_id: int) -> list[str]:
    """Codes of cities an upload created that yearly figures now refer to."""
    tables = " UNION ALL ".join(f"SELECT city_code FROM {t}" for t in registry.VALUE_TABLES)
    rows = cur.execute(
        f"""SELECT DISTINCT h.city_code FROM cell_history h
            WHERE h.upload_id = $id AND h.table_name = 'cities' AND h.row_created
              AND h.city_code IN ({tables}) ORDER BY 1""",
        {"id": upload_id},
    ).fetchall()
    return [r[0] for r in rows]


def city_rows(cur: Cursor) -> pd.DataFrame:
    """Every stored cities row, with the upload that last set it."""
    return cur.execute("SELECT * FROM cities ORDER BY city_code").df()


def mark_undone(cur: Cursor, upload_id: int, undone_by: str) -> None:
    """Record that an upload was undone, and by whom."""
    cur.execute(
        """UPDATE uploads SET status = 'undone', undone_at = current_timestamp, undone_by = $by
           WHERE upload_id = $id""",
        {"id": upload_id, "by": undone_by},
    )


def last_change(cur: Cursor) -> tuple[int, str]:
    """(upload id, who) of the latest upload or undo."""
    return cur.execute(
        """SELECT upload_id, coalesce(CASE WHEN undone_at IS NOT NULL THEN undone_by ELSE created_by END, '?')
           FROM uploads ORDER BY coalesce(undone_at, created_at) DESC, upload_id DESC LIMIT 1"""
    ).fetchone()


def upload_history(cur: Cursor) -> pd.DataFrame:
    """Every upload, newest first."""
    return cur.execute(
        """SELECT upload_id, file_name, sha256, kind, created_at, created_by, rows_inserted, rows_updated,
                  rows_unchanged, status, undone_at, undone_by
           FROM uploads ORDER BY upload_id DESC"""
    ).df()


# --- accounts ---------------------------------------------------------------------------------------------


def undoable_uploads(cur: Cursor) -> tuple[int, ...]:
    """Ids of the committed uploads that may be undone (not the built-in sample), newest first."""
    rows = cur.execute(
        "SELECT upload_id FROM uploads WHERE status = 'committed' AND kind <> 'sample' ORDER BY upload_id DESC"
    ).fetchall()
    return tuple(r[0] for r in rows)


def user_count(cur: Cursor) -> int:
    """How many accounts there are (none: local single-user mode)."""
    return cur.execute("SELECT count(*) FROM users").fetchone()[0]


def get_user(cur: Cursor, name: str) -> dict | None:
    """One account (name, role, password_hash, created_at), or None."""
    rows = cur.execute(
        "SELECT name, role, password_hash, created_at FROM users WHERE name = $name", {"name": name}
    ).fetchall()
    return dict(zip(("name", "role", "password_hash", "created_at"), rows[0], strict=True)) if rows else None


def list_users(cur: Cursor) -> pd.DataFrame:
    """Every account without its password hash, by name."""
    return cur.execute(
        """SELECT name, role, password_hash IS NOT NULL AS has_password, created_at, created_by, changed_at,
                  changed_by
           FROM users ORDER BY name"""
    ).df()


def _accounts_changed(cur: Cursor) -> None:
    """Advance the accounts version (run_state), inside the transaction that changes the accounts."""
    set_meta(cur, "accounts_version", str(int(get_meta(cur, "accounts_version") or 0) + 1))


def insert_user(cur: Cursor, name: str, role: str, password_hash: str | None, by: str) -> None:
    """Add an account."""
    cur.execute(
        "INSERT INTO users (name, role, password_hash, created_by) VALUES ($name, $role, $hash, $by)",
        {"name": name, "role": role, "hash": password_hash, "by": by},
    )
    _accounts_changed(cur)


def update_user(cur: Cursor, name: str, by: str, *, role: str | None = None, password_hash: str | None = None) -> int:
    """Change an account's role and/or password hash (None leaves it); returns how many accounts changed (0 or 1)."""
    row = cur.execute(
        """UPDATE users SET role = coalesce($role, role), password_hash = coalesce($hash, password_hash),
                  changed_at = current_timestamp, changed_by = $by
           WHERE name = $name RETURNING name""",
        {"name": name, "role": role, "hash": password_hash, "by": by},
    ).fetchall()
    if row:
        _accounts_changed(cur)
    return len(row)


def delete_user(cur: Cursor, name: str) -> int:
    """Remove an account; returns how many were removed (0 or 1)."""
    removed = len(cur.execute("DELETE FROM users WHERE name = $name RETURNING name", {"name": name}).fetchall())
    if removed:
        _accounts_changed(cur)
    return removed


# --- exports ----------------------------------------------------------------------------------------------

EXPORT_TABLES = ("cities", *registry.VALUE_TABLES, "events", "uploads")


def table_rows(cur: Cursor, table: str) -> pd.DataFrame:
    """Every row of a contract table as stored, yearly tables with the city names beside the code."""
    if table not in EXPORT_TABLES:
        raise ValueError(f"unknown table {table!r}")
    if table == "cities":
        return cur.execute(f"SELECT city_code, {', '.join(CITY_FIELDS)}, upload_id FROM cities ORDER BY city_code").df()
    if table == "uploads":
        return upload_history(cur).sort_values("upload_id").reset_index(drop=True)
    if table == "events":  # the events upload format, so the list can be edited and loaded again
        return cur.execute(
            """SELECT strftime(event_date, '%Y-%m-%d') AS date, title_zh, title_en
               FROM events ORDER BY event_date, title_zh"""
        ).df()
    columns = ", ".join(f"t.{i.column}" for i in registry.columns_of(table))
    return cur.execute(
        f"""SELECT t.city_code, c.name_zh, c.name_en, t.year, {columns}, t.upload_id
            FROM {table} t LEFT JOIN cities c USING (city_code)
            ORDER BY t.city_code, t.year"""
    ).df()


# --- backup -----------------------------------------------------------------------------------------------


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _catalogue_table(cur: Cursor, table: str) -> str:
    """The table's name quoted for SQL, if the catalogue holds such a table."""
    if table not in table_names(cur):
        raise ValueError(f"unknown table {table!r}")
    return _quoted(table)


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
    return cur.execute(f"SELECT count(*) FROM {_catalogue_table(cur, table)}").fetchone()[0]


def copy_to_parquet(cur: Cursor, table: str, path: str) -> int:
    """Write every row of a table to a Parquet file; returns how many."""
    return cur.execute(f"COPY {_catalogue_table(cur, table)} TO $path (FORMAT parquet)", {"path": path}).fetchone()[0]


def replace_from_parquet(cur: Cursor, table: str, path: str) -> int:
    """Replace every row of a table with the rows of a Parquet file (columns matched by name); returns how many."""
    name = _catalogue_table(cur, table)
    cur.execute(f"DELETE FROM {name}")
    cur.execute(f"INSERT INTO {name} BY NAME SELECT * FROM read_parquet($path)", {"path": path})
    return row_count(cur, table)
