"""Which data a page shows: a published release or the working data, chosen in the sidebar and kept in the URL
(`release=NAME`, or `release=working`), so that a link shows the same numbers for ever."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from metrics.domain.i18n import Text
from metrics.domain.roles import person
from metrics.store.releases import WORKING_NAME, Release

from . import show, state

KEY = "release"  # the widget's key and the URL's parameter
DATA = Text("数据版本", "Data")
WORKING_DATA = Text("工作数据", "Working data")
# Under the picker, which names only the release (a longer label is cut off in a sidebar 300 pixels wide):
PUBLISHED_BY = Text("已发布：{when}，{who}", "Published {when} by {who}")
WITHDRAWN_BY = Text("已撤回：{when}，{who}", "Withdrawn {when} by {who}")
NOT_PUBLISHED = Text(
    "未发布：当前载入的数据，随上传、撤销和审核变化",
    "Not published: the data loaded now, which changes with every upload, undo and approval",
)
DATA_HELP = Text(
    "已发布的版本冻结了发布时的全部数字，其链接永远显示同样的数字；工作数据是当前载入的数据，随上传、撤销和审核变化。",
    "A release holds every figure as it was published, so a link to it always shows the same numbers; the working "
    "data is what is loaded now, and changes with every upload, undo and approval.",
)
WORKING_ONLY = Text("本页显示工作数据（发布版本不适用）。", "This page shows the working data (releases do not apply).")
READ_ONLY = Text(
    "这里显示的是已发布的版本，它不会改变；要修改，请在侧栏“数据版本”中选择“工作数据”。",
    "This shows a published release, which never changes; to change this, choose the working data in the sidebar "
    "(Data).",
)
UNKNOWN = Text(
    "链接中的发布“{name}”不存在，现显示{shown}。",
    "The link names a release “{name}” that does not exist; showing {shown}.",
)
SHOWN_WORKING = Text("工作数据", "the working data")
SHOWN_RELEASE = Text("“{name}”", "“{name}”")
WITHDRAWN_BANNER = Text(
    "此发布已于 {when} 由 {who} 撤回，原因：{why}。其数字仍是发布时的样子，仅供查阅和核对，请勿引用。",
    "This release was withdrawn by {who} on {when} because: {why}. Its figures are as published, kept for reference; "
    "do not cite them.",
)


def data_choice(
    releases: Sequence[Release], default: Release | None, lang: str, *, working_only: bool = False, drawn: bool = True
) -> Release | None:
    """The release a page shows (None: the working data), as the sidebar's "Data" picker chose it (drawn unless
    `drawn` is False: presentation mode has no sidebar, but follows the choice). `releases` newest first; `default`
    what this person sees unless they choose (a viewer: the latest release). A page of the working data
    (`working_only`) shows it whatever was chosen, and says so. A link naming no release says so and falls back to
    the default; a withdrawn release still opens, under a banner saying who withdrew it, when and why."""

    def t(text: Text) -> str:
        return text(lang)

    if working_only:
        if releases and drawn:
            st.sidebar.caption(t(WORKING_ONLY))
        return None
    names = [r.name for r in releases]
    raw = st.query_params.get(KEY)
    unknown = None
    if raw is not None and KEY not in st.session_state:  # a link: it names the data it shows, whatever was chosen
        # earlier in this session on another page (the picker's own runs keep the URL equal to the choice)
        if raw in (WORKING_NAME, *names):
            state.choose(KEY, raw)
        else:
            unknown = raw
    release = None
    if releases:  # else nothing is published yet: the working data, and no choice in the URL (as before releases)
        chosen = state.bind_choice(KEY, default.name if default else WORKING_NAME, [*names, WORKING_NAME])
        release = next((r for r in releases if r.name == chosen), None)
    if not drawn:
        return release
    if unknown is not None:
        shown = SHOWN_RELEASE.format(name=release.name) if release else SHOWN_WORKING
        st.warning(show.escaped(t(UNKNOWN.format(name=unknown, shown=shown))), icon=":material/link_off:")
    if releases:
        offered = [r.name for r in releases if not r.withdrawn or r.name == chosen]  # a withdrawn one only if linked

        def label(name: str) -> str:
            return t(WORKING_DATA) if name == WORKING_NAME else name

        listed = [*offered, WORKING_NAME]
        st.sidebar.selectbox(t(DATA), listed, index=listed.index(chosen), format_func=label, key=KEY, help=t(DATA_HELP))
        st.sidebar.caption(show.escaped(t(_said(release))))
    if release is not None and release.withdrawn:
        when = f"{release.withdrawn_at:%Y-%m-%d}"
        banner = WITHDRAWN_BANNER.format(when=when, who=person(release.withdrawn_by), why=release.withdrawn_reason)
        st.warning(show.escaped(t(banner)), icon=":material/unpublished:")
    return release


def _said(release: Release | None) -> Text:
    """What the picker's choice is: published when and by whom (or withdrawn), or the working data."""
    if release is None:
        return NOT_PUBLISHED
    if release.withdrawn:
        return WITHDRAWN_BY.format(when=f"{release.withdrawn_at:%Y-%m-%d}", who=person(release.withdrawn_by))
    return PUBLISHED_BY.format(when=f"{release.published_at:%Y-%m-%d}", who=person(release.published_by))
