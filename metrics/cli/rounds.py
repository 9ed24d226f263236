"""Commands of the yearly collection round: `round forms` (a form per pilot, the round opened), `round status`
(the tracker, with each pilot's approval and the approval history), `round close` / `round reopen` (whether the year
is still being collected), and the review queue: `round review`, `round confirm`, `round return`; approval's
steps are in cli/approvals.py."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import pandas as pd

from ..analysis import review as queue
from ..analysis.round_status import APPROVAL, LATE, STATUSES, round_status
from ..domain import registry
from ..domain.i18n import Refused, Text
from ..domain.programme import MIN_YEAR, max_year
from ..domain.rules import number
from ..ingest.forms import close_round, open_round, reopen_round, write_forms
from ..store.database import open_database
from ..store.rounds import Round, default_due, default_round, get_round
from . import approvals
from .common import (
    EXIT_OK,
    EXIT_REFUSED,
    Parser,
    UsageError,
    actor,
    add_by,
    checked_cities,
    known,
    print_json,
    reading_database,
    write_out,
)


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register round forms, status, close and reopen."""
    what = "the yearly collection round: forms out, who has sent what"
    round_ = commands.add_parser("round", help=what, description=what)
    steps = round_.add_subparsers(dest="step", required=True, metavar="STEP", parser_class=Parser)
    forms = steps.add_parser(
        "forms",
        parents=[common],
        help="write one form (.xlsx) per pilot and open the round",
        description="open (or change) the year's collection round and write one form per pilot designated by then "
        "(or those of `--city`), `<city_code>_<year>.xlsx`; `--filled` puts each pilot's loaded figures in, to send "
        "back for corrections; the forms are in the language of `--lang`",
    )
    forms.add_argument("year", type=int)
    forms.add_argument("--out", required=True, type=Path, metavar="DIR", help="the folder to write the forms into")
    forms.add_argument("--indicator", action="extend", nargs="+", metavar="KEY",
                       help="the indicators the forms ask for (default: the round's, else all)")  # fmt: skip
    forms.add_argument("--due", type=_date, metavar="YYYY-MM-DD",
                       help="when the forms are due back (default: the round's, else 31 March next year)")  # fmt: skip
    forms.add_argument("--city", action="extend", nargs="+", metavar="CODE", help="only these pilots' forms")
    forms.add_argument("--filled", action="store_true", help="with the loaded figures in (sent back for corrections)")
    add_by(forms, "opens the round")
    forms.set_defaults(run=run_forms)
    status = steps.add_parser(
        "status",
        parents=[common],
        help="every pilot's status in a year's round",
        description='every pilot\'s status in the round: `{"year", "due", "counts": {"loaded", "refused", "missing", '
        '"late", "returned", "approved", "not_reported"}, "complete", "pilots": [{"city_code", "name_zh", "status", '
        '"late", "upload_id", "warnings", "reasons", "approval", "approved_by", "approved_at", …}], "history": '
        '[{"event_id", "city_code", "action", "by", "at", "reason", "undoes", "open_flags"}]}`; `status` is '
        "`loaded`, `refused`, `missing` or `returned` (sent back from the review queue); `approval` is `approved`, "
        "`not_reported` or null; `undoes`: the step a step undid; `open_flags`: approved despite so many",
    )
    status.add_argument("year", type=int)
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.set_defaults(run=run_status)
    for name, run, what in (
        ("close", run_close, "mark the year's round closed: its figures are no longer provisional, and pages, the "
         "index and the deck may default to the year (admin)"),
        ("reopen", run_reopen, "open a closed round again: the year is being collected once more (admin)"),
    ):  # fmt: skip
        step = steps.add_parser(name, parents=[common], help=what.split(":")[0], description=what)
        step.add_argument("year", type=int)
        add_by(step)
        step.set_defaults(run=run)
    _add_review(steps, common)
    approvals.add_steps(steps, common)


def _add_review(steps: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register round review, confirm and return."""
    what = ('the year\'s review queue: values far from the pilot\'s own years or from the other pilots (modified '
            'z-score), and broken validation rules; `--json`: `{"year", "counts", "flags": [{"city_code", "name_zh", '
            '"indicator", "reason", "rule", "value", "z", "message", "last_years", "status", "comment", '
            '"decided_by", "decided_at"}]}`, `reason` own_history, peers or rule, `status` open, confirmed or '
            "returned")  # fmt: skip
    review = steps.add_parser("review", parents=[common], help="the year's flagged values", description=what)
    review.add_argument("year", type=int)
    review.add_argument("--json", action="store_true", help="print one JSON object")
    review.set_defaults(run=run_review)
    confirm = steps.add_parser(
        "confirm",
        parents=[common],
        help="confirm a pilot's flagged value, with a comment",
        description="confirm the flags on a pilot's value of an indicator with a comment saying why it stands "
        "(it stays confirmed while the value is unchanged); exit 1 when there is no such flag",
    )
    confirm.add_argument("year", type=int)
    confirm.add_argument("--city", required=True, metavar="CODE")
    confirm.add_argument("--indicator", required=True, metavar="KEY")
    confirm.add_argument("--comment", required=True, metavar="TEXT")
    add_by(confirm)
    confirm.set_defaults(run=run_confirm)
    back = steps.add_parser(
        "return",
        parents=[common],
        help="send a pilot's figures of the year back, with a reason",
        description="send a pilot's figures of the year back with a reason: its flags not yet confirmed are marked "
        "returned (with none, its whole year is sent back) and the tracker shows it as returned until its values "
        "change; exit 1 when it has no figures for the year or they are approved",
    )
    back.add_argument("year", type=int)
    back.add_argument("--city", required=True, metavar="CODE")
    back.add_argument("--reason", required=True, metavar="TEXT")
    add_by(back)
    back.set_defaults(run=run_return)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def _checked_year(year: int) -> int:
    if not MIN_YEAR <= year <= max_year() + 1:
        raise UsageError(
            Text("年份 {y} 无效：应在 {lo} 至 {hi} 之间。", "Invalid year {y}: it must lie between {lo} and {hi}.")
            .format(y=year, lo=MIN_YEAR, hi=max_year() + 1)
        )  # fmt: skip
    return year


def run_forms(args: argparse.Namespace, lang: str) -> int:
    """round forms: open (or change) the year's round and write its forms, one per pilot designated by then."""
    year = _checked_year(args.year)
    for key in args.indicator or ():
        known(key, registry.BASE_KEYS, Text("报送指标", "reported indicator"))
    database = open_database(args.db)
    with database.write_lock:
        with database.cursor() as cur:
            opened = get_round(cur, year)
        before = opened or default_round(year)
        chosen = tuple(i.key for i in registry.BASE_INDICATORS if i.key in set(args.indicator or before.indicators))
        due = args.due if args.due is not None else before.due if opened else default_due(year)
        round_ = Round(year, chosen, due)
        with database.snapshot() as cur:
            codes = checked_cities(cur, args.city) or None
        open_round(database, round_, actor(args))
        with database.snapshot() as cur:
            forms = write_forms(cur, round_, lang, codes=codes, prefilled=args.filled)
    args.out.mkdir(parents=True, exist_ok=True)
    for form in forms:
        write_out(args.out / form.file_name, form.content)
    due = Text("，截止 {d}", ", due {d}").format(d=round_.due.isoformat()) if round_.due else Text("", "")
    wrote = Text(
        "已写出 {n} 份 {y} 年报表到 {o}（{k} 项指标{d}）。", "Wrote {n} forms for {y} into {o} ({k} indicators{d})."
    )
    print(wrote.format(n=len(forms), y=year, o=args.out, k=len(chosen), d=due)(lang))
    return EXIT_OK


def run_status(args: argparse.Namespace, lang: str) -> int:
    """round status: every pilot designated by the year, loaded, refused or missing (late after the due date)."""
    year = _checked_year(args.year)
    with reading_database(args, lang).snapshot() as cur:
        status = round_status(cur, year)
    pilots = status.pilots
    if args.json:
        print_json(
            {
                "year": year,
                "due": status.round.due.isoformat() if status.round.due else None,
                "opened": status.opened,
                "closed": status.round.closed,
                "closed_by": status.round.closed_by,
                "closed_at": status.round.closed_at.isoformat(timespec="seconds") if status.round.closed_at else None,
                "indicators": list(status.round.indicators),
                "counts": status.counts,
                "complete": status.complete,
                "pilots": [
                    {
                        "city_code": p["city_code"],
                        "name_zh": p["name_zh"],
                        "name_en": p["name_en"],
                        "province_zh": p["province_zh"],
                        "status": p["status"],
                        "late": bool(p["late"]),
                        "upload_id": None if pd.isna(p["upload_id"]) else int(p["upload_id"]),
                        "file_name": p["file_name"],
                        "warnings": [i.message(lang) for i in p["warnings"]],
                        "reasons": [i.as_dict(lang) for i in p["reasons"]],
                        "approval": p["approval"] if isinstance(p["approval"], str) else None,
                        "approved_by": p["approved_by"] if isinstance(p["approved_by"], str) else None,
                        "approved_at": _when(p["approved_at"]),
                    }
                    for p in pilots.to_dict("records")
                ],
                "history": [
                    {
                        "event_id": int(h["event_id"]),
                        "city_code": h["city_code"],
                        "action": h["action"],
                        "by": h["done_by"],
                        "at": _when(h["done_at"]),
                        "reason": None if pd.isna(h["reason"]) else h["reason"],
                        "undoes": None if pd.isna(h["undoes"]) else int(h["undoes"]),
                        "open_flags": None if pd.isna(h["open_flags"]) else int(h["open_flags"]),
                    }
                    for h in status.history.to_dict("records")
                ],
                "unattributed": [
                    {"file_name": r["file_name"], "reasons": [i.as_dict(lang) for i in r["reasons"]]}
                    for r in status.unattributed.to_dict("records")
                ],
            }
        )
        return EXIT_OK
    counts = status.counts
    summary = Text("{y} 年：已导入 {a}，被拒绝 {b}，未收到 {c}，已退回 {r}，逾期 {d}，已审核 {e}，"
                   "标记未报送 {f}（共 {n} 个试点）。",
                   "{y}: {a} loaded, {b} refused, {c} not received, {r} returned, {d} late, {e} approved, "
                   "{f} marked as not reported ({n} pilots).")  # fmt: skip
    print(summary.format(y=year, a=counts["loaded"], b=counts["refused"], c=counts["missing"], r=counts["returned"],
                         d=counts["late"], e=counts["approved"], f=counts["not_reported"],
                         n=len(pilots))(lang))  # fmt: skip
    for p in pilots.to_dict("records"):
        state = STATUSES[p["status"]](lang) + (f" ({LATE(lang)})" if p["late"] else "")
        state += f" · {APPROVAL[p['approval']](lang)}" if p["approval"] else ""
        detail = Text("上传 {i}", "upload {i}").format(i=int(p["upload_id"]))(lang) if pd.notna(p["upload_id"]) else ""
        notes = [i.message(lang) for i in p["reasons"][:2] or p["warnings"][:2]]
        print(f"{p['city_code']}  {p[f'name_{lang}']:<12}  {state:<14}  {detail:<10}  {'; '.join(notes)}")
    for r in status.unattributed.to_dict("records"):
        loose = Text("未能对应到试点的被拒文件：{f}", "A refused file naming no one pilot: {f}")
        print(loose.format(f=r["file_name"])(lang), file=sys.stderr)
    return EXIT_OK


def _when(value: object) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).isoformat(timespec="seconds")


def run_close(args: argparse.Namespace, lang: str) -> int:
    """round close: the year's figures are complete (no longer provisional); recorded with who and when."""
    year = _checked_year(args.year)
    close_round(open_database(args.db), year, actor(args))
    done = Text("已将 {y} 年报送标记为结束：{y} 年数据不再是临时数。",
                "The {y} round is marked closed: the {y} figures are no longer provisional.")  # fmt: skip
    print(done.format(y=year)(lang))
    return EXIT_OK


def run_reopen(args: argparse.Namespace, lang: str) -> int:
    """round reopen: the year is being collected again (its figures provisional)."""
    year = _checked_year(args.year)
    database = open_database(args.db)
    with database.cursor() as cur:
        if get_round(cur, year) is None:
            raise UsageError(Text("{y} 年没有报送可重新开启。", "There is no {y} round to reopen.").format(y=year))
    reopen_round(database, year, actor(args))
    done = Text("已重新开启 {y} 年报送：{y} 年数据标为报送中。",
                "The {y} round is open again: the {y} figures are marked as being collected.")  # fmt: skip
    print(done.format(y=year)(lang))
    return EXIT_OK


def run_review(args: argparse.Namespace, lang: str) -> int:
    """round review: the year's flags, open first, each with why and the pilot's last years."""
    year = _checked_year(args.year)
    with reading_database(args, lang).snapshot() as cur:
        flags = queue.review(cur, year)
    counts = {s: int((flags["status"] == s).sum()) for s in queue.STATUSES}
    if args.json:
        print_json({"year": year, "counts": counts, "flags": [_flag(f, lang) for f in flags.to_dict("records")]})
        return EXIT_OK
    summary = Text("{y} 年待核实 {a} 项，已确认 {b} 项，已退回 {c} 项。", "{y}: {a} open, {b} confirmed, {c} returned.")
    print(summary.format(y=year, a=counts["open"], b=counts["confirmed"], c=counts["returned"])(lang))
    for f in flags.to_dict("records"):
        state = queue.STATUSES[f["status"]](lang)
        value = "—" if pd.isna(f["value"]) else number(f["value"])
        print(f"{f['city_code']}  {f[f'name_{lang}']:<10}  {f['indicator']:<26} {value:>12}  {state:<10}  "
              f"{f['message'](lang)}")  # fmt: skip
    return EXIT_OK


def _flag(f: dict, lang: str) -> dict:
    """One flag as plain data (`round review --json`)."""
    return {
        "city_code": f["city_code"], "name_zh": f["name_zh"], "name_en": f["name_en"], "indicator": f["indicator"],
        "reason": f["reason"], "rule": f["rule_id"] or None, "value": _num(f["value"]), "z": _num(f["z"]),
        "message": f["message"](lang), "last_years": [_num(f[f"back_{b}"]) for b in range(1, queue.BACK + 1)],
        "status": f["status"], "reopened": bool(f["reopened"]), "comment": f["comment"],
        "decided_by": f["decided_by"],
        "decided_at": None if pd.isna(f["decided_at"]) else pd.Timestamp(f["decided_at"]).isoformat(timespec="seconds"),
    }  # fmt: skip


def _num(value: object) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 4)  # type: ignore[arg-type]


def _decide(args: argparse.Namespace, lang: str, indicators: tuple[str, ...] | None, status: str, text: str) -> int:
    year = _checked_year(args.year)
    database = open_database(args.db)
    with database.snapshot() as cur:
        (code,) = checked_cities(cur, [args.city])
    try:
        n = queue.decide(database, year, code, indicators, status, text, actor(args))
    except Refused as exc:
        print(exc.text(lang), file=sys.stderr)
        return EXIT_REFUSED
    done = (
        Text("已确认 {c} {y} 年 {n} 项。", "Confirmed {n} flags of {c} for {y}.")
        if status == "confirmed"
        else Text(
            "已退回 {c} {y} 年 {n} 项，报送状态为“已退回”。",
            "Sent back {n} flags of {c} for {y}; its status is returned.",
        )
        if n
        else Text(
            "已退回 {c} {y} 年数据（无待核实项），报送状态为“已退回”。",
            "Sent back the {y} figures of {c} (no flag open); its status is returned.",
        )
    )
    print(done.format(c=code, y=year, n=n)(lang))  # fmt: skip
    return EXIT_OK


def run_confirm(args: argparse.Namespace, lang: str) -> int:
    """round confirm: a pilot's flagged value stands, with a comment saying why."""
    known(args.indicator, registry.BASE_KEYS, Text("指标", "indicator"))
    return _decide(args, lang, (args.indicator,), "confirmed", args.comment)


def run_return(args: argparse.Namespace, lang: str) -> int:
    """round return: a pilot's figures (its flags, else the whole year) go back to it with a reason."""
    return _decide(args, lang, None, "returned", args.reason)
