"""The collection round for display: the tracker, the list of pilots to chase, a batch of files checked, and the
review queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from ..analysis import approval, review
from ..analysis.round_status import APPROVAL, LATE, STATUSES, RoundStatus, round_status
from ..domain import registry
from ..domain.i18n import Text
from ..domain.roles import shown_name
from ..domain.rules import number
from ..ingest.batch import Outcome
from ..ingest.report import Issue
from ..store.transactions import Cursor
from . import plotly_layout

BATCH_STATUSES = {
    "ready": Text("可导入", "ready to load"),
    "warned": Text("有提醒，见下方", "warnings: see below"),
    "unchanged": Text("无改动（数值已在库中，不导入）", "unchanged (its values are stored already; not loaded)"),
    "loaded": Text("已导入", "loaded"),
    "refused": Text("被拒绝", "refused"),
    "review": Text("已重新检查：请核对（未导入）", "checked again: review it (not loaded)"),
    "unread": Text("未读取", "not read"),
}
SHOWN_ISSUES = 3  # per file in a table cell; the file's own table lists them all


def issue_text(issue: Issue, lang: str, sheet: bool = True) -> str:
    """One issue in a line: where (the sheet too, unless `sheet` is False), then what."""
    where = []
    if issue.sheet and sheet:
        where.append(Text("工作表“{s}”", "sheet '{s}'").format(s=issue.sheet)(lang))
    if issue.row:
        where.append(Text("第 {r} 行", "row {r}").format(r=issue.row)(lang))
    if issue.column:
        where.append(f"[{issue.column}]")
    return (" ".join(where) + ": " if where else "") + issue.message(lang)


def _issues(issues: list[Issue], lang: str) -> str:
    shown = [issue_text(i, lang, sheet=False) for i in issues[:SHOWN_ISSUES]]
    if len(issues) > SHOWN_ISSUES:
        shown.append(Text("另有 {n} 项", "and {n} more").format(n=len(issues) - SHOWN_ISSUES)(lang))
    return "；".join(shown) if lang == "zh" else "; ".join(shown)


def status_label(status: str, late: bool, lang: str) -> str:
    """A pilot's status as the tracker shows it."""
    return STATUSES[status](lang) + (f"（{LATE(lang)}）" if lang == "zh" else f" ({LATE(lang)})") * bool(late)


def _pilot_columns(pilots: pd.DataFrame, lang: str) -> dict[str, object]:
    """Who each pilot is and where it stands: code, name, province, status."""
    return {
        Text("代码", "Code")(lang): pilots["city_code"],
        Text("试点", "Pilot")(lang): pilots[f"name_{lang}"],
        Text("省份", "Province")(lang): pilots[f"province_{lang}"],
        Text("状态", "Status")(lang): [
            status_label(s, late, lang) for s, late in zip(pilots["status"], pilots["late"], strict=True)
        ],
    }


def tracker_table(status: RoundStatus, lang: str) -> pd.DataFrame:
    """Every pilot of the round: status, the upload that loaded it (when, by whom), and why it was refused or what
    deserves a look."""
    p = status.pilots
    if p.empty:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            **_pilot_columns(p, lang),
            Text("上传", "Upload")(lang): ["" if pd.isna(u) else str(int(u)) for u in p["upload_id"]],
            Text("导入时间", "Loaded at")(lang): [
                "" if pd.isna(t) else pd.Timestamp(t).strftime("%Y-%m-%d %H:%M") for t in p["loaded_at"]
            ],
            Text("上传人", "By")(lang): [shown_name(n, lang) for n in p["loaded_by"]],
            Text("文件", "File")(lang): p["file_name"].fillna(""),
            Text("审核", "Approval")(lang): [
                approval_label(a, b, t, lang)
                for a, b, t in zip(p["approval"], p["approved_by"], p["approved_at"], strict=True)
            ],
            Text("说明", "Notes")(lang): [
                _issues(r or w, lang) for r, w in zip(p["reasons"], p["warnings"], strict=True)
            ],
        }
    )


def approval_label(state: str | None, by: str | None, at: object, lang: str) -> str:
    """A pilot's approval as the tracker shows it: approved (or marked as not reported), by whom and when."""
    if not isinstance(state, str):  # None, or NaN beside others' states in a column
        return ""
    when = "" if at is None or pd.isna(at) else pd.Timestamp(at).strftime("%Y-%m-%d")
    return f"{APPROVAL[state](lang)} · {shown_name(by, lang)} {when}".strip()


ACTIONS = {
    "approve": Text("审核通过", "approved"),
    "unapprove": Text("撤销审核", "un-approved"),
    "skip": Text("标记未报送", "marked as not reported"),
}


UNDOES = Text("（撤销第 {e} 号）", " (undoing #{e})")
DESPITE = Text("（仍有 {n} 项待处理）", " (despite {n} open)")


def step_label(action: str, undoes: object, open_flags: object, lang: str) -> str:
    """A step of the approval history in words: approved, approved (despite 2 open), un-approved (undoing #3)."""
    said = ACTIONS[action](lang)
    if open_flags is not None and not pd.isna(open_flags):
        said += DESPITE.format(n=int(open_flags))(lang)  # type: ignore[call-overload]
    if undoes is not None and not pd.isna(undoes):
        said += UNDOES.format(e=int(undoes))(lang)  # type: ignore[call-overload]
    return said


def approval_history(status: RoundStatus, names: dict[str, str], lang: str) -> pd.DataFrame:
    """Every approval step of the round's year, newest first: its number, when, pilot, what, who, why."""
    h = status.history
    if h.empty:
        return pd.DataFrame()
    h = h.iloc[::-1]
    return pd.DataFrame(
        {
            "#": [str(int(e)) for e in h["event_id"]],
            Text("时间", "When")(lang): [pd.Timestamp(t).strftime("%Y-%m-%d %H:%M") for t in h["done_at"]],
            Text("试点", "Pilot")(lang): [names.get(c, c) for c in h["city_code"]],
            Text("操作", "Step")(lang): [
                step_label(a, u, o, lang) for a, u, o in zip(h["action"], h["undoes"], h["open_flags"], strict=True)
            ],
            Text("操作人", "By")(lang): [shown_name(n, lang) for n in h["done_by"]],
            Text("原因", "Reason")(lang): h["reason"].fillna(""),
        }
    )


def chase_list(status: RoundStatus, lang: str) -> pd.DataFrame:
    """The pilots still to chase (not loaded): name, province, status, for a mail merge."""
    p = status.pilots
    if p.empty:
        return pd.DataFrame()
    todo = p[p["status"] != "loaded"]
    return pd.DataFrame(
        {
            **_pilot_columns(todo, lang),
            Text("原因", "Why")(lang): [_issues(r, lang) for r in todo["reasons"]],
        }
    )


@dataclass(frozen=True)
class TrackerShown:
    """A round's year for the page: where each pilot stands, the counts, the tracker's rows under each filter
    (TRACKER_FILTERS), the pilots to chase and those loaded (whom a correction may send back), by code, each as the
    page's picker lists it: 杭州市 (330100)."""

    status: RoundStatus
    counts: dict[str, int]
    tracker: dict[str, pd.DataFrame]
    chase: pd.DataFrame
    loaded: dict[str, str]
    widest: dict[str, int]  # "name", "province" -> display units of the longest (a CJK character is 2)


TRACKER_FILTERS = ("all", *STATUSES, "late", "warned")


def tracker_shown(cur: Cursor, year: int, today: dt.date, lang: str) -> TrackerShown:
    """The year's round as the tracker shows it, as of `today` (built once per data version, not on every rerun)."""
    status = round_status(cur, year, today)
    table, p = tracker_table(status, lang), status.pilots
    rows = {"all": None, "late": p["late"].to_numpy(), "warned": [bool(w) for w in p["warnings"]]} if len(p) else {}
    rows.update({s: (p["status"] == s).to_numpy() for s in STATUSES} if len(p) else {})
    loaded = p[p["status"].isin(["loaded", "returned"])] if len(p) else p
    return TrackerShown(
        status,
        status.counts,
        {f: table if rows.get(f) is None else table[rows[f]] for f in TRACKER_FILTERS},
        chase_list(status, lang),
        {c: f"{n} ({c})" for c, n in zip(loaded["city_code"], loaded[f"name_{lang}"], strict=True)}
        if len(loaded)
        else {},
        {f: plotly_layout.widest(map(str, p[f"{f}_{lang}"].tolist())) for f in ("name", "province")},
    )


def batch_table(outcomes: list[Outcome], names: dict[str, str], lang: str) -> pd.DataFrame:
    """A batch of files: each with its pilot, status, counts and problems (errors, else warnings; a file checked
    again shows its new check's)."""
    rows = []
    for o in outcomes:
        code, year = o.prepared.pilot
        counts = o.prepared.counts if o.prepared.report.ok and not o.not_read else {}
        errors = [i for i in o.prepared.report.sorted_issues() if i.level == "error"]
        warnings = [i for i in o.prepared.report.sorted_issues() if i.level == "warning"]
        problems = ([Issue(None, None, "error", o.refusal)] if o.refusal else []) + (errors or warnings)
        rows.append(
            {
                Text("文件", "File")(lang): o.prepared.file_name,
                Text("试点", "Pilot")(lang): names.get(code, code) if code else "",
                Text("年份", "Year")(lang): str(year) if year else "",
                Text("状态", "Status")(lang): BATCH_STATUSES[
                    "warned" if o.status == "ready" and o.warnings else o.status
                ](lang),
                Text("上传", "Upload")(lang): "" if o.upload_id is None else str(o.upload_id),
                Text("新增/修改/未变", "New/changed/unchanged")(lang): (
                    f"{counts['inserted']} / {counts['updated']} / {counts['unchanged']}" if counts else ""
                ),
                Text("问题", "Problems")(lang): _issues(problems, lang),
            }
        )
    return pd.DataFrame(rows)


def review_table(queue: pd.DataFrame, year: int, lang: str) -> pd.DataFrame:
    """The review queue: pilot, indicator, value, why it is flagged, the pilot's three years before, status and the
    decision's comment."""

    def shown(value: object) -> str:
        return "" if value is None or pd.isna(value) else number(round(float(value), 2))  # type: ignore[arg-type]

    if queue.empty:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            Text("试点", "Pilot")(lang): queue[f"name_{lang}"],
            Text("指标", "Indicator")(lang): [registry.get(k).label(lang) for k in queue["indicator"]],
            str(year): [shown(v) for v in queue["value"]],
            **{str(year - b): [shown(v) for v in queue[f"back_{b}"]] for b in range(1, review.BACK + 1)},
            Text("原因", "Why")(lang): [m(lang) for m in queue["message"]],
            Text("状态", "Status")(lang): [
                review.STATUSES[s](lang)
                + (Text("（数值已变，重新打开）", " (value changed: reopened)")(lang) if r else "")
                for s, r in zip(queue["status"], queue["reopened"], strict=True)
            ],
            Text("说明", "Comment")(lang): queue["comment"].fillna(""),
            Text("处理人", "By")(lang): [shown_name(n, lang) for n in queue["decided_by"]],
        }
    )


@dataclass(frozen=True)
class ReviewShown:
    """The review queue as the Collection round page shows it: counts by status, the table, and the flags to pick
    (pilot|indicator) with their labels."""

    counts: dict[str, int]
    table: pd.DataFrame
    choices: dict[str, str]


def review_shown(cur: Cursor, year: int, lang: str) -> ReviewShown:
    """The year's review queue, ready for the page (built once per data version, not on every rerun)."""
    queue = review.review(cur, year)
    counts = {str(k): int(n) for k, n in queue["status"].value_counts().items()} if len(queue) else {}
    choices = {
        f"{c}|{k}": f"{name} · {registry.get(k).label(lang)}"
        for c, k, name in zip(queue["city_code"], queue["indicator"], queue[f"name_{lang}"], strict=True)
    }
    return ReviewShown(counts, review_table(queue, year, lang), choices)


@dataclass(frozen=True)
class Step:
    """A step of the approval history that nothing later depends on (the latest of its pilot-year): what undoing
    it offers."""

    event_id: int
    action: str
    done_by: str
    label: str


@dataclass(frozen=True)
class ApprovalShown:
    """The approval section's choices: every pilot's label (with what is open about it), those to approve, those
    approved or marked (to lift), those without figures (to mark), how many items each has open, the steps that may
    be undone (newest first) and the history table."""

    labels: dict[str, str]
    to_approve: tuple[str, ...]
    settled: tuple[str, ...]
    silent: tuple[str, ...]
    history: pd.DataFrame
    open_counts: dict[str, int] = field(default_factory=dict)
    last_steps: tuple[Step, ...] = ()


OPEN_COUNT = Text("（{n} 项待处理）", " ({n} open)")


def approval_shown(cur: Cursor, year: int, today: dt.date, lang: str) -> ApprovalShown:
    """The round's approval choices, ready for the page (built once per data version, not on every rerun)."""
    status = round_status(cur, year, today)
    p = status.pilots
    names = dict(zip(p["city_code"], p[f"name_{lang}"], strict=True)) if len(p) else {}
    if p.empty:
        return ApprovalShown({}, (), (), (), pd.DataFrame())
    opened = {c: len(items) for c, items in approval.open_items(cur, year).items()}
    loaded, open_ = p["status"].isin(["loaded", "returned"]), p["approval"].isna()
    return ApprovalShown(
        {c: f"{n} ({c})" + (OPEN_COUNT.format(n=opened[c])(lang) if c in opened else "") for c, n in names.items()},
        tuple(p.loc[loaded & open_, "city_code"]),
        tuple(p.loc[~open_, "city_code"]),
        tuple(p.loc[~loaded & open_, "city_code"]),
        approval_history(status, names, lang),
        opened,
        _last_steps(status.history, names, lang),
    )


def _last_steps(history: pd.DataFrame, names: dict[str, str], lang: str) -> tuple[Step, ...]:
    """The latest step of each pilot-year, newest first, labelled: #12 · 杭州市 · 审核通过 · li 2026-03-02."""
    if history.empty:
        return ()
    last = history.drop_duplicates("city_code", keep="last").iloc[::-1]
    return tuple(
        Step(int(e), a, str(b), f"#{int(e)} · {names.get(c, c)} · {step_label(a, u, o, lang)} · {b} "
                                f"{pd.Timestamp(t):%Y-%m-%d %H:%M}")
        for e, c, a, b, t, u, o in zip(last["event_id"], last["city_code"], last["action"], last["done_by"],
                                       last["done_at"], last["undoes"], last["open_flags"], strict=True)
    )  # fmt: skip
