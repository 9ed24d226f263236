"""Releases on the Collection round page: an editor publishes the working data as a release (its name suggested,
with what to know first), every release is listed, and an admin withdraws one with a reason."""

from __future__ import annotations

import streamlit as st

from metrics.analysis.publication import cautions, suggested_name
from metrics.domain.i18n import Problem, Text
from metrics.domain.roles import Actor, person
from metrics.present.release_tables import releases_table
from metrics.store.releases import MAX_NAME, list_releases

from . import data, data_choice, show, state, writes

HEADING = Text("发布", "Releases")
ABOUT = Text(
    "发布会以名称冻结当前的全部数字、目标、城市和大事，记下发布人和时间；发布不能修改，只能由管理员撤回（撤回后仍保留）。"
    "之后的更正进入工作数据，再发布为下一版。各页侧栏的“数据版本”可选择查看任一发布，其链接永远显示同样的数字。",
    "A release freezes every figure, target, city and event as they stand now, under a name, with who published it "
    "and when; it is never changed, only withdrawn by an admin (and kept). Later corrections go into the working "
    "data and into the next release. Every page's sidebar (Data) shows any release, and a link to it always shows "
    "the same numbers.",
)
NAME = Text("发布名称", "Name of the release")
NOTE = Text("说明（可选）", "Note (optional)")
NOTE_HINT = Text("例：2025 年度报送审核完毕后发布", "e.g. published once the 2025 round was approved")
PUBLISH = Text("发布", "Publish")
PUBLISH_NEW = Text("发布新版本", "Publish a release")
PUBLISHED = Text("已发布“{name}”（{who}，{when}）。", "Published “{name}” ({who}, {when}).")
LOOK = Text("查看此发布", "See this release")
WITHDRAW = Text("撤回发布（管理员）", "Withdraw a release (admin)")
REASON = Text("撤回原因", "Why it is withdrawn")
WITHDRAW_BUTTON = Text("撤回", "Withdraw")
WITHDRAWN = Text(
    "已撤回“{name}”：其链接仍可打开，并标明已撤回。",
    "“{name}” is withdrawn: its links still open it, marked as withdrawn.",
)
_MESSAGE = "release_message"  # what the last publish or withdrawal said, shown on the next run


def section(view: state.View, who: Actor | None) -> None:
    """The releases: publish (an editor), the list, withdraw (an admin), each outcome said as a message."""
    t = view.t
    st.subheader(t(HEADING))
    st.caption(t(ABOUT))
    if who is not None and who.may("edit"):
        _publish_form(view)
    if _MESSAGE in st.session_state:
        level, message, name = st.session_state.pop(_MESSAGE)
        (st.success if level == "success" else st.error)(show.escaped(t(message)))
        if name is not None:
            st.page_link("app_pages/overview.py", label=t(LOOK), icon=":material/visibility:",
                         query_params={data_choice.KEY: name, "lang": view.lang})  # fmt: skip
    listed = data.read(view, list_releases)
    if listed:
        show.table(data.read(view, releases_table, view.lang), "releases", key="releases", wrap=True, named=False)
    if who is not None and who.may("admin") and any(not r.withdrawn for r in listed):
        _withdraw_form(view, [r.name for r in listed if not r.withdrawn])


def _publish_form(view: state.View) -> None:
    t = view.t
    opened = st.expander(t(PUBLISH_NEW), icon=":material/publish:", key="release_publish_open", on_change="rerun")
    if not opened.open:  # drawn only when opened: the round page's every rerun would draw it otherwise
        return
    if "release_name" not in st.session_state:  # the next edition's name; typed over, kept until published
        st.session_state["release_name"] = data.read(view, suggested_name, view.lang)
    with opened, st.form("release_publish", border=False):
        st.text_input(t(NAME), value=st.session_state["release_name"], key="release_name", max_chars=MAX_NAME)
        st.text_input(t(NOTE), key="release_note", placeholder=t(NOTE_HINT))
        for caution in data.read(view, cautions):
            st.warning(t(caution), icon=":material/warning:")
        st.form_submit_button(t(PUBLISH), type="primary", key="release_publish_button", on_click=_publish,
                              icon=":material/publish:")  # fmt: skip


def _publish() -> None:
    # A callback: the form's values are in the session state.
    try:
        release = writes.write(
            "edit", writes.publish_release, st.session_state["release_name"], st.session_state["release_note"]
        )
    except Problem as exc:
        st.session_state[_MESSAGE] = ("error", exc.text, None)
        return
    when = f"{release.published_at:%Y-%m-%d %H:%M}"
    st.session_state[_MESSAGE] = ("success", PUBLISHED.format(name=release.name, who=person(release.published_by),
                                                              when=when), release.name)  # fmt: skip
    del st.session_state["release_name"]  # the next release's name is suggested afresh
    st.session_state["release_note"] = ""


def _withdraw_form(view: state.View, names: list[str]) -> None:
    t = view.t
    opened = st.expander(t(WITHDRAW), icon=":material/unpublished:", key="release_withdraw_open", on_change="rerun")
    if not opened.open:
        return
    with opened, st.form("release_withdraw", border=False):
        st.selectbox(t(NAME), names, key="release_withdraw_name")
        st.text_input(t(REASON), key="release_withdraw_reason")
        st.form_submit_button(t(WITHDRAW_BUTTON), key="release_withdraw_button", on_click=_withdraw,
                              icon=":material/unpublished:")  # fmt: skip


def _withdraw() -> None:
    # A callback: an admin withdraws the chosen release, with the reason given.
    name = st.session_state["release_withdraw_name"]
    try:
        writes.write("admin", writes.withdraw_release, name, st.session_state["release_withdraw_reason"])
    except Problem as exc:
        st.session_state[_MESSAGE] = ("error", exc.text, None)
        return
    st.session_state[_MESSAGE] = ("success", WITHDRAWN.format(name=name), None)
    st.session_state["release_withdraw_reason"] = ""
