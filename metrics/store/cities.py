"""The cities table: the pilot cities and parks, and the clause that limits a query to the pilots in a scope."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..domain.i18n import Text
from ..domain.programme import CITY_FIELDS, Scope
from .reads import Reads, declare, declare_kept, kept
from .transactions import Cursor, registered

CITIES_READ = Reads(frozenset({"cities"}))  # what the reads of the pilots alone read

SCOPE_CTE = """
scope AS (
    SELECT city_code, designated_year FROM cities
    WHERE ($cities::VARCHAR[] IS NULL OR city_code = ANY($cities::VARCHAR[]))
      AND ($regions::VARCHAR[] IS NULL OR region = ANY($regions::VARCHAR[]))
      AND ($kinds::VARCHAR[] IS NULL OR kind = ANY($kinds::VARCHAR[]))
      AND ($batches::INTEGER[] IS NULL OR batch = ANY($batches::INTEGER[]))
)"""


def insert_cities(cur: Cursor, cities: pd.DataFrame, upload_id: int) -> None:
    """Insert city rows (columns as the cities table, without upload_id)."""
    frame = cities.assign(upload_id=upload_id)
    cols = ", ".join(frame.columns)
    with registered(cur, "new_cities", frame):
        cur.execute(f"INSERT INTO cities ({cols}) SELECT {cols} FROM new_cities")


@declare(lambda *args: CITIES_READ)
def list_cities(cur: Cursor, scope: Scope | None = None) -> pd.DataFrame:
    """The pilot cities and parks in scope (all when None), ordered by batch and code; read once where reads are
    kept (the app: a page's charts, index, targets and review all ask), each caller given its own copy."""
    scope = scope or Scope()
    return kept("list_cities", (scope,), lambda: _list_cities(cur, scope)).copy()


# What callers keep under these names reads the pilots alone (list_cities here; the others where the app keeps a
# pilot's row, its batch's peers and the designations each chart marks).
for _name in ("list_cities", "city", "batch_peers", "designations"):
    declare_kept(_name, lambda *args: CITIES_READ)


_LISTED = "city_code, name_zh, name_en, province_zh, province_en, region, kind, batch, designated_year, lat, lon"


def _list_cities(cur: Cursor, scope: Scope) -> pd.DataFrame:
    order = "ORDER BY batch NULLS LAST, city_code"
    if scope == Scope():  # every pilot: the table itself, in half the time of the scope's filter that keeps all
        return cur.execute(f"SELECT {_LISTED} FROM cities {order}").df()
    return cur.execute(
        f"WITH {SCOPE_CTE} SELECT {_LISTED} FROM cities WHERE city_code IN (SELECT city_code FROM scope) {order}",
        scope.params(),
    ).df()


def city(cur: Cursor, city_code: str) -> dict:
    """One pilot's cities row (KeyError if there is none)."""
    frame = cur.execute(f"SELECT city_code, {', '.join(CITY_FIELDS)} FROM cities WHERE city_code = $code",
                        {"code": city_code}).df()  # fmt: skip
    if frame.empty:
        raise KeyError(city_code)
    return frame.iloc[0].to_dict()


def city_rows(cur: Cursor) -> pd.DataFrame:
    """Every stored cities row, with the upload that last set it."""
    return cur.execute("SELECT * FROM cities ORDER BY city_code").df()


def batch_peers(cur: Cursor, city_code: str) -> tuple[str, ...]:
    """The other pilots of a pilot's batch, by code."""
    rows = cur.execute(
        """SELECT city_code FROM cities
           WHERE batch = (SELECT batch FROM cities WHERE city_code = $code) AND city_code <> $code
           ORDER BY city_code""",
        {"code": city_code},
    ).fetchall()
    return tuple(r[0] for r in rows)


@declare(lambda *args: CITIES_READ)
def designations(cur: Cursor, scope: Scope | None = None) -> pd.DataFrame:
    """How many pilots in scope were designated each year, and the (first) batch they formed: designated_year,
    batch, pilots."""
    return cur.execute(
        f"""WITH {SCOPE_CTE}
            SELECT c.designated_year, min(c.batch) AS batch, count(*) AS pilots
            FROM cities c JOIN scope USING (city_code) GROUP BY 1 ORDER BY 1""",
        (scope or Scope()).params(),
    ).df()


@declare(lambda *args: CITIES_READ)
def batches(cur: Cursor) -> tuple[int, ...]:
    """The pilot batches there are, in order."""
    return tuple(r[0] for r in cur.execute("SELECT DISTINCT batch FROM cities ORDER BY 1").fetchall())


@declare(lambda *args: CITIES_READ)
def city_names(cur: Cursor, lang: str) -> dict[str, str]:
    """City code -> name in the language, for every pilot."""
    column = {"zh": "name_zh", "en": "name_en"}[lang]
    return dict(cur.execute(f"SELECT city_code, {column} FROM cities").fetchall())


def pilot_names(cur: Cursor, codes: Iterable[str] | None = None) -> dict[str, Text]:
    """City code -> the pilot's name in both languages, as a message names it (of every pilot, or of `codes`)."""
    wanted = None if codes is None else sorted(set(codes))
    rows = cur.execute(
        "SELECT city_code, name_zh, name_en FROM cities"
        " WHERE $codes::VARCHAR[] IS NULL OR city_code = ANY($codes::VARCHAR[])",
        {"codes": wanted},
    ).fetchall()
    return {str(c): Text(zh, en) for c, zh, en in rows}


@declare(lambda *args: CITIES_READ)
def both_names(cur: Cursor, lang: str) -> dict[str, str]:
    """City code -> its name in the language, then in the other ("杭州市 · Hangzhou"), as a city picker lists it so
    that typing either finds it."""
    first, second = ("name_zh", "name_en") if lang == "zh" else ("name_en", "name_zh")
    return dict(cur.execute(f"SELECT city_code, {first} || ' · ' || {second} FROM cities").fetchall())
