"""Approving a pilot's figures of a year (an editor), un-approving them with a reason and marking a pilot as not
having reported (an admin): each step recorded with who, when and why; approved figures are locked
(store/approvals.py).

`approvable`: a pilot-year is clear when nothing about it is open in the review queue (analysis/review.py: values
far from the pilot's own years or the other pilots, and broken validation rules), every flag confirmed; a flag sent
back stays open until the pilot's value changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..domain.i18n import Refused, Text
from ..domain.roles import Actor, require
from ..store import approvals
from ..store.database import Database
from ..store.reporting import round_reports
from ..store.rounds import default_round
from ..store.transactions import Cursor, transaction
from .review import review


@dataclass
class Outcome:
    """What one approval action did: the pilots it changed and those it left alone, each with why."""

    done: list[str] = field(default_factory=list)
    left: list[tuple[str, Text]] = field(default_factory=list)


def reported_pilots(cur: Cursor, year: int) -> list[str]:
    """The pilots designated by `year` that have any figure for it, in batch order."""
    reports = round_reports(cur, year, default_round(year).indicators)
    return [str(c) for c in reports.loc[reports["reported"] > 0, "city_code"]]


def open_items(cur: Cursor, year: int) -> dict[str, list[Text]]:
    """What is open about each pilot's figures of `year`: the review queue's flags not confirmed (open, or sent
    back), each as its message, by code."""
    queue = review(cur, year)
    found: dict[str, list[Text]] = {}
    for code, message in zip(queue["city_code"], queue["message"].where(queue["status"] != "confirmed"), strict=True):
        if isinstance(message, Text):
            found.setdefault(str(code), []).append(message)
    return found


def approvable(cur: Cursor, year: int) -> list[str]:
    """The pilots of `year` with figures, not yet approved, and nothing open (open_items), in batch order."""
    states = approvals.states(cur, year)
    blocked = open_items(cur, year)
    return [
        c
        for c in reported_pilots(cur, year)
        if c not in blocked and getattr(states.get((c, year)), "state", None) != approvals.APPROVED
    ]


NO_FIGURES = Text("{y} 年没有数据，不能审核", "has no {y} figures to approve")
ALREADY = Text("已审核通过", "approved already")
NOT_APPROVED = Text("未审核通过，也未标记为未报送", "neither approved nor marked as not reported")
HAS_FIGURES = Text("已有 {y} 年数据，不能标记为未报送", "has {y} figures, so it cannot be marked as not reported")
IS_APPROVED = Text("已审核通过：请先撤销审核", "is approved: un-approve it first")


def approve(database: Database, year: int, codes: Iterable[str] | None, by: Actor | None) -> Outcome:
    """Approve the named pilots' figures of `year` (None: every pilot with nothing open), as an editor; pilots
    without figures or approved already are left alone, saying why."""
    actor = require(by, "edit")
    outcome = Outcome()
    with database.write_lock, database.cursor() as cur, transaction(cur):
        wanted = list(codes) if codes is not None else approvable(cur, year)
        reported = set(reported_pilots(cur, year))
        states = approvals.states(cur, year)
        for code in dict.fromkeys(wanted):
            state = states.get((code, year))
            if code not in reported:
                outcome.left.append((code, NO_FIGURES.format(y=year)))
            elif state is not None and state.state == approvals.APPROVED:
                outcome.left.append((code, ALREADY))
            else:
                approvals.set_state(cur, code, year, "approve", actor.name)
                outcome.done.append(code)
    return outcome


def unapprove(database: Database, year: int, codes: Iterable[str], reason: str, by: Actor | None) -> Outcome:
    """Lift the named pilots' approval (or "did not report" mark) of `year`, as an admin, with a reason."""
    actor = require(by, "admin")
    if not reason.strip():
        raise Refused(Text("撤销审核须说明原因，未做任何改动。", "Un-approving needs a reason; nothing was changed."))
    outcome = Outcome()
    with database.write_lock, database.cursor() as cur, transaction(cur):
        states = approvals.states(cur, year)
        for code in dict.fromkeys(codes):
            if (code, year) not in states:
                outcome.left.append((code, NOT_APPROVED))
            else:
                approvals.set_state(cur, code, year, "unapprove", actor.name, reason.strip())
                outcome.done.append(code)
    return outcome


def mark_not_reported(database: Database, year: int, codes: Iterable[str], by: Actor | None) -> Outcome:
    """Mark the named pilots as not having reported for `year` (an admin): the round may then be complete without
    them. A pilot with figures, or approved, is left alone."""
    actor = require(by, "admin")
    outcome = Outcome()
    with database.write_lock, database.cursor() as cur, transaction(cur):
        reported = set(reported_pilots(cur, year))
        states = approvals.states(cur, year)
        for code in dict.fromkeys(codes):
            state = states.get((code, year))
            if code in reported:
                outcome.left.append((code, HAS_FIGURES.format(y=year)))
            elif state is not None:
                outcome.left.append((code, IS_APPROVED if state.state == approvals.APPROVED else ALREADY_MARKED))
            else:
                approvals.set_state(cur, code, year, "skip", actor.name)
                outcome.done.append(code)
    return outcome


ALREADY_MARKED = Text("已标记为未报送", "marked as not reported already")
