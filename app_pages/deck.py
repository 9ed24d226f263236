"""Deck: the charts added from every page, in order; reorder them, download the PowerPoint file, or present. An editor
saves the deck on the server under a name, pinned to a release; anyone opens, presents or downloads a saved deck."""

import functools
import re
from datetime import date

import streamlit as st

from metrics.domain.i18n import Problem, Text
from metrics.domain.roles import person
from metrics.domain.years import YearRange
from metrics.present import deck, thumbnails
from metrics.present.deck_link import specs_text
from metrics.present.kinds import kind_of
from ui import auth, data, show, slides, state, stored, writes

v = state.view()
t, lang = v.t, v.lang
who = st.session_state.get(auth.RUN_ACTOR) or auth.actor()
STANDARD = Text(
    "标准演示文稿包括试点数量、四项主要指标、领先城市对比、分布图、综合指数和目标完成率。",
    "The standard deck: pilots, the four core indicators, the leading cities, the map, the composite index and the "
    "targets achieved.",
)
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PINNED = Text("固定于发布“{name}”", "Pinned to the release “{name}”")
LATEST = Text("始终用最新发布（现为“{name}”）", "Always the latest release (now “{name}”)")
LATEST_NONE = Text(
    "始终用最新发布（现无可用发布，显示工作数据）", "Always the latest release (none in force: the working data)"
)
SAVED_BY = Text("{n} 张图表 · {who} 于 {when} 保存", "{n} charts · saved by {who}, {when}")
OPENED = Text("已打开保存的演示稿 **{name}**", "Saved deck **{name}** open")
CHANGED = Text(
    "已改动：图表与保存时不同（可另存为新的演示稿）。",
    "Changed: the charts differ from the saved deck's (save them as a new deck).",
)
CLOSE_HELP = Text("图表保留，改按侧栏所选数据显示。", "The charts stay, shown over the sidebar's data.")
PIN_WITHDRAWN = Text(
    "此演示稿固定的发布“{name}”已于 {when} 撤回（{why}）：仍按该发布显示，并标明已撤回。",
    "The release “{name}” this deck is pinned to was withdrawn on {when} ({why}): the deck still shows it, marked "
    "withdrawn.",
)
DOWNLOAD_HELP = Text("下载 PowerPoint 文件（页面语言）", "Download the PowerPoint file (in the page's language)")
DELETE_NOTE = Text("删除后无法恢复；发布中的数据不受影响。", "Deleting cannot be undone; the release's figures stay.")
NO_RELEASE = Text(
    "还没有可用的发布：保存的演示稿须固定于一个发布。请先在“年度报送”页发布数据。",
    "There is no release in force: a saved deck is pinned to a release. Publish the data first (the Collection "
    "round page).",
)
SAVED_FOR_ALL = Text(
    "保存后，任何能查看仪表盘的人都可打开、放映或下载。",
    "Once saved, anyone who may see the dashboard can open, present or download it.",
)
NAME_EXAMPLE = Text("例如：2025年度工作汇报（3月）", "e.g. Annual review, March 2026")
PIN_ONE = Text(
    "要固定于某一发布，请先在侧栏选择显示该发布。", "To pin the deck to one release, show that release first (sidebar)."
)
NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\s]+')


def pin_label(pinned_to_latest: bool, release) -> Text:
    """How a saved deck's data is said: its release (marked if withdrawn), or the latest and which that is now."""
    if pinned_to_latest:
        return LATEST_NONE if release is None else LATEST.format(name=release.name)
    label = PINNED.format(name=release.name)
    return label.then(Text("（已撤回）", " (withdrawn)")) if release.withdrawn else label


def saved_line(kept, release, charts: int) -> str:
    """A saved deck's data, size, saver and time, in a line."""
    when = f"{kept.saved_at:%Y-%m-%d %H:%M}"
    return (
        f"{t(pin_label(kept.latest, release))} · {t(SAVED_BY.format(n=charts, who=person(kept.saved_by), when=when))}"
    )


def file_name(name: str, deck_lang: str) -> str:
    """A saved deck's file name: its own name, without what a file name may not hold, and the language."""
    return f"{NOT_IN_FILE_NAMES.sub('-', name).strip('-') or 'deck'}-{deck_lang}.pptx"


st.title(t(Text("演示文稿", "Meeting deck")))
try:
    opened = slides.opened()
except Problem as refused:  # a deleted deck's link, say: the deck stays as it is
    st.warning(t(refused.text))
    opened = None
v = slides.deck_view(v, opened)  # an opened saved deck shows its own release
chosen = slides.chosen()

if opened is not None:
    with st.container(border=True):
        about, close = st.columns([6, 1], vertical_alignment="center")
        about.markdown(t(OPENED.format(name=show.escaped(opened.deck.name))))
        about.caption(show.escaped(saved_line(opened.deck, opened.release, len(slides.charts(opened.deck)))))
        if opened.changed:
            about.caption(t(CHANGED))
        close.button(t(Text("关闭", "Close")), key="deck_close_saved", on_click=slides.close_saved, help=t(CLOSE_HELP))
    gone = opened.release
    if gone is not None and gone.withdrawn:
        when = f"{gone.withdrawn_at:%Y-%m-%d}"
        st.warning(t(PIN_WITHDRAWN.format(name=gone.name, when=when, why=gone.withdrawn_reason or "—")))
st.caption(show.escaped(t(deck.data_line(v.release))))

saved = slides.saved()
with st.expander(t(Text("已保存的演示稿（{n}）", "Saved decks ({n})").format(n=len(saved))), expanded=not chosen):
    if not saved:
        st.caption(t(Text("还没有保存的演示稿。", "No deck has been saved yet.")))
    for i, kept in enumerate(saved):
        row, actions = st.container(border=True).columns([3, 2], vertical_alignment="center")
        bar = actions.container(horizontal=True, horizontal_alignment="right", vertical_alignment="center")
        row.markdown(f"**{show.escaped(kept.name)}**")
        try:
            specs, release = tuple(slides.charts(kept)), slides.release_of(kept)
        except Problem as refused:
            row.caption(show.escaped(t(refused.text)))
            continue
        row.caption(show.escaped(saved_line(kept, release, len(specs))))
        bar.button(t(Text("打开", "Open")), key=f"saved-open-{i}", on_click=slides.open_saved, args=(kept,),
                   icon=":material/folder_open:")  # fmt: skip
        if bar.button(t(Text("放映", "Present")), key=f"saved-present-{i}", icon=":material/present_to_all:"):
            slides.open_saved(kept)
            st.switch_page("app_pages/present.py")
        bar.download_button(
            "PPTX",
            functools.partial(data.make, slides.deck_view(v, slides.Opened(kept, release)), deck.build, specs, lang,
                              release=release),  # made when clicked
            file_name=file_name(kept.name, lang), mime=PPTX, on_click="ignore", key=f"saved-pptx-{i}",
            icon=":material/download:", help=t(DOWNLOAD_HELP),
        )  # fmt: skip
        if stored.may_delete(who, kept):
            with bar.popover(t(Text("删除", "Delete")), icon=":material/delete:", key=f"saved-delete-{i}"):
                st.caption(t(DELETE_NOTE))
                if st.button(t(Text("确定删除", "Delete it")), type="primary", key=f"saved-delete-yes-{i}"):
                    try:
                        writes.write("edit", writes.delete_deck, kept.name, by=who)
                    except Problem as refused:
                        st.error(t(refused.text))
                    else:
                        if opened is not None and opened.deck.name == kept.name:
                            slides.close_saved()
                        st.toast(t(Text("已删除演示稿“{n}”。", "Deleted the deck “{n}”.").format(n=kept.name)))
                        st.rerun()

if not chosen:
    st.info(
        t(
            Text(
                "还没有加入图表。可在各页图表下方点击“加入演示文稿”，或从标准演示文稿开始，或打开保存的演示稿。",
                "No charts yet. Use “Add to deck” under any chart, start from the standard deck, or open a saved deck.",
            )
        )
    )
    if st.button(t(Text("使用标准演示文稿", "Start from the standard deck")), type="primary", key="deck_standard"):
        slides.replace_all(data.make(v, deck.standard_specs, v.years.pair, scope=v.scope))
        st.rerun()
    show.end_page(t(STANDARD))

st.caption(
    t(
        Text(
            "每张图表单独成页，附标题、来源和讲稿备注（要点数字）；首页含日期与数据来源，末页为主要指标汇总表。"
            "图表为 PowerPoint 原生图表，可在 PowerPoint 中修改样式和数据。",
            "One slide per chart with its title, source and speaker notes (the key figures); a title slide with the "
            "date and source, and a closing table of headline figures. Charts are native PowerPoint charts: restyle "
            "them and edit their data in PowerPoint.",
        )
    )
)
for i, spec in enumerate(chosen):
    resolved = data.read(v, spec)
    with st.container(border=True):
        number, picture, body, up, down, drop = st.columns([0.5, 2, 6, 1, 1, 1], vertical_alignment="center")
        number.markdown(f"**{i + 1}**")
        picture.image(data.drawn(v, spec, thumbnails.thumbnail), width=160)
        body.markdown(f"**{show.escaped(resolved.title)}**")
        kind = kind_of(spec)
        years = f"{spec.years[1]}" if kind.one_year else YearRange.of(spec.years).label()(lang)
        body.caption(f"{kind.label(lang)} · {years}")
        up.button("↑", key=f"deck-up-{spec.id}", on_click=slides.move, args=(i, -1), disabled=i == 0,
                  help=t(Text("上移", "Move up")))  # fmt: skip
        down.button("↓", key=f"deck-down-{spec.id}", on_click=slides.move, args=(i, 1), disabled=i == len(chosen) - 1,
                    help=t(Text("下移", "Move down")))  # fmt: skip
        drop.button("✕", key=f"deck-drop-{spec.id}", on_click=slides.remove, args=(i,),
                    help=t(Text("移出演示文稿", "Remove from the deck")))  # fmt: skip

st.subheader(t(Text("下载或放映", "Download or present")))
left, middle, right = st.columns(3, vertical_alignment="bottom")
deck_lang = left.radio(
    t(Text("演示文稿语言", "Language of the deck")), state.LANG_NAMES, format_func=state.LANG_NAMES.get,
    index=list(state.LANG_NAMES).index(lang), horizontal=True, key="deck_lang",
)  # fmt: skip
specs_now = tuple(chosen)


middle.download_button(
    t(Text("下载 PowerPoint（.pptx）", "Download PowerPoint (.pptx)")),
    functools.partial(data.make, v, deck.build, specs_now, deck_lang, release=v.release),  # made when clicked
    file_name=f"pilot-cities-deck-{date.today():%Y%m%d}-{deck_lang}.pptx",
    mime=PPTX,
    type="primary",
    icon=":material/slideshow:",
    on_click="ignore",
    key="deck_download",
)
right.page_link("app_pages/present.py", label=t(Text("全屏放映", "Present")), icon=":material/present_to_all:")
if st.button(t(Text("清空演示文稿", "Empty the deck")), key="deck_clear", type="tertiary"):
    slides.replace_all([])
    st.rerun()

if who is not None and who.may("edit"):
    st.subheader(t(Text("保存演示稿", "Save this deck")))
    in_force = next((r for r in slides.releases() if not r.withdrawn), None)
    pins = {"shown": PINNED.format(name=v.release.name)} if v.release is not None and not v.release.withdrawn else {}
    if in_force is not None:
        pins["latest"] = LATEST.format(name=in_force.name)
    if not pins:
        show.end_page(t(NO_RELEASE))
    st.caption(t(SAVED_FOR_ALL))
    with st.form("deck-save", border=True):
        name = st.text_input(t(Text("名称", "Name")), max_chars=80, key="deck_save_name", placeholder=t(NAME_EXAMPLE))
        pin = st.radio(t(Text("数据", "Data")), tuple(pins), format_func=lambda k: t(pins[k]), key="deck_save_pin")
        if v.release is None:
            st.caption(t(PIN_ONE))
        if st.form_submit_button(t(Text("保存", "Save")), type="primary", key="deck_save"):
            try:
                kept = writes.write("edit", writes.save_deck, name, specs_text(chosen),
                                    v.release if pin == "shown" else None, by=who)  # fmt: skip
            except Problem as refused:
                st.error(t(refused.text))
            else:
                slides.open_saved(kept)
                st.toast(t(Text("已保存演示稿“{n}”。", "Saved the deck “{n}”.").format(n=kept.name)))
                st.rerun()
