"""The review queue's decisions: a flagged value confirmed (with a comment) or sent back to its pilot (with a
reason), the values it was decided on (`value`, and `basis`: every value the flag was computed from), who and when;
and a pilot's year sent back without a flag (reason PILOT). The flags themselves are computed (analysis/review.py)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from .meta import bump_records_version
from .transactions import Cursor

DECISIONS = ("confirmed", "returned")
PILOT = "pilot"  # the reason of a pilot's year sent back as a whole, not one flag of it (indicator '')
COLUMNS = ["city_code", "year", "indicator", "reason", "rule_id", "value", "z", "status", "comment", "decided_by",
           "decided_at", "basis"]  # fmt: skip


def decisions(cur: Cursor, year: int, last: int | None = None) -> pd.DataFrame:
    """Every decision stored for a year's flags, or those of each year from `year` to `last` (rule_id '' where the
    flag is not a rule's)."""
    frame = cur.execute(
        f"""SELECT {", ".join(COLUMNS)} FROM flags WHERE year BETWEEN $year AND $last
            ORDER BY year, city_code, indicator, reason, rule_id""",
        {"year": year, "last": year if last is None else last},
    ).df()
    frame["rule_id"] = frame["rule_id"].fillna("").astype(str)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    return frame


def save_decisions(cur: Cursor, flags: Iterable[dict], status: str, comment: str, by: str) -> int:
    """Store one decision for each flag (city_code, year, indicator, reason, rule_id, value, z, basis), replacing
    the one before; how many; inside the caller's transaction."""
    count, years = 0, set()
    for flag in flags:
        key = {"city": flag["city_code"], "year": int(flag["year"]), "indicator": flag["indicator"],
               "reason": flag["reason"], "rule": flag["rule_id"] or ""}  # fmt: skip
        cur.execute(
            """DELETE FROM flags WHERE city_code = $city AND year = $year AND indicator = $indicator
               AND reason = $reason AND coalesce(rule_id, '') = $rule""",
            key,
        )
        cur.execute(
            """INSERT INTO flags (city_code, year, indicator, reason, rule_id, value, z, status, comment, decided_by,
                                  decided_at, basis)
               VALUES ($city, $year, $indicator, $reason, $rule_id, $value, $z, $status, $comment, $by,
                       now()::TIMESTAMP, $basis)""",
            {"city": key["city"], "year": key["year"], "indicator": key["indicator"], "reason": key["reason"],
             "rule_id": flag["rule_id"] or None, "value": _number(flag["value"]), "z": _number(flag["z"]),
             "status": status, "comment": comment, "by": by, "basis": flag.get("basis")},
        )  # fmt: skip
        count += 1
        years.add(key["year"])
    bump_records_version(cur, [("flags", year) for year in years])
    return count


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]
