"""Collection round: a year's forms out, who has sent what (loaded, refused, not received, late), whom to chase, a
pilot's year sent back, the review list of flagged values (confirmed with a comment or sent back to the pilot),
approval (ui/round_approval.py), and releases (ui/publishing.py)."""

import datetime as dt
import functools

import streamlit as st

from metrics.analysis import review
from metrics.domain import registry
from metrics.domain.i18n import LANGS, Problem, Text
from metrics.domain.roles import shown_name
from metrics.ingest import forms
from metrics.present import exports, round_tables
from ui import auth, data, publishing, round_approval, show, state, stored, writes

HEADINGS = {"loaded": Text("已导入", "Loaded"), "refused": Text("被拒绝", "Refused"),
            "missing": Text("未收到", "Not received"), "returned": Text("已退回", "Returned"),
            "late": Text("逾期", "Late")}  # fmt: skip
FILTERS = {"all": Text("全部", "All"), **HEADINGS, "warned": Text("导入但有提醒", "Loaded, with warnings")}

v = state.view()
t, lang = v.t, v.lang
who = st.session_state.get(auth.RUN_ACTOR) or auth.actor()

st.title(t(Text("年度报送", "Collection round")))
last = data.span().last
opened_years = data.read(v, stored.round_years)
years = sorted({*opened_years, last, last + 1}, reverse=True)
picked = state.bind_index("round_year", opened_years[0] if opened_years else last + 1, years, int, name="year")
year = st.selectbox(t(Text("报送年份", "Year of the round")), years, index=picked, key="round_year")
tracker = data.read(v, round_tables.tracker_shown, year, dt.date.today(), lang)  # late: as of today
status = tracker.status
round_ = status.round

counts = tracker.counts
for column, (name, label) in zip(st.columns(len(HEADINGS)), HEADINGS.items(), strict=True):
    column.metric(t(label), f"{counts[name]} / {len(status.pilots)}" if name == "loaded" else counts[name])
due = round_.due.isoformat() if round_.due else t(Text("未设", "none set"))
if status.opened:
    opened = round_.opened_at.strftime("%Y-%m-%d") if round_.opened_at else ""
    st.caption(
        t(
            Text(
                "{y} 年报送：{k} 项指标，截止 {d}；{b} 于 {w} 开启。",
                "The {y} round: {k} indicators, due {d}; opened by {b} on {w}.",
            )
        ).format(y=year, k=len(round_.indicators), d=due, b=shown_name(round_.opened_by, lang), w=opened)
    )
else:
    st.info(
        t(
            Text(
                "{y} 年的报送尚未开启：下面按全部指标统计。开启后可设截止日期和所报指标。",
                "The {y} round has not been opened: all indicators are counted below. Open it to set the due date "
                "and the indicators asked for.",
            )
        ).format(y=year),
        icon=":material/info:",
    )


def _settings_key(name: str, year_: int) -> str:
    # A year's settings are widgets of their own: a widget keyed alike for every year would keep the year shown
    # before (Streamlit knows a keyed widget by its key alone, whatever its default), and saving would give this
    # year another year's indicators and due date.
    return f"round_{name}_{year_}"


def _save(year_: int) -> None:
    # A callback: the form's values are in the session state.
    keys = st.session_state[_settings_key("indicators", year_)]
    no_due = st.session_state[_settings_key("no_due", year_)]
    chosen = tuple(i.key for i in registry.BASE_INDICATORS if i.key in keys)
    if not chosen:
        st.session_state["round_message"] = ("error", Text("请至少选择一项指标。", "Choose at least one indicator."))
        return
    try:
        writes.write(
            "edit", forms.open_round,
            stored.Round(year_, chosen, None if no_due else st.session_state[_settings_key("due", year_)]),
        )  # fmt: skip
    except Problem as exc:
        st.session_state["round_message"] = ("error", exc.text)
    else:
        st.session_state["round_settings_saved"] = year_
        st.session_state["round_message"] = (
            "success",
            Text("已保存 {y} 年报送设置。", "The {y} round is saved.").format(y=year_),
        )


CLOSED = Text("{y} 年报送已由 {b} 于 {w} 标记为结束：{y} 年数据不再是临时数。",
              "The {y} round was marked closed by {b} on {w}: the {y} figures are no longer provisional.")  # fmt: skip
OPEN = Text(
    "{y} 年报送进行中：各页默认显示最近一个已完成的年份，{y} 年只在选择时显示并标明“报送中”。",
    "The {y} round is open: pages show the latest complete year by default, and {y} only when chosen, marked as "
    "being collected.",
)
if round_.closed:
    st.caption(t(CLOSED).format(y=year, b=shown_name(round_.closed_by, lang), w=f"{round_.closed_at:%Y-%m-%d %H:%M}"))
elif status.opened:
    st.caption(t(OPEN).format(y=year))


def _close(year_: int, closed: bool) -> None:
    # A callback: close or reopen the round, as an admin.
    try:
        writes.write("admin", forms.close_round if closed else forms.reopen_round, year_)
    except Problem as exc:
        st.session_state["round_closing"] = ("error", exc.text)
    else:
        done = Text("已标记 {y} 年报送结束。", "The {y} round is marked closed.") if closed else Text(
            "已重新开启 {y} 年报送。", "The {y} round is open again.")  # fmt: skip
        st.session_state["round_closing"] = ("success", done.format(y=year_))


if who is not None and who.may("admin") and (status.opened or round_.closed):
    if round_.closed:
        st.button(t(Text("重新开启报送", "Reopen the round")), key="round_reopen", on_click=_close, args=(year, False),
                  icon=":material/lock_open:")  # fmt: skip
    else:
        st.button(t(Text("标记报送结束", "Mark the round closed")), key="round_close", on_click=_close,
                  args=(year, True), icon=":material/lock:",
                  help=t(Text("结束后 {y} 年不再是“报送中”，各页、综合指数和演示文稿可默认显示 {y} 年。",
                              "Once closed, {y} is no longer being collected: pages, the index and the deck may "
                              "default to it.")).format(y=year))  # fmt: skip
if "round_closing" in st.session_state:
    level, message = st.session_state.pop("round_closing")
    (st.success if level == "success" else st.error)(show.escaped(message(lang)))

if who is not None and who.may("edit"):
    # Open until the round is, and for the rest of the session once saved here: folding away as the round opens
    # would move the page under the officer's pointer.
    unfolded = not status.opened or st.session_state.get("round_settings_saved") == year
    settings = st.expander(t(Text("报送设置", "Round settings")), expanded=unfolded)
    with settings, st.form("round_settings", border=False):
        st.multiselect(
            t(Text("所报指标", "Indicators asked for")),
            [i.key for i in registry.BASE_INDICATORS],
            default=list(round_.indicators),
            format_func=lambda k: registry.get(k).title(lang),
            key=_settings_key("indicators", year),
            select_all=lang == "en",  # Streamlit says "Select all" in English only
        )
        left, right = st.columns(2)
        left.date_input(
            t(Text("截止日期", "Due date")),
            value=round_.due or stored.default_due(year),
            key=_settings_key("due", year),
            format="YYYY-MM-DD",
        )
        right.write("")
        right.checkbox(
            t(Text("不设截止日期", "No due date")),
            value=status.opened and round_.due is None,
            key=_settings_key("no_due", year),
        )
        st.form_submit_button(
            t(
                Text(
                    "开启报送" if not status.opened else "保存设置",
                    "Open the round" if not status.opened else "Save",
                )
            ),
            type="primary",
            key="round_save",
            on_click=_save,
            args=(year,),
        )
    # Outside the settings, so that what saving did and the forms stay in view whether they are open or not.
    if "round_message" in st.session_state:
        level, message = st.session_state.pop("round_message")
        (st.success if level == "success" else st.error)(show.escaped(message(lang)))
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    form_lang = left.radio(
        t(Text("报表语言", "Language of the forms")),
        LANGS,
        horizontal=True,
        format_func=lambda code: "中文" if code == "zh" else "English",
        key="round_form_lang",
    )
    right.download_button(
        t(
            Text(
                "下载全部 {n} 份报表（zip，每个试点一份 Excel）",
                "Download all {n} forms (a zip, one workbook per pilot)",
            )
        ).format(n=len(status.pilots)),
        functools.partial(data.make, v, forms.round_zip, round_, form_lang),
        file_name=f"pilot-forms-{year}-{form_lang}.zip",
        mime="application/zip",
        key="round_forms_zip",
        on_click="ignore",
        icon=":material/folder_zip:",
    )
    st.caption(
        t(
            Text(
                "报表中城市代码、名称和年份已锁定；数值单元格只接受不小于 0 的数（数量为整数）；"
                "上年数值列仅供参考，不会导入。填好的报表可在“数据上传”页一次全部上传（可打包为 zip）。",
                "Each form has the pilot's code, name and year locked; its value cells accept only numbers "
                "of 0 or more (whole numbers for counts); last year's columns are for reference and are "
                "never read. Drop the filled-in forms on the Upload page all at once (or as one zip).",
            )
        )
    )

st.subheader(t(Text("各试点报送状态", "Where each pilot stands")))
chosen = (
    st.segmented_control(
        t(Text("显示", "Show")),
        list(FILTERS),
        default=state.bind_choice("round_filter", "all", tuple(FILTERS), name="show"),
        format_func=lambda k: t(FILTERS[k]),
        key="round_filter",
        label_visibility="collapsed",
    )
    or "all"
)
table = tracker.tracker[chosen]
show.table(
    table,
    f"round-{year}-{chosen}",
    key="round_tracker",
    height=min(600, 38 + 35 * max(len(table), 1)),
    column_config={
        t(Text("说明", "Notes")): st.column_config.TextColumn(width="large"),
        # every pilot's name and province whole (park names are the longest), wherever it is in the list
        **{
            c: st.column_config.TextColumn(width=show.fitted_width(tracker.widest[field], c))
            for c, field in ((t(Text("试点", "Pilot")), "name"), (t(Text("省份", "Province")), "province"))
        },
    },
)

chase = tracker.chase
st.markdown(
    t(
        Text(
            "**待催报名单**：{n} 个试点尚未导入（名称、省份、状态），可用于邮件合并。",
            "**Still to chase**: {n} pilots not loaded yet (name, province, status), for a mail merge.",
        )
    ).format(n=len(chase))
)
show.download_menu(chase, f"round-{year}-to-chase", key="round_chase")

if not status.unattributed.empty:
    with st.expander(
        t(Text("未能对应到单个试点的被拒文件（{n}）", "Refused files naming no one pilot ({n})")).format(
            n=len(status.unattributed)
        )
    ):
        for r in status.unattributed.to_dict("records"):
            checked = f"{r['checked_at']:%Y-%m-%d %H:%M} · {shown_name(r['checked_by'], lang)}"
            st.markdown(f"**{show.escaped(r['file_name'])}** · {show.escaped(checked)}")
            st.caption(show.escaped("; ".join(round_tables.issue_text(i, lang) for i in r["reasons"][:5])))


def _send_back(year_: int, code_: str) -> None:
    # A callback: send a pilot's year back with the reason given (its open flags, else the whole year).
    try:
        n = writes.write("edit", review.decide, year_, code_, None, "returned", st.session_state["round_return_reason"])
    except Problem as exc:
        st.session_state["round_returned"] = ("error", exc.text)
        return
    said = (
        Text("已退回 {n} 项待核实项：", "{n} open flags sent back: ").format(n=n)
        if n
        else Text("已退回：", "Sent back: ")
    )
    st.session_state["round_returned"] = (
        "success",
        said.then(Text("该试点在报送状态中显示为“已退回”。", "the pilot shows as returned in the tracker.")),
    )
    st.session_state["round_return_reason"] = ""


if who is not None and who.may("edit"):
    names = tracker.loaded
    if names:
        st.subheader(t(Text("退回更正", "Send back for corrections")))
        left, right = st.columns([2, 1])
        code = left.selectbox(
            t(Text("试点", "Pilot")),
            list(names),
            format_func=names.__getitem__,  # labels made once per data version, not one string per pilot per run
            key="round_correction_pilot",
        )

        right.write("")
        right.download_button(
            t(Text("下载已填数值的报表", "Download its form, filled in")),
            functools.partial(data.make, v, forms.prefilled_form, round_, lang, code),
            file_name=forms.form_name(code, year),
            mime=exports.MIME["xlsx"],
            key="round_prefilled",
            on_click="ignore",
            icon=":material/edit_document:",
        )
        st.caption(
            t(
                Text(
                    "报表中填好该试点已导入的 {y} 年数值，改正后交回，在“数据上传”页上传即可"
                    "（只改动变了的单元格，可撤销）。",
                    "The form holds the pilot's loaded figures for {y}; once corrected and returned, upload it on "
                    "the Upload page (only the cells that changed are written, and it can be undone).",
                )
            ).format(y=year)
        )
        left, right = st.columns([2, 1])
        left.text_input(
            t(Text("退回原因（试点状态显示为“已退回”）", "Why it goes back (the pilot shows as returned)")),
            key="round_return_reason",
            placeholder=t(Text("例：专家库人数与上年差异较大，请核实", "e.g. the talent pool is far from last year's")),
        )
        right.write("")
        right.button(t(Text("退回该试点", "Send it back")), key="round_return", on_click=_send_back, args=(year, code),
                     icon=":material/undo:")  # fmt: skip
        if "round_returned" in st.session_state:
            level, message = st.session_state.pop("round_returned")
            (st.success if level == "success" else st.error)(show.escaped(message(lang)))


def _decide(year_: int, status: str) -> None:
    # A callback: confirm or send back the chosen flags, pilot by pilot, with the comment given.
    picked = st.session_state.get("review_pick") or []
    comment = st.session_state.get("review_comment", "")
    by_pilot: dict[str, list[str]] = {}
    for choice in picked:
        code, key = choice.split("|")
        by_pilot.setdefault(code, []).append(key)
    if not by_pilot:
        st.session_state["review_message"] = ("error", Text("请先选择要处理的项。", "Choose the flags first."))
        return
    try:
        n = sum(writes.write("edit", review.decide, year_, code, tuple(keys), status, comment)
                for code, keys in by_pilot.items())  # fmt: skip
    except Problem as exc:
        st.session_state["review_message"] = ("error", exc.text)
        return
    done = Text("已确认 {n} 项。", "{n} flags confirmed.") if status == "confirmed" else Text(
        "已退回 {n} 项：相关试点状态为“已退回”。", "{n} flags sent back: their pilots show as returned.")  # fmt: skip
    st.session_state["review_message"] = ("success", done.format(n=n))
    st.session_state["review_pick"] = []


CHOOSE = round_approval.CHOOSE
st.subheader(t(Text("核实清单", "Review list")))
shown_review = data.read(v, round_tables.review_shown, year, lang)
REVIEW_NOTE = Text(
    "与本试点前几年或本年其他试点相比明显偏离的数值（修正 z 分数，流量按对数），以及未通过的校验规则。"
    "待核实 {a} 项，已确认 {b} 项，已退回 {c} 项。",
    "Values far from the pilot's own years before or from the other pilots that year (modified z-score, flows on a "
    "log scale), and broken validation rules. {a} open, {b} confirmed, {c} returned.",
)
decided = shown_review.counts
st.caption(t(REVIEW_NOTE).format(a=decided.get("open", 0), b=decided.get("confirmed", 0), c=decided.get("returned", 0)))
if shown_review.choices:
    show.table(
        shown_review.table,
        f"round-{year}-review",
        key="round_review",
        height=min(600, 38 + 35 * len(shown_review.table)),
        column_config={t(Text("原因", "Why")): st.column_config.TextColumn(width="large")},
    )
if who is not None and who.may("edit") and shown_review.choices:
    st.multiselect(
        t(Text("选择要处理的项", "Flags to decide")),
        list(shown_review.choices),
        format_func=shown_review.choices.__getitem__,
        key="review_pick",
        placeholder=t(CHOOSE),
    )
    st.text_input(
        t(Text("说明（确认依据或退回原因）", "Comment (what confirms it, or why it goes back)")),
        placeholder=t(Text("例：市科协电话确认：含两场大型对接会", "e.g. confirmed by phone: two large fairs")),
        key="review_comment",
    )
    left, right = st.columns(2)
    left.button(t(Text("确认", "Confirm")), key="review_confirm", on_click=_decide, args=(year, "confirmed"),
                icon=":material/check:")  # fmt: skip
    right.button(t(Text("退回试点", "Send back to the pilot")), key="review_return", on_click=_decide,
                 args=(year, "returned"), icon=":material/undo:")  # fmt: skip
if "review_message" in st.session_state:
    level, message = st.session_state.pop("review_message")
    (st.success if level == "success" else st.error)(show.escaped(message(lang)))


round_approval.approval_section(v, year, status, who)

publishing.section(v, who)
