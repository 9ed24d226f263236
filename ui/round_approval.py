"""The Collection round page's approval section: an editor approves pilots' figures (those with anything open only
when explicitly chosen, which the history records), an admin lifts an approval with a reason and marks pilots that
did not report, and a step of the history is undone where nothing later depends on it (an editor their own
approval, an admin any step)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from metrics.analysis import approval
from metrics.analysis.round_status import RoundStatus
from metrics.domain.i18n import Problem, Text
from metrics.domain.roles import Actor
from metrics.present import round_tables

from . import data, show, writes
from .state import View

CHOOSE = Text("请选择", "Choose")  # Streamlit's own placeholder is English only
APPROVED_COUNT = Text(
    "已审核 {a} / {n} 个试点，标记未报送 {s} 个。{c}", "{a} of {n} pilots approved, {s} marked as not reported. {c}"
)
COMPLETE = Text("报送已完整：该年份不再是“报送中”。", "The round is complete: the year is no longer being collected.")
DESPITE = Text(
    "有待处理项的试点也审核通过（记入审核记录）", "Approve pilots with open flags too (the history records it)"
)
DESPITE_HELP = Text(
    "默认只审核核实清单中没有待处理项的试点；选中的试点有待处理项时不做任何审核并列出这些项。",
    "By default only pilots with nothing open in the review list are approved; when a pilot chosen has open flags, "
    "nothing is approved and the flags are named.",
)


def approval_section(v: View, year: int, status: RoundStatus, who: Actor | None) -> None:
    """Draw the approval section of a round's year: counts, approving, lifting, marking, the history and undoing."""
    t, lang = v.t, v.lang
    st.subheader(t(Text("审核", "Approval")))
    counts = status.counts
    st.caption(
        t(APPROVED_COUNT).format(a=counts["approved"], n=len(status.pilots), s=counts["not_reported"],
                c=t(COMPLETE) if status.complete else "")
    )  # fmt: skip
    shown = data.read(v, round_tables.approval_shown, year, dt.date.today(), lang)
    if who is not None and who.may("edit"):
        _approving(v, year, shown)
    if who is not None and who.may("admin"):
        _lifting(v, year, shown)
    _said("round_approval", lang)
    if not shown.history.empty:
        with st.expander(t(Text("审核记录（{n}）", "Approval history ({n})")).format(n=len(shown.history))):
            show.table(shown.history, f"round-{year}-approvals", key="round_approval_history")
            if who is not None and who.may("edit"):
                _undoing(v, year, shown, who)
            _said("round_undo", lang)


def _step(year: int, labels: dict[str, str], lang: str, ability: str, change, *args, **options) -> None:
    # A callback: one approval step, its outcome kept for the next run.
    try:
        outcome = writes.write(ability, change, year, *args, **options)
    except Problem as exc:
        st.session_state["round_approval"] = ("error", exc.text)
        return
    left = "; ".join(f"{labels.get(c, c)}: {why(lang)}" for c, why in outcome.left)
    done = Text("已处理 {n} 个试点。", "{n} pilots done.").format(n=len(outcome.done))
    st.session_state["round_approval"] = (
        "success" if outcome.done else "error",
        done.then(Text(left, left), zh=" ", en=" "),
    )


def _approving(v: View, year: int, shown: round_tables.ApprovalShown) -> None:
    t = v.t
    clear = data.read(v, approval.approvable, year)
    chosen = st.multiselect(
        t(Text("选择要审核通过的试点", "Pilots to approve")),
        shown.to_approve,
        format_func=shown.labels.__getitem__,
        key="round_approve_pilots",
        placeholder=t(CHOOSE),
    )
    despite = st.checkbox(t(DESPITE), key="round_approve_despite", help=t(DESPITE_HELP))
    left, right = st.columns(2)
    left.button(
        t(Text("审核通过所选试点", "Approve the selected pilots")),
        key="round_approve",
        on_click=_step,
        args=(year, shown.labels, v.lang, "edit", approval.approve, tuple(chosen)),
        kwargs={"despite_flags": despite},
        disabled=not chosen,
        icon=":material/verified:",
    )
    right.button(
        t(Text("审核通过无待处理问题的 {n} 个试点", "Approve the {n} with nothing open")).format(n=len(clear)),
        key="round_approve_clear",
        on_click=_step,
        args=(year, shown.labels, v.lang, "edit", approval.approve, tuple(clear)),
        disabled=not clear,
        help=t(
            Text(
                "核实清单中有未确认项的试点不在其中。", "Pilots with unconfirmed flags in the review list are left out."
            )
        ),
    )


def _lifting(v: View, year: int, shown: round_tables.ApprovalShown) -> None:
    t = v.t
    lift = st.multiselect(
        t(Text("撤销审核（管理员）", "Lift approval (admin)")),
        shown.settled,
        format_func=shown.labels.__getitem__,
        key="round_unapprove_pilots",
        placeholder=t(CHOOSE),
    )
    reason = st.text_input(t(Text("撤销原因", "Reason")), key="round_unapprove_reason")
    st.button(
        t(Text("撤销审核", "Un-approve")),
        key="round_unapprove",
        on_click=_step,
        args=(year, shown.labels, v.lang, "admin", approval.unapprove, tuple(lift), reason),
        disabled=not (lift and reason.strip()),
    )
    skip = st.multiselect(
        t(Text("标记为未报送（管理员）", "Mark as not reported (admin)")),
        shown.silent,
        format_func=shown.labels.__getitem__,
        key="round_skip_pilots",
        placeholder=t(CHOOSE),
    )
    st.button(
        t(Text("标记未报送", "Mark as not reported")),
        key="round_skip",
        on_click=_step,
        args=(year, shown.labels, v.lang, "admin", approval.mark_not_reported, tuple(skip)),
        disabled=not skip,
    )


def _undo(year: int) -> None:
    # A callback: undo the chosen step of the history, with the reason given.
    event_id = st.session_state.get("round_undo_step")
    if event_id is None:
        return
    try:
        done = writes.write("edit", approval.undo, year, int(event_id), st.session_state.get("round_undo_reason", ""))
    except Problem as exc:
        st.session_state["round_undo"] = ("error", exc.text)
    else:
        st.session_state["round_undo"] = ("success", done)
        st.session_state["round_undo_reason"] = ""


def _undoing(v: View, year: int, shown: round_tables.ApprovalShown, who: Actor) -> None:
    """Undo a step: the latest of each pilot-year, an editor's own approvals, or any step for an admin."""
    t = v.t
    mine = {s.event_id: s.label for s in shown.last_steps
            if who.may("admin") or (s.action == "approve" and s.done_by == who.name)}  # fmt: skip
    if not mine:
        return
    st.selectbox(
        t(Text("撤销一步（其后同一试点没有其他操作）", "Undo a step (nothing later for the same pilot)")),
        list(mine),
        format_func=mine.__getitem__,
        index=None,
        key="round_undo_step",
        placeholder=t(CHOOSE),
    )
    st.text_input(t(Text("原因（可不填）", "Reason (optional)")), key="round_undo_reason")
    st.button(
        t(Text("撤销这一步", "Undo this step")),
        key="round_undo_button",
        on_click=_undo,
        args=(year,),
        icon=":material/undo:",
        help=t(
            Text(
                "撤销记为新的一步：审核通过 → 撤销审核；撤销审核 → 恢复审核（数据未变时）；标记未报送 → 清除标记。",
                "Undoing is recorded as a new step: an approval is lifted; an un-approval approved again (when the "
                "figures are unchanged); a 'did not report' mark cleared.",
            )
        ),
    )


def _said(key: str, lang: str) -> None:
    """The outcome a callback kept under `key`, once."""
    if key in st.session_state:
        level, message = st.session_state.pop(key)
        (st.success if level == "success" else st.error)(show.escaped(message(lang)))
