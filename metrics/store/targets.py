"""The pilots' yearly targets: a row per pilot, year and indicator; what a targets upload changes, and reading them.

Writing and undoing go through the change history (history.apply_history, history.revert_history), as for cities.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ..domain import registry
from ..domain.cells import cell_text
from .history import CHANGE_COLUMNS, TARGETS
from .reads import Reads, declare
from .transactions import Cursor, registered

TARGET_COLUMNS = ("city_code", "year", "indicator", "target")


def insert_targets(cur: Cursor, targets: pd.DataFrame, upload_id: int) -> None:
    """Insert target rows (city_code, year, indicator, target) as upload `upload_id` (the built-in sample's)."""
    frame = targets[list(TARGET_COLUMNS)].assign(upload_id=upload_id)
    with registered(cur, "new_targets", frame):
        cur.execute(
            """INSERT INTO targets (city_code, year, indicator, target, upload_id)
               SELECT city_code, year, indicator, CAST(target AS DECIMAL(18,2)), upload_id FROM new_targets"""
        )


def stored_targets(cur: Cursor, years: list[int]) -> pd.DataFrame:
    """The stored targets of these years, the target as text (12.50), with the upload that set each."""
    return cur.execute(
        """SELECT city_code, year, indicator, CAST(target AS VARCHAR) AS target, upload_id FROM targets
           WHERE year = ANY($years::INTEGER[])""",
        {"years": years},
    ).df()


def target_changes(cur: Cursor, rows: pd.DataFrame) -> pd.DataFrame:
    """Every target of a checked targets file (row, city_code, year, indicator, target) against the stored ones,
    one row per target as history.CHANGE_COLUMNS has it: new, changed or unchanged."""
    if rows.empty:
        return pd.DataFrame(columns=list(CHANGE_COLUMNS))
    stored = stored_targets(cur, sorted({int(y) for y in rows["year"]}))
    keys = zip(stored["city_code"], stored["year"], stored["indicator"], strict=True)
    old = {
        (c, int(y), i): (cell_text(Decimal(t)), int(u))
        for (c, y, i), t, u in zip(keys, stored["target"], stored["upload_id"], strict=True)
    }
    out: list[tuple[object, ...]] = []
    for r in rows.itertuples():
        new = cell_text(r.target)
        before = old.get((r.city_code, int(r.year), r.indicator))
        if before is None:
            out.append((int(r.row), TARGETS, r.city_code, int(r.year), r.indicator, None, new, None, True, "new"))
            continue
        text, upload = before
        status = "unchanged" if text == new else "changed"
        out.append((int(r.row), TARGETS, r.city_code, int(r.year), r.indicator, text, new, upload, False, status))
    return pd.DataFrame(out, columns=list(CHANGE_COLUMNS), dtype=object)


def year_targets(cur: Cursor, year: int) -> pd.DataFrame:
    """Every target set for a year: city_code, indicator, target (a float), ordered by pilot, then indicators in the
    registry's order."""
    position = " ".join(f"WHEN '{i.key}' THEN {n}" for n, i in enumerate(registry.BASE_INDICATORS))
    return cur.execute(
        f"""SELECT city_code, indicator, CAST(target AS DOUBLE PRECISION) AS target FROM targets
            WHERE year = $year ORDER BY city_code, CASE indicator {position} END, indicator""",
        {"year": year},
    ).df()


@declare(lambda: Reads(frozenset({"targets"})))
def target_years(cur: Cursor) -> tuple[int, ...]:
    """The years with any target, newest first."""
    return tuple(int(r[0]) for r in cur.execute("SELECT DISTINCT year FROM targets ORDER BY 1 DESC").fetchall())
