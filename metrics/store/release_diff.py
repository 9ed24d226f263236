"""What differs between two states of the data, each a release (its release_<table> rows) or the working data (the
tables themselves): the yearly cells, the targets, the cities and the events, read straight from both sides in SQL.

Read through a plain cursor, never one of releases.frozen: there the working data's tables are a release's.
"""

from __future__ import annotations

import functools

import pandas as pd

from ..domain import registry
from ..domain.programme import CITY_FIELDS
from .catalogue import quoted
from .reads import Reads, declare, kept
from .transactions import Cursor

Side = int | None  # a release's id, or None: the working data


def _rows(table: str, side: Side, param: str, bounded: bool = False) -> str:
    """A FROM item: one side's rows of a table the releases freeze (a release's id as the bound parameter `param`),
    `bounded`: of the years up to the bound parameter `last` only."""
    up_to = " AND year <= $last" if bounded else ""
    if side is None:
        return f"(SELECT * FROM {quoted(table)} WHERE TRUE{up_to})" if bounded else quoted(table)
    return f"(SELECT * FROM {quoted('release_' + table)} WHERE release_id = ${param}{up_to})"


def _params(old: Side, new: Side) -> dict[str, int]:
    return {name: side for name, side in (("old", old), ("new", new)) if side is not None}


def _value_diff(table: str, old: Side, new: Side, bounded: bool) -> str:
    """The CTE `<table>_diff`: the table's rows that differ between the sides (either side's row may be missing), of
    the years up to `$last` where `bounded`."""
    columns = [i.column for i in registry.columns_of(table)]
    differs = " OR ".join(f"a.{c} IS DISTINCT FROM b.{c}" for c in columns)
    both = ", ".join(f"a.{c} AS a_{c}, b.{c} AS b_{c}" for c in columns)
    return f"""{table}_diff AS (
        SELECT coalesce(a.city_code, b.city_code) AS city_code, coalesce(a.year, b.year) AS year,
               a.upload_id AS a_upload, b.upload_id AS b_upload, {both}
        FROM {_rows(table, old, "old", bounded)} AS a
        FULL JOIN {_rows(table, new, "new", bounded)} AS b ON a.city_code = b.city_code AND a.year = b.year
        WHERE {differs})"""


def _keys(side: Side, param: str) -> str:
    """The changed pilot-years (CTE `changed`) that this side has a row for, in any yearly table."""
    return " UNION ".join(
        f"SELECT k.city_code, k.year FROM changed k JOIN {_rows(t, side, param)} AS r "
        f"ON r.city_code = k.city_code AND r.year = k.year"
        for t in registry.VALUE_TABLES
    )


def _setter(side: str) -> str:
    """The CTE `<side>_setter` (side 'a', old, or 'b', new): for each changed cell, the upload that set the side's
    value: the latest upload up to the row's own (which is the last to change any of its cells) whose change
    history gave the cell that value; a cell with none (the sample, loaded without a history) has the row's."""
    value = "old" if side == "a" else "new"
    return f"""{side}_setter AS (
        SELECT c.table_name, c.indicator, c.city_code, c.year, max(h.upload_id) AS upload_id
        FROM cells c JOIN history h
          ON h.table_name = c.table_name AND h.column_name = c.indicator AND h.city_code = c.city_code
         AND h.year = c.year AND h.upload_id <= c.{side}_upload AND h.value = c.{value}
        GROUP BY 1, 2, 3, 4)"""


# The yearly tables' cells of the change history, their new values as numbers (only theirs: a city's are text).
_HISTORY = f"""history AS (
        SELECT upload_id, table_name, column_name, city_code, year, CAST(new_value AS DOUBLE PRECISION) AS value
        FROM cell_history WHERE table_name IN ({", ".join(f"'{t}'" for t in registry.VALUE_TABLES)}){{up_to}})"""


# A pilot's names as the new side has them, else (a pilot removed since) the old; its code where neither has it.
_NAMES = (
    "coalesce(nb.name_zh, na.name_zh, t.city_code) AS name_zh, coalesce(nb.name_en, na.name_en, t.city_code) AS name_en"
)


def _named(old: Side, new: Side) -> str:
    """The joins that give each row `t` its pilot's names (_NAMES)."""
    return (f"LEFT JOIN {_rows('cities', old, 'old')} AS na ON na.city_code = t.city_code "
            f"LEFT JOIN {_rows('cities', new, 'new')} AS nb ON nb.city_code = t.city_code")  # fmt: skip


def value_changes(cur: Cursor, old: Side, new: Side, last: int | None = None) -> pd.DataFrame:
    """Every yearly cell that differs between the sides (of the years up to `last`, if given): table_name,
    indicator (the column), city_code, year, old, new (NaN: not reported, or no row), change ('revised': the
    pilot-year is on both sides; 'added': only on the new side, in no yearly table of the old; 'removed': the
    reverse), and for each side the upload that set its value (old_upload_id, new_upload_id; NA where the side has
    no value) with that upload's file_name, kind, created_at, created_by, status, undone_at and undone_by (prefixed
    old_ and new_)."""
    tables = registry.VALUE_TABLES
    cells = " UNION ALL ".join(
        f"""SELECT '{i.table}' AS table_name, '{i.column}' AS indicator, city_code, year,
                   CAST(a_{i.column} AS DOUBLE PRECISION) AS old, CAST(b_{i.column} AS DOUBLE PRECISION) AS new,
                   a_upload, b_upload
            FROM {i.table}_diff WHERE a_{i.column} IS DISTINCT FROM b_{i.column}"""
        for i in registry.BASE_INDICATORS
    )
    bounded = last is not None
    params = {**_params(old, new), **({"last": last} if bounded else {})}
    if "values" not in differing(cur, old, new, last):  # most often (a profile's revisions): nothing to attribute
        return no_value_changes()
    upload = ", ".join(f"u{{s}}.{field} AS {{p}}_{field}" for field in _UPLOAD_FIELDS)
    sql = f"""WITH {", ".join(_value_diff(t, old, new, bounded) for t in tables)},
        cells AS ({cells}),
        changed AS (SELECT DISTINCT city_code, year FROM cells),
        a_keys AS ({_keys(old, "old")}),
        b_keys AS ({_keys(new, "new")}),
        {_HISTORY.format(up_to=" AND year <= $last" if bounded else "")},
        {_setter("a")},
        {_setter("b")},
        attributed AS (
            SELECT c.*, CASE WHEN c.old IS NULL THEN NULL ELSE coalesce(sa.upload_id, c.a_upload) END AS old_upload_id,
                   CASE WHEN c.new IS NULL THEN NULL ELSE coalesce(sb.upload_id, c.b_upload) END AS new_upload_id,
                   CASE WHEN ak.city_code IS NULL THEN 'added' WHEN bk.city_code IS NULL THEN 'removed'
                        ELSE 'revised' END AS change
            FROM cells c
            LEFT JOIN a_setter sa USING (table_name, indicator, city_code, year)
            LEFT JOIN b_setter sb USING (table_name, indicator, city_code, year)
            LEFT JOIN a_keys ak ON ak.city_code = c.city_code AND ak.year = c.year
            LEFT JOIN b_keys bk ON bk.city_code = c.city_code AND bk.year = c.year)
        SELECT t.table_name, t.indicator, t.city_code, {_NAMES}, t.year, t.old, t.new, t.change, t.old_upload_id,
               t.new_upload_id, {upload.format(s="a", p="old")}, {upload.format(s="b", p="new")}
        FROM attributed t
        {_named(old, new)}
        LEFT JOIN uploads ua ON ua.upload_id = t.old_upload_id
        LEFT JOIN uploads ub ON ub.upload_id = t.new_upload_id
        ORDER BY t.year DESC, t.city_code, t.table_name, t.indicator"""
    frame = cur.execute(sql, params).df()
    return frame.astype({"old": "float64", "new": "float64", "old_upload_id": "Int64", "new_upload_id": "Int64"})


KINDS = ("values", "targets", "cities", "events")  # what two states of the data can differ in


def differing(cur: Cursor, old: Side, new: Side, last: int | None = None) -> frozenset[str]:
    """Which KINDS differ between the sides (of the years up to `last`, if given: the yearly values alone), asked in
    one statement, so that what does not differ (most often everything, just after a release) is never read in
    full. Kept for the snapshot where the caller keeps reads: each kind's read asks."""
    return kept("release_differing", (old, new, last), lambda: _differing(cur, old, new, last))


def _differing(cur: Cursor, old: Side, new: Side, last: int | None) -> frozenset[str]:
    tables = registry.VALUE_TABLES
    bounded = last is not None
    asked = {"values": " OR ".join(f"EXISTS (SELECT 1 FROM {t}_diff)" for t in tables)}
    if not bounded:
        asked |= {"targets": f"EXISTS (SELECT 1 {_targets_differ(old, new)})",
                  "cities": f"EXISTS (SELECT 1 {_cities_differ(old, new)})",
                  "events": f"EXISTS (SELECT 1 {_events_differ(old, new)})"}  # fmt: skip
    params = {**_params(old, new), **({"last": last} if bounded else {})}
    found = cur.execute(f"""WITH {", ".join(_value_diff(t, old, new, bounded) for t in tables)}
        SELECT {", ".join(asked.values())}""", params).fetchone()  # fmt: skip
    return frozenset(kind for kind, differs in zip(asked, found or (), strict=False) if differs)


def no_value_changes() -> pd.DataFrame:
    """What `value_changes` gives when no cell differs."""
    return _none(_CHANGE_COLUMNS)


def _none(columns: dict[str, str]) -> pd.DataFrame:
    """An empty result with these columns and types (as the statement's empty result has them)."""
    return _empty(tuple(columns.items())).copy()


@functools.cache
def _empty(columns: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in columns})  # some milliseconds: made once


# Of each side's upload, what value_changes names (prefixed old_ and new_), with the type an empty result gives it.
_UPLOAD_FIELDS = {"file_name": "object", "kind": "object", "created_at": "datetime64[us]", "created_by": "object",
                  "status": "object", "undone_at": "datetime64[us]", "undone_by": "object"}  # fmt: skip
# value_changes' columns and their types when no cell differs (as the full statement's empty result has them).
_CHANGE_COLUMNS = {
    **dict.fromkeys(("table_name", "indicator", "city_code", "name_zh", "name_en"), "object"),
    "year": "int32", "old": "float64", "new": "float64", "change": "object",
    "old_upload_id": "Int64", "new_upload_id": "Int64",
    **{f"{side}_{field}": dtype for side in ("old", "new") for field, dtype in _UPLOAD_FIELDS.items()},
}  # fmt: skip


@declare(lambda release_id: Reads(frozenset({"releases"})))  # a release's rows are written once, as it is published
def last_year(cur: Cursor, release_id: int) -> int | None:
    """The last year a release holds figures for (None: none)."""
    tables = registry.VALUE_TABLES
    years = " UNION ALL ".join(f"SELECT max(year) AS y FROM {_rows(t, release_id, 'id')} AS r" for t in tables)
    found = cur.execute(f"SELECT max(y) FROM ({years}) AS t", {"id": release_id}).fetchone()
    return None if found is None or found[0] is None else int(found[0])


def reviews(cur: Cursor, side: Side, cells: pd.DataFrame) -> pd.DataFrame:
    """The review's latest decision with a comment on each (city_code, year, indicator) of `cells`, as the side's
    flags table holds it: city_code, year, indicator, status (confirmed, returned), comment, decided_by,
    decided_at."""
    if cells.empty:
        return no_reviews()
    keys = cells[["city_code", "year", "indicator"]].drop_duplicates()
    wanted = {"codes": keys["city_code"].tolist(), "years": [int(y) for y in keys["year"]],
              "indicators": keys["indicator"].tolist()}  # fmt: skip
    frame = cur.execute(
        f"""SELECT city_code, year, indicator, status, comment, decided_by, decided_at FROM (
                SELECT f.*, row_number() OVER (PARTITION BY city_code, year, indicator
                                               ORDER BY decided_at DESC NULLS LAST) AS newest
                FROM {_rows("flags", side, "side")} AS f
                WHERE comment IS NOT NULL AND comment <> '' AND status <> 'open'
                  AND city_code = ANY($codes::VARCHAR[]) AND year = ANY($years::INTEGER[])
                  AND indicator = ANY($indicators::VARCHAR[])) AS decided
            WHERE newest = 1""",
        {**wanted, **({} if side is None else {"side": side})},
    ).df()
    return keys.merge(frame, on=["city_code", "year", "indicator"])[_REVIEW_COLUMNS]


_REVIEW_COLUMNS = ["city_code", "year", "indicator", "status", "comment", "decided_by", "decided_at"]


def no_reviews() -> pd.DataFrame:
    """What `reviews` gives of no cells."""
    return pd.DataFrame(columns=_REVIEW_COLUMNS)


def programme_totals(cur: Cursor, old: Side, new: Side, years: list[int]) -> pd.DataFrame:
    """The programme total of every base indicator in each of `years` on each side (the sum over its pilots, as
    series() totals them): indicator, year, before (the old side's), after (the new's); NaN where no pilot
    reported."""
    sums, parts = [], []
    for side, param, name in ((old, "old", "before"), (new, "new", "after")):
        for table in registry.VALUE_TABLES:
            columns = [i.column for i in registry.columns_of(table)]
            summed = ", ".join(f"CAST(sum(t.{c}) AS DOUBLE PRECISION) AS {c}" for c in columns)
            sums.append(f"""{name}_{table} AS (
                SELECT t.year, {summed} FROM {_rows(table, side, param)} AS t
                JOIN {_rows("cities", side, param)} AS c ON c.city_code = t.city_code
                WHERE t.year = ANY($years::INTEGER[]) GROUP BY t.year)""")
            parts += [f"SELECT '{name}' AS side, '{c}' AS indicator, year, {c} AS total FROM {name}_{table}"
                      for c in columns]  # fmt: skip
    sql = f"WITH {', '.join(sums)} {' UNION ALL '.join(parts)}"
    frame = cur.execute(sql, {"years": years, **_params(old, new)}).df()
    wide = frame.pivot_table(index=["indicator", "year"], columns="side", values="total", aggfunc="first",
                             dropna=False)  # fmt: skip
    wide = wide.reindex(columns=["before", "after"]).reset_index()
    wide.columns.name = None
    return wide.astype({"year": "int64", "before": "float64", "after": "float64"})


def target_changes(cur: Cursor, old: Side, new: Side) -> pd.DataFrame:
    """Every target that differs between the sides: city_code, year, indicator, old, new (NaN: none set), and the
    upload that set each side's (old_upload_id, new_upload_id)."""
    if "targets" not in differing(cur, old, new):
        return _none(_TARGET_COLUMNS)
    frame = cur.execute(
        f"""WITH t AS (
                SELECT coalesce(a.city_code, b.city_code) AS city_code, coalesce(a.year, b.year) AS year,
                       coalesce(a.indicator, b.indicator) AS indicator,
                       CAST(a.target AS DOUBLE PRECISION) AS old, CAST(b.target AS DOUBLE PRECISION) AS new,
                       a.upload_id AS old_upload_id, b.upload_id AS new_upload_id
                {_targets_differ(old, new)})
            SELECT t.city_code, {_NAMES}, t.year, t.indicator, t.old, t.new, t.old_upload_id, t.new_upload_id
            FROM t {_named(old, new)}
            ORDER BY t.year DESC, t.city_code, t.indicator""",
        _params(old, new),
    ).df()
    return frame.astype({"old": "float64", "new": "float64", "old_upload_id": "Int64", "new_upload_id": "Int64"})


def _targets_differ(old: Side, new: Side) -> str:
    """FROM … WHERE: the targets (a: old side, b: new) set on one side only or set to another value."""
    return f"""FROM {_rows("targets", old, "old")} AS a
                FULL JOIN {_rows("targets", new, "new")} AS b
                  ON a.city_code = b.city_code AND a.year = b.year AND a.indicator = b.indicator
                WHERE a.target IS DISTINCT FROM b.target"""


_TARGET_COLUMNS = {**dict.fromkeys(("city_code", "name_zh", "name_en"), "object"), "year": "int32",
                   "indicator": "object", "old": "float64", "new": "float64", "old_upload_id": "Int64",
                   "new_upload_id": "Int64"}  # fmt: skip


def city_changes(cur: Cursor, old: Side, new: Side) -> pd.DataFrame:
    """Every pilot whose cities row differs between the sides: city_code, then each field of the old side (a_name_zh,
    …; NA for a pilot added) and of the new (b_…; NA for one removed)."""
    fields = ", ".join(f"a.{f} AS a_{f}, b.{f} AS b_{f}" for f in CITY_FIELDS)
    if "cities" not in differing(cur, old, new):
        return _none({"city_code": "object", **{f"{s}_{f}": _CITY_TYPES.get(f, "object") for f in CITY_FIELDS
                                                 for s in "ab"}})  # fmt: skip
    return cur.execute(
        f"""SELECT coalesce(a.city_code, b.city_code) AS city_code, {fields} {_cities_differ(old, new)} ORDER BY 1""",
        _params(old, new),
    ).df()


_CITY_TYPES = {"batch": "int32", "designated_year": "int32", "lat": "float64", "lon": "float64"}  # else text


def _cities_differ(old: Side, new: Side) -> str:
    """FROM … WHERE: the pilots (a: old side, b: new) on one side only or with a field changed."""
    differs = " OR ".join(f"a.{f} IS DISTINCT FROM b.{f}" for f in CITY_FIELDS)
    return f"""FROM {_rows("cities", old, "old")} AS a
            FULL JOIN {_rows("cities", new, "new")} AS b ON a.city_code = b.city_code
            WHERE a.city_code IS NULL OR b.city_code IS NULL OR {differs}"""


def event_changes(cur: Cursor, old: Side, new: Side) -> pd.DataFrame:
    """Every programme event on one side only, or retitled in English: event_date, title_zh, old_title_en (NA:
    added), new_title_en (NA: removed)."""
    if "events" not in differing(cur, old, new):
        return _none({"event_date": "datetime64[us]", "title_zh": "object", "old_title_en": "object",
                      "new_title_en": "object"})  # fmt: skip
    frame = cur.execute(
        f"""SELECT coalesce(a.event_date, b.event_date) AS event_date, coalesce(a.title_zh, b.title_zh) AS title_zh,
                   a.title_en AS old_title_en, b.title_en AS new_title_en
            {_events_differ(old, new)}
            ORDER BY 1, 2""",
        _params(old, new),
    ).df()
    return frame.astype({"event_date": "datetime64[us]"})


def _events_differ(old: Side, new: Side) -> str:
    """FROM … WHERE: the events (a: old side, b: new) on one side only or retitled in English."""
    return f"""FROM {_rows("events", old, "old")} AS a
            FULL JOIN {_rows("events", new, "new")} AS b
              ON a.event_date = b.event_date AND a.title_zh = b.title_zh
            WHERE a.title_en IS DISTINCT FROM b.title_en"""


def pilot_names(cur: Cursor, side: Side) -> pd.DataFrame:
    """Every pilot's names as the side holds them: city_code, name_zh, name_en."""
    return cur.execute(
        f"SELECT city_code, name_zh, name_en FROM {_rows('cities', side, 'side')} AS c ORDER BY 1",
        {} if side is None else {"side": side},
    ).df()
