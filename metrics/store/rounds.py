"""The collection rounds (a year's forms: which indicators, due when) and the files checked for them (attempts)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from ..domain import registry
from .meta import bump_records_version
from .transactions import Cursor


@dataclass(frozen=True)
class Round:
    """One year's collection round: the indicators its forms ask for, by when, who opened it and who last
    changed it."""

    year: int
    indicators: tuple[str, ...]  # base indicator keys, in the registry's order
    due: dt.date | None
    opened_by: str | None = None
    opened_at: dt.datetime | None = None
    changed_by: str | None = None
    changed_at: dt.datetime | None = None
    closed_by: str | None = None  # the admin who marked it closed (None while it is open)
    closed_at: dt.datetime | None = None

    @property
    def closed(self) -> bool:
        """Whether an admin has marked the round closed (its year no longer being collected)."""
        return self.closed_at is not None


def default_round(year: int) -> Round:
    """The round a year has before anyone opens one: every indicator, no due date."""
    return Round(year, tuple(i.key for i in registry.BASE_INDICATORS), None)


def default_due(year: int) -> dt.date:
    """The date a year's forms are due back unless someone sets another: 31 March of the following year (a form
    asks for the whole year's figures, so they cannot come in before the year is over)."""
    return dt.date(year + 1, 3, 31)


def in_registry_order(keys: Iterable[str]) -> tuple[str, ...]:
    """The base indicator keys among `keys`, in the registry's order."""
    chosen = set(keys)
    return tuple(i.key for i in registry.BASE_INDICATORS if i.key in chosen)


def get_round(cur: Cursor, year: int) -> Round | None:
    """The round opened for a year, or None."""
    rows = cur.execute(
        """SELECT year, indicators, due_date, opened_by, opened_at, changed_by, changed_at, closed_by, closed_at
           FROM rounds WHERE year = $year""",
        {"year": year},
    ).fetchall()
    if not rows:
        return None
    year_, indicators, due, *who_when = rows[0]
    keys = in_registry_order((indicators or "").split()) or default_round(year).indicators
    return Round(int(year_), keys, due, *who_when)


def round_years(cur: Cursor) -> tuple[int, ...]:
    """The years with an opened round, newest first."""
    return tuple(int(r[0]) for r in cur.execute("SELECT year FROM rounds ORDER BY year DESC").fetchall())


def round_states(cur: Cursor) -> dict[int, bool]:
    """Every year with a round: whether it is closed."""
    rows = cur.execute("SELECT year, closed_at IS NOT NULL FROM rounds").fetchall()
    return {int(year): bool(closed) for year, closed in rows}


def set_closed(cur: Cursor, year: int, closed: bool, by: str) -> None:
    """Mark a year's round closed (by whom, now) or open again (the reopening recorded as its last change); a year
    that had no round gets one, closed, with the default indicators; inside the caller's transaction."""
    if closed:
        cur.execute(
            """INSERT INTO rounds (year, indicators, opened_by, closed_at, closed_by)
               VALUES ($year, $indicators, $by, now()::TIMESTAMP, $by)
               ON CONFLICT (year) DO UPDATE SET closed_at = now()::TIMESTAMP, closed_by = $by""",
            {"year": year, "indicators": " ".join(default_round(year).indicators), "by": by},
        )
    else:
        cur.execute(
            """UPDATE rounds SET closed_at = NULL, closed_by = NULL, changed_at = now()::TIMESTAMP, changed_by = $by
               WHERE year = $year""",
            {"year": year, "by": by},
        )
    bump_records_version(cur, [("rounds", year)])


def save_round(cur: Cursor, round_: Round, by: str) -> None:
    """Open a year's round, or change its indicators and due date (opened again for corrections); inside the
    caller's transaction."""
    params = {"year": round_.year, "indicators": " ".join(in_registry_order(round_.indicators)), "due": round_.due,
              "by": by}  # fmt: skip
    cur.execute(
        """INSERT INTO rounds (year, indicators, due_date, opened_by) VALUES ($year, $indicators, $due, $by)
           ON CONFLICT (year) DO UPDATE SET indicators = excluded.indicators, due_date = excluded.due_date,
                  changed_at = now()::TIMESTAMP, changed_by = $by""",
        params,
    )
    bump_records_version(cur, [("rounds", round_.year)])


def record_attempt(
    cur: Cursor,
    *,
    file_name: str,
    sha256: str,
    city_code: str | None,
    year: int | None,
    by: str,
    upload_id: int | None,
    problems: list[dict[str, object]],
) -> None:
    """Record a file checked for a round: refused (upload_id None, its errors) or loaded (its warnings)."""
    cur.execute(
        """INSERT INTO attempts (file_name, sha256, city_code, year, checked_by, upload_id, problems)
           VALUES ($file_name, $sha256, $city_code, $year, $by, $upload_id, $problems)""",
        {"file_name": file_name, "sha256": sha256, "city_code": city_code, "year": year, "by": by,
         "upload_id": upload_id, "problems": json.dumps(problems, ensure_ascii=False)},
    )  # fmt: skip
    bump_records_version(cur, [("attempts", year)])


def refusal_recorded(cur: Cursor, key: str) -> bool:
    """Whether a file with these bytes (or one sheet of a workbook whose several sheets hold tables, each a file of
    its own: `key` is then the sha256 of the bytes' sha256 and the sheet's name) has already been recorded as
    refused (a file dropped again is not a new attempt)."""
    rows = cur.execute(
        "SELECT 1 FROM attempts WHERE sha256 = $key AND upload_id IS NULL LIMIT 1", {"key": key}
    ).fetchall()
    return bool(rows)


def attempts_of_year(cur: Cursor, year: int) -> pd.DataFrame:
    """Every file checked for a year's figures (or naming no year), oldest first, problems decoded."""
    frame = cur.execute(
        """SELECT attempt_id, file_name, city_code, year, checked_at, checked_by, upload_id, problems
           FROM attempts WHERE year = $year OR year IS NULL ORDER BY attempt_id""",
        {"year": year},
    ).df()
    frame["problems"] = [json.loads(p) for p in frame["problems"]]
    return frame
