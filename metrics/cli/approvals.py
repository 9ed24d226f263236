"""Commands of approval per pilot and year: `round approve` (refused for pilots with open flags unless
`--despite-flags`), `round unapprove` (admin, with a reason), `round skip` (an admin marks a pilot as not having
reported) and `round undo-approval` (a step of the history undone by a new one)."""

from __future__ import annotations

import argparse
import sys

from ..analysis import approval
from ..domain.i18n import Problem, Text
from ..store.database import open_database
from .common import EXIT_OK, EXIT_REFUSED, UsageError, actor, add_by, checked_cities


def add_steps(steps: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register round approve, unapprove and skip under `round`."""
    what = ("approve pilots' figures of a year (an editor): approved figures are locked, every upload, undo and "
            "restore that would change them is refused until an admin un-approves; `--all-clear` approves every "
            "pilot with figures and nothing open (every flag of `round review` confirmed); a pilot of `--city` with "
            "open flags (or its year sent back) refuses the step, naming them (exit 1, nothing approved), unless "
            "`--despite-flags`, which the history records")  # fmt: skip
    approve = steps.add_parser("approve", parents=[common], help="approve pilots' figures of a year",
                               description=what)  # fmt: skip
    approve.add_argument("year", type=int)
    chosen = approve.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--city", action="extend", nargs="+", metavar="CODE", help="the pilots to approve")
    chosen.add_argument("--all-clear", action="store_true", help="every pilot with figures and nothing open")
    despite = "approve the pilots of --city even with open flags (recorded in the history)"
    approve.add_argument("--despite-flags", action="store_true", help=despite)
    add_by(approve, "approves")
    approve.set_defaults(run=run_approve)
    unapprove = steps.add_parser(
        "unapprove",
        parents=[common],
        help="lift pilots' approval of a year (admin)",
        description="lift the approval (or the 'did not report' mark) of pilots' figures of a year, with a reason "
        "kept in the history; their figures may then change again (admin)",
    )
    unapprove.add_argument("year", type=int)
    unapprove.add_argument("--city", action="extend", nargs="+", metavar="CODE", required=True)
    unapprove.add_argument("--reason", required=True, metavar="TEXT", help="why (kept in the history)")
    add_by(unapprove)
    unapprove.set_defaults(run=run_unapprove)
    skip = steps.add_parser(
        "skip",
        parents=[common],
        help="mark pilots as not having reported for a year (admin)",
        description="mark pilots without figures as not having reported for a year: the round is complete once "
        "every designated pilot is approved or so marked (admin)",
    )
    skip.add_argument("year", type=int)
    skip.add_argument("--city", action="extend", nargs="+", metavar="CODE", required=True)
    add_by(skip)
    skip.set_defaults(run=run_skip)
    undo = steps.add_parser(
        "undo-approval",
        parents=[common],
        help="undo a step of the approval history",
        description="undo one step of the year's approval history (its number: `round status YEAR --json`'s "
        "`history[].event_id`) by a new step, where no later step of the same pilot-year depends on it: an "
        "approval is lifted (an editor undoes their own, an admin anyone's), an un-approval approved again when the "
        "figures are unchanged since (admin), a 'did not report' mark cleared (admin); exit 1 when refused",
    )
    undo.add_argument("year", type=int)
    undo.add_argument("--event", required=True, type=int, metavar="ID", help="the step to undo")
    undo.add_argument("--reason", default="", metavar="TEXT", help="why (kept in the history)")
    add_by(undo)
    undo.set_defaults(run=run_undo)


DONE = {
    "approve": Text("已审核通过 {y} 年 {n} 个试点：{c}", "Approved {n} pilots' {y} figures: {c}"),
    "unapprove": Text("已撤销 {y} 年 {n} 个试点的审核：{c}", "Lifted the {y} approval of {n} pilots: {c}"),
    "skip": Text("已将 {y} 年 {n} 个试点标记为未报送：{c}", "Marked {n} pilots as not reported for {y}: {c}"),
}
LEFT = Text("{c}：{w}，未改动。", "{c}: {w}; left alone.")
NOTHING = Text("没有任何改动。", "Nothing was changed.")


def _run(args: argparse.Namespace, lang: str, step: str) -> int:
    database = open_database(args.db)
    codes = None
    if args.city:
        with database.snapshot() as cur:
            codes = checked_cities(cur, args.city)
    try:
        if step == "approve":
            outcome = approval.approve(database, args.year, codes, actor(args), despite_flags=args.despite_flags)
        elif step == "unapprove":
            outcome = approval.unapprove(database, args.year, codes or (), args.reason, actor(args))
        else:
            outcome = approval.mark_not_reported(database, args.year, codes or (), actor(args))
    except Problem as exc:
        if isinstance(exc, UsageError):
            raise
        print(exc.text(lang), file=sys.stderr)
        return EXIT_REFUSED
    for code, why in outcome.left:
        print(LEFT.format(c=code, w=why)(lang), file=sys.stderr)
    if not outcome.done:
        print(NOTHING(lang), file=sys.stderr)
        return EXIT_REFUSED
    print(DONE[step].format(y=args.year, n=len(outcome.done), c=", ".join(outcome.done))(lang))
    return EXIT_OK


def run_approve(args: argparse.Namespace, lang: str) -> int:
    """round approve: approve the named pilots' figures of the year, or every one with nothing open."""
    return _run(args, lang, "approve")


def run_unapprove(args: argparse.Namespace, lang: str) -> int:
    """round unapprove: lift the named pilots' approval of the year, with a reason (admin)."""
    if not args.reason.strip():
        raise UsageError(Text("--reason 不能为空。", "--reason must not be empty."))
    return _run(args, lang, "unapprove")


def run_skip(args: argparse.Namespace, lang: str) -> int:
    """round skip: mark the named pilots as not having reported for the year (admin)."""
    return _run(args, lang, "skip")


def run_undo(args: argparse.Namespace, lang: str) -> int:
    """round undo-approval: undo a step of the year's approval history by a new step."""
    try:
        done = approval.undo(open_database(args.db), args.year, args.event, args.reason, actor(args))
    except Problem as exc:
        if isinstance(exc, UsageError):
            raise
        print(exc.text(lang), file=sys.stderr)
        return EXIT_REFUSED
    print(done(lang))
    return EXIT_OK
