"""Approving a pilot's figures of a year (an editor), un-approving them with a reason and marking a pilot as not
having reported (an admin): each step recorded with who, when and why; approved figures are locked
(store/approvals.py).

`approvable`: a pilot-year is clear when nothing about it is open in the review queue (analysis/review.py: values
far from the pilot's own years or the other pilots, and broken validation rules), every flag confirmed; a flag sent
back, or the whole year sent back, stays open until the pilot's values change. Approving a pilot with anything open
is refused, naming what is open, unless asked for explicitly (`despite_flags`), which the history records.

`undo`: a step of the history undone by a new step, where nothing later depends on it (approve: un-approved;
un-approve: approved again, on the same figures; "did not report": cleared).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from ..domain import registry
from ..domain.i18n import Refused, Text
from ..domain.roles import Actor, require
from ..store import approvals
from ..store.cities import pilot_names
from ..store.database import Database
from ..store.reporting import round_reports
from ..store.rounds import default_round
from ..store.transactions import Cursor, transaction
from .review import review, whole_returns


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
    back), each as its message, and a whole year sent back, by code."""
    queue = review(cur, year)
    queue = queue[queue["status"] != "confirmed"]
    found: dict[str, list[Text]] = {}
    for code, key, reason, message in zip(queue["city_code"], queue["indicator"], queue["reason"], queue["message"],
                                          strict=True):  # fmt: skip
        ind = registry.get(key)
        said = message if reason == "rule" else Text(f"{ind.label_zh}：", f"{ind.label_en}: ").then(message)
        found.setdefault(str(code), []).append(said)
    for code, items in whole_returns(cur, year).items():
        found.setdefault(code, []).extend(items)
    return found


def approvable(cur: Cursor, year: int, blocked: dict[str, list[Text]] | None = None) -> list[str]:
    """The pilots of `year` with figures, not yet approved, and nothing open (open_items, unless given), in batch
    order."""
    states = approvals.states(cur, year)
    blocked = open_items(cur, year) if blocked is None else blocked
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


OPEN = Text("{p}：{n} 项待处理：{items}", "{p}: {n} open: {items}")
NOT_DESPITE = Text(
    "未审核任何试点：所选试点有待处理的核实项。请先在核实清单中确认或处理，或明确选择“有待处理项仍审核通过”"
    "（命令行 --despite-flags），审核记录会载明。",
    "Nothing was approved: pilots chosen have open flags. Settle them in the review list first, or choose to approve "
    "despite them (the CLI's --despite-flags), which the history records.",
)


def approve(database: Database, year: int, codes: Iterable[str] | None, by: Actor | None,
            despite_flags: bool = False) -> Outcome:  # fmt: skip
    """Approve the named pilots' figures of `year` (None: every pilot with nothing open), as an editor; pilots
    without figures or approved already are left alone, saying why. A named pilot with anything open (open_items)
    refuses the whole step, naming what is open, unless `despite_flags`: then it is approved, and the history
    records how many were open."""
    actor = require(by, "edit")
    outcome = Outcome()
    with database.write_lock, database.cursor() as cur, transaction(cur):
        blocked = open_items(cur, year)
        wanted = list(dict.fromkeys(codes)) if codes is not None else approvable(cur, year, blocked)
        reported = set(reported_pilots(cur, year))
        states = approvals.states(cur, year)

        def approved(code: str) -> bool:
            return getattr(states.get((code, year)), "state", None) == approvals.APPROVED

        flagged = [c for c in wanted if c in blocked and c in reported and not approved(c)]
        if flagged and not despite_flags:
            names = pilot_names(cur)
            said = [
                OPEN.format(p=names.get(c, Text(c, c)), n=len(blocked[c]),
                            items=blocked[c][0].then(*blocked[c][1:], zh="；", en="; "))
                for c in flagged
            ]  # fmt: skip
            raise Refused(NOT_DESPITE.then(*said, zh="\n", en="\n"))
        for code in wanted:
            if code not in reported:
                outcome.left.append((code, NO_FIGURES.format(y=year)))
            elif approved(code):
                outcome.left.append((code, ALREADY))
            else:
                despite = len(blocked[code]) if code in blocked else None
                approvals.set_state(cur, code, year, "approve", actor.name, open_flags=despite)
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


NO_EVENT = Text("{y} 年审核记录中没有第 {e} 号。", "There is no step #{e} in the {y} approval history.")
LATER = Text(
    "第 {e} 号不能撤销：其后同一试点还有第 {l} 号（{a}，{b}，{w}），请先撤销该条。",
    "Step #{e} cannot be undone: step #{l} of the same pilot-year came after it ({a}, by {b}, {w}); undo that first.",
)
NOT_YOURS = Text(
    "第 {e} 号审核由 {b} 完成：编辑只能撤销自己的审核，其他人的请管理员撤销。",
    "Step #{e} was approved by {b}: an editor undoes only their own approvals; an admin undoes others'.",
)
CHANGED = Text(
    "第 {e} 号撤销审核之后 {c} {y} 年数据已有改动，不能恢复原审核：请重新核实后审核。",
    "The {y} figures of {c} changed after the un-approval #{e}, so the approval cannot come back as it was: check "
    "them again and approve.",
)
UNRECORDED = Text(
    "第 {e} 号撤销审核时未记录当时的数据，无法确认数据未变，不能撤销：请重新审核。",
    "The figures at step #{e} were not recorded, so they cannot be shown unchanged: approve the pilot again instead.",
)
STEP_NAMES = {"approve": Text("审核通过", "approved"), "unapprove": Text("撤销审核", "un-approved"),
              "skip": Text("标记未报送", "marked as not reported")}  # fmt: skip
UNDONE = Text("已撤销第 {e} 号（{a}），记为第 {n} 号。", "Undid step #{e} ({a}), recorded as step #{n}.")


def undo(database: Database, year: int, event_id: int, reason: str, by: Actor | None) -> Text:
    """Undo one step of the year's approval history by a new step, where nothing later depends on it (a later step
    of the same pilot-year refuses it, naming that step): an approval is lifted (an editor's own, or anyone's by an
    admin), an un-approval approved again when the figures are unchanged since (admin), a "did not report" mark
    cleared (admin). What was done, as a sentence."""
    actor = require(by, "edit")
    with database.write_lock, database.cursor() as cur, transaction(cur):
        step = approvals.event(cur, event_id)
        if step is None or int(step["year"]) != year:
            raise Refused(NO_EVENT.format(e=event_id, y=year))
        code = str(step["city_code"])
        steps = approvals.pilot_events(cur, code, year)
        later = steps[steps["event_id"] > event_id]
        if not later.empty:
            last = later.iloc[0]
            when = f"{pd.Timestamp(last['done_at']):%Y-%m-%d %H:%M}"
            raise Refused(LATER.format(e=event_id, l=int(last["event_id"]), a=STEP_NAMES[last["action"]],
                                       b=last["done_by"], w=when))  # fmt: skip
        note = reason.strip() or None
        if step["action"] == "approve":
            if not actor.may("admin") and step["done_by"] != actor.name:
                raise Refused(NOT_YOURS.format(e=event_id, b=step["done_by"]))
            redo = "unapprove"
        else:
            require(actor, "admin")
            redo = "unapprove" if step["action"] == "skip" else _undo_unapproval(cur, step, steps)
        approvals.set_state(cur, code, year, redo, actor.name, note, undoes=event_id)
        new_id = int(approvals.pilot_events(cur, code, year)["event_id"].max())
    return UNDONE.format(e=event_id, a=STEP_NAMES[step["action"]], n=new_id)


def _undo_unapproval(cur: Cursor, step: dict, steps: pd.DataFrame) -> str:
    """The step that undoes an un-approval: the state it lifted set again ("skip" while the pilot still has no
    figures; "approve" while its figures are those it was un-approved with)."""
    code, year, event_id = str(step["city_code"]), int(step["year"]), int(step["event_id"])
    before = steps[steps["event_id"] < event_id]
    lifted = before.iloc[-1]["action"] if len(before) else "approve"
    if lifted == "skip":
        if code in reported_pilots(cur, year):
            raise Refused(Text("{c} ", "{c} ").format(c=code).then(HAS_FIGURES.format(y=year)))
        return "skip"
    if not isinstance(step["figures"], str):
        raise Refused(UNRECORDED.format(e=event_id))
    if json.loads(step["figures"]) != approvals.pilot_figures(cur, code, year):
        raise Refused(CHANGED.format(e=event_id, c=code, y=year))
    return "approve"
