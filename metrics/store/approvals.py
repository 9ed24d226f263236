"""Approval per pilot and year: the current state (approved, or marked "did not report" by an admin) and every step
that led to it, and the lock that approved figures are under (every write of figures asks `refuse_locked` inside its
own transaction, before writing anything)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from ..domain import registry
from ..domain.i18n import Refused, Text
from .cities import pilot_names
from .meta import bump_records_version
from .transactions import Cursor, registered

APPROVED, NOT_REPORTED = "approved", "not_reported"
ACTIONS = ("approve", "unapprove", "skip")  # skip: marked "did not report"

LOCKED = Text(
    "{p} {y} 年的数据已由 {b} 于 {w} 审核通过，已锁定，不能修改；未写入任何数据。如需修改，请管理员先撤销审核："
    "round unapprove {y} --city {c} --reason 原因（或在“年度报送”页撤销）。",
    "The {y} figures of {p} were approved by {b} on {w} and are locked; nothing was written. To change them, an admin "
    "un-approves first: round unapprove {y} --city {c} --reason TEXT (or on the Collection round page).",
)


@dataclass(frozen=True)
class Approval:
    """A pilot-year's current state: approved, or marked as not reported; who and when."""

    city_code: str
    year: int
    state: str
    by: str
    at: dt.datetime

    def locked(self, name: Text | None = None) -> Text:
        """The refusal a write of this pilot-year's figures meets, naming the pilot (`name`), the approval and how
        to lift it."""
        pilot = name if name is not None else Text(self.city_code, self.city_code)
        return LOCKED.format(p=pilot, y=self.year, b=self.by, w=f"{self.at:%Y-%m-%d %H:%M}", c=self.city_code)


def states(cur: Cursor, year: int | None = None) -> dict[tuple[str, int], Approval]:
    """Every pilot-year's state (of one year, or all), by (city code, year)."""
    sql = "SELECT city_code, year, state, set_by, set_at FROM approvals"
    if year is None:
        rows = cur.execute(f"{sql} ORDER BY year, city_code").fetchall()
    else:
        rows = cur.execute(f"{sql} WHERE year = $year ORDER BY city_code", {"year": year}).fetchall()
    return {(str(r[0]), int(r[1])): Approval(str(r[0]), int(r[1]), r[2], r[3], r[4]) for r in rows}


def approved_among(cur: Cursor, pairs: Iterable[tuple[str, int]]) -> list[Approval]:
    """The approvals of those of `pairs` (city code, year) that are approved, by year and city."""
    wanted = pd.DataFrame(list(set(pairs)), columns=["city_code", "year"]).astype({"year": "int64"})
    if wanted.empty:
        return []
    with registered(cur, "wanted_pairs", wanted):
        rows = cur.execute(
            """SELECT a.city_code, a.year, a.state, a.set_by, a.set_at FROM approvals a
               JOIN wanted_pairs w ON w.city_code = a.city_code AND w.year = a.year
               WHERE a.state = $state ORDER BY a.year, a.city_code""",
            {"state": APPROVED},
        ).fetchall()
    return [Approval(str(r[0]), int(r[1]), r[2], r[3], r[4]) for r in rows]


def figure_pairs(changes: pd.DataFrame) -> set[tuple[str, int]]:
    """The pilot-years whose yearly figures a kind's changes (table, city_code, year, status) would change."""
    if changes.empty or not {"table", "city_code", "year", "status"} <= set(changes.columns):
        return set()
    cells = changes[["table", "city_code", "year", "status"]]  # only these columns taken: a million cells
    cells = cells[cells["table"].isin(registry.VALUE_TABLES) & (cells["status"] != "unchanged") & cells["year"].notna()]
    pairs = cells[["city_code", "year"]].drop_duplicates()  # a row's cells: one pair
    return set(zip(map(str, pairs["city_code"].tolist()), map(int, pairs["year"].tolist()), strict=True))


def any_approved(cur: Cursor) -> bool:
    """Whether any pilot-year is approved at all (most checks, before a round is approved, need look no further)."""
    return bool(cur.execute("SELECT 1 FROM approvals WHERE state = $state LIMIT 1", {"state": APPROVED}).fetchall())


def undo_pairs(cur: Cursor, upload_id: int) -> set[tuple[str, int]]:
    """The pilot-years whose yearly figures undoing an upload would change."""
    tables = list(registry.VALUE_TABLES)
    marks = ", ".join(f"$t{i}" for i in range(len(tables)))
    rows = cur.execute(
        f"""SELECT DISTINCT city_code, year FROM cell_history
            WHERE upload_id = $id AND year IS NOT NULL AND table_name IN ({marks})""",
        {"id": upload_id, **{f"t{i}": t for i, t in enumerate(tables)}},
    ).fetchall()
    return {(str(c), int(y)) for c, y in rows}


def refuse_locked(cur: Cursor, pairs: Iterable[tuple[str, int]]) -> None:
    """Refused, naming each approval, when any of `pairs` is approved (call inside the writing transaction)."""
    found = approved_among(cur, pairs)
    if found:
        names = pilot_names(cur, (a.city_code for a in found))
        first, *rest = [a.locked(names.get(a.city_code)) for a in found]
        raise Refused(first.then(*rest, zh="\n", en="\n"))


def set_state(cur: Cursor, city_code: str, year: int, action: str, by: str, reason: str | None = None, *,
              undoes: int | None = None, open_flags: int | None = None) -> None:  # fmt: skip
    """Record one step (approve, unapprove, skip) with the pilot-year's figures as they stand, and set its current
    state from it; `undoes`: the step it undoes; `open_flags`: how many flags were open when approved despite them.
    Inside the caller's transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unknown approval step {action!r}")
    params = {"code": city_code, "year": year, "by": by}
    cur.execute("DELETE FROM approvals WHERE city_code = $code AND year = $year", {"code": city_code, "year": year})
    if action != "unapprove":
        cur.execute(
            """INSERT INTO approvals (city_code, year, state, set_by, set_at)
               VALUES ($code, $year, $state, $by, now()::TIMESTAMP)""",
            {**params, "state": APPROVED if action == "approve" else NOT_REPORTED},
        )
    cur.execute(
        """INSERT INTO approval_events (city_code, year, action, done_by, done_at, reason, undoes, figures, open_flags)
           VALUES ($code, $year, $action, $by, now()::TIMESTAMP, $reason, $undoes, $figures, $open)""",
        {**params, "action": action, "reason": reason, "undoes": undoes,
         "figures": json.dumps(pilot_figures(cur, city_code, year)), "open": open_flags},
    )  # fmt: skip
    bump_records_version(cur, [("approvals", year), ("approval_events", year)])


def pilot_figures(cur: Cursor, city_code: str, year: int) -> list[str | None]:
    """A pilot-year's stored figures, every value column as text (None where not reported), in registry order."""
    tables = registry.VALUE_TABLES
    joins = "".join(f" LEFT JOIN {t} ON {t}.city_code = k.code AND {t}.year = k.year" for t in tables)
    columns = ", ".join(f"CAST({i.table}.{i.column} AS VARCHAR)" for i in registry.BASE_INDICATORS)
    rows = cur.execute(
        f"SELECT {columns} FROM (SELECT CAST($code AS VARCHAR) AS code, CAST($year AS INTEGER) AS year) AS k{joins}",
        {"code": city_code, "year": year},
    ).fetchall()
    return list(rows[0])


_EVENT_COLUMNS = "event_id, city_code, year, action, done_by, done_at, reason, undoes, figures, open_flags"


def history(cur: Cursor, year: int) -> pd.DataFrame:
    """Every approval step of a year, oldest first: event_id, city_code, year, action, done_by, done_at, reason,
    undoes (the step it undid), figures (the pilot-year's, as JSON), open_flags (approved despite so many)."""
    return cur.execute(
        f"SELECT {_EVENT_COLUMNS} FROM approval_events WHERE year = $year ORDER BY event_id", {"year": year}
    ).df()


def event(cur: Cursor, event_id: int) -> dict | None:
    """One approval step by its id (the columns of `history`), None when there is none."""
    frame = cur.execute(f"SELECT {_EVENT_COLUMNS} FROM approval_events WHERE event_id = $id", {"id": event_id}).df()
    return None if frame.empty else frame.iloc[0].to_dict()


def pilot_events(cur: Cursor, city_code: str, year: int) -> pd.DataFrame:
    """A pilot-year's approval steps, oldest first (the columns of `history`)."""
    return cur.execute(
        f"""SELECT {_EVENT_COLUMNS} FROM approval_events WHERE city_code = $code AND year = $year
            ORDER BY event_id""",
        {"code": city_code, "year": year},
    ).df()


def settled_by_year(cur: Cursor) -> dict[int, int]:
    """For each year with any state: how many pilots designated by then are approved or marked as not reported."""
    rows = cur.execute(
        """SELECT a.year, count(*) FROM approvals a JOIN cities c ON c.city_code = a.city_code
           WHERE c.designated_year <= a.year GROUP BY a.year"""
    ).fetchall()
    return {int(year): int(n) for year, n in rows}


def approved_figures(cur: Cursor) -> dict[tuple[str, int], tuple[Approval, tuple]]:
    """Every approved pilot-year with its stored figures (every value column, as text), by (city code, year)."""
    found = {k: a for k, a in states(cur).items() if a.state == APPROVED}
    out: dict[tuple[str, int], tuple[Approval, tuple]] = {}
    if not found:
        return out
    tables = registry.VALUE_TABLES
    joins = "".join(f" LEFT JOIN {t} ON {t}.city_code = a.city_code AND {t}.year = a.year" for t in tables)
    columns = ", ".join(f"CAST({i.table}.{i.column} AS VARCHAR)" for i in registry.BASE_INDICATORS)
    rows = cur.execute(
        f"SELECT a.city_code, a.year, {columns} FROM approvals a{joins} WHERE a.state = $state", {"state": APPROVED}
    ).fetchall()
    for code, year, *values in rows:
        out[(str(code), int(year))] = (found[(str(code), int(year))], tuple(values))
    return out


RESTORE_LOCKED = Text(
    "恢复此备份会改动或撤销已审核通过的数据，未写入任何数据：",
    "Restoring this backup would change or un-approve approved figures; nothing was written: ",
)


def refuse_unlocking(cur: Cursor, before: dict[tuple[str, int], tuple[Approval, tuple]]) -> None:
    """Refused when any pilot-year approved `before` a restore is, after it, not approved or has other figures
    (inside the restoring transaction, which the refusal rolls back)."""
    after = approved_figures(cur)
    lost = [a for key, (a, values) in before.items() if key not in after or after[key][1] != values]
    if lost:
        names = pilot_names(cur, (a.city_code for a in lost))
        raise Refused(RESTORE_LOCKED.then(*[a.locked(names.get(a.city_code)) for a in lost], zh="\n", en="\n"))
