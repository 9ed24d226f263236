"""What changed: every figure revised, and every pilot-year new or gone, between two releases or since a release in
the working data (ALFRED's "new or revised"), with what it did to the programme's totals; `from=` and `to=` in the
URL reproduce it."""

import dataclasses

import streamlit as st

from metrics.analysis import changes
from metrics.domain.i18n import Text
from metrics.present import change_tables
from ui import data, show, state, stored

WORKING = ""  # the "To" of the working data (a release's name is never empty)
WORKING_URL = "working"  # how the URL says it (`to=working`), unless a release has that name

v = state.view()
t, lang = v.t, v.lang
working_view = dataclasses.replace(v, release=None)  # both sides are chosen here, whatever the sidebar shows

st.title(t(Text("有何变化", "What changed")))
st.caption(t(Text(
    "两个发布之间（或某个发布以来的工作数据中）修订、新增和删除的每个数字：谁在何时通过哪次上传改的、审核意见，以及对项目合计的影响。",
    "Every figure revised, added or removed between two releases, or in the working data since a release: which "
    "upload changed it, who and when, the review's comment, and what it did to the programme's totals.",
)))  # fmt: skip

listed = data.read(working_view, stored.list_releases)  # newest first
if not listed:
    show.end_page(t(Text(
        "还没有发布。在“年度报送”页发布一版数据后，这里会列出之后修订的每个数字。",
        "Nothing has been published yet. Once a release is published (on the Collection round page), every figure "
        "revised after it is listed here.",
    )))  # fmt: skip
by_name = {r.name: r for r in listed}
names = list(by_name)
newest = data.read(working_view, stored.latest_release) or listed[0]
default_from, default_to = newest.name, WORKING
if len(listed) > 1 and data.read(working_view, changes.between, newest.release_id).empty:
    # Nothing changed since the latest release: its changes from the one before are what there is to see.
    default_from, default_to = listed[1].name, newest.name


labels = data.read(working_view, change_tables.side_labels, lang)  # "" (WORKING): the working data's
left, right = st.columns(2)
picked = state.bind_index("changes_from", default_from, names, name="from")
from_name = left.selectbox(t(Text("从", "From")), names, index=picked, format_func=labels.__getitem__,
                           key="changes_from")  # fmt: skip
to_options = [WORKING, *names]
bound_to = state.bind("changes_to", default_to, lambda raw: WORKING if raw == WORKING_URL and raw not in by_name
                      else raw, lambda name: name or WORKING_URL, name="to")  # fmt: skip
if bound_to not in to_options:  # a release no longer there, or a hand-edited link
    st.session_state["changes_to"] = bound_to = default_to
to_name = right.selectbox(t(Text("到", "To")), to_options, index=to_options.index(bound_to),
                          format_func=labels.__getitem__, key="changes_to")  # fmt: skip

old = by_name[from_name]
new = None if to_name == WORKING else by_name[to_name]
if new is not None and new.release_id == old.release_id:
    show.end_page(t(Text("请选择两个不同的数据版本。", "Choose two different states of the data.")))
shown = data.read(working_view, change_tables.tables, old.release_id, None if new is None else new.release_id, lang)
st.caption(" · ".join(show.escaped(change_tables.published(r, lang)) for r in (old, new) if r is not None))
for release in (old, new):
    if release is not None and release.withdrawn:
        st.warning(t(Text("“{n}”已于 {d} 撤回：{r}", "“{n}” was withdrawn on {d}: {r}").format(
            n=release.name, d=f"{release.withdrawn_at:%Y-%m-%d}", r=release.withdrawn_reason or "")),
            icon=":material/block:")  # fmt: skip

if not any(shown.counts.values()):
    st.success(shown.summary, icon=":material/check_circle:")
    raise show.EndOfPage
st.markdown(f"**{show.escaped(shown.summary)}**")
stem = change_tables.file_stem(old, new, lang)
numbers = {c(lang): st.column_config.NumberColumn(format="localized")  # 1,990 as the reader writes it
           for c in (change_tables.BEFORE, change_tables.AFTER, change_tables.DIFFERENCE)}  # fmt: skip

if not shown.totals.empty:
    st.subheader(t(Text("项目合计的变化", "Programme totals moved")))
    show.table(shown.totals, f"totals_{stem}", key="changes_totals", column_config=numbers)

st.subheader(t(Text("修订的数字（{n}）", "Figures revised ({n})").format(n=shown.counts["revised"])))
if shown.revised.empty:
    st.caption(t(Text("没有修订的数字。", "No figure was revised.")))
else:
    # Drawn whole, its cells wrapped: eleven columns are wider than the page beside the sidebar at 1280.
    show.table(shown.revised, f"revised_{stem}", key="changes_revised", column_config=numbers, wrap=True)

st.subheader(t(Text("新增的试点年度（{n}）", "New pilot-years ({n})").format(n=shown.counts["pilot_years_added"])))
if shown.added.empty:
    st.caption(t(Text("没有新增的试点年度。", "No new pilot-year.")))
else:
    show.table(shown.added, f"new_{stem}", key="changes_added")

if not shown.removed.empty:
    st.subheader(t(Text("删除的数字（{n}）", "Figures removed ({n})").format(n=shown.counts["removed"])))
    gone = Text("这些试点年度在“到”一侧已没有任何数字（通常是撤销了上传）。",
                "These pilot-years have no figure at all on the “To” side (usually an upload undone).")  # fmt: skip
    st.caption(t(gone))
    show.table(shown.removed, f"removed_{stem}", key="changes_removed", column_config=numbers, wrap=True)

for frame, title, key in (
    (shown.targets, Text("目标的变化（{n}）", "Targets changed ({n})"), "targets"),
    (shown.cities, Text("试点名单的变化（{n}）", "Pilots changed ({n})"), "cities"),
    (shown.events, Text("项目大事的变化（{n}）", "Programme events changed ({n})"), "events"),
):
    if not frame.empty:
        with st.expander(t(title.format(n=len(frame)))):
            shown_as = numbers if key == "targets" else None  # the pilots' fields are text
            show.table(frame, f"{key}_{stem}", key=f"changes_{key}", column_config=shown_as)
