"""Deck: the charts added from every page, in order; reorder them, download the PowerPoint file, or present."""

import functools
from datetime import date

import streamlit as st

from metrics.domain.i18n import Text
from metrics.domain.years import YearRange
from metrics.present import deck, thumbnails
from metrics.present.kinds import kind_of
from ui import data, show, slides, state

v = state.view()
t, lang = v.t, v.lang
STANDARD = Text(
    "标准演示文稿包括试点数量、四项主要指标、领先城市对比、分布图、综合指数和目标完成率。",
    "The standard deck: pilots, the four core indicators, the leading cities, the map, the composite index and the "
    "targets achieved.",
)

st.title(t(Text("演示文稿", "Meeting deck")))
chosen = slides.chosen()
if not chosen:
    st.info(
        t(
            Text(
                "还没有加入图表。可在各页图表下方点击“加入演示文稿”，或从标准演示文稿开始。",
                "No charts yet. Use “Add to deck” under any chart, or start from the standard deck.",
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
        picture.image(thumbnails.thumbnail(resolved), width=160)
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
    functools.partial(data.make, v, deck.build, specs_now, deck_lang),  # made when clicked
    file_name=f"pilot-cities-deck-{date.today():%Y%m%d}-{deck_lang}.pptx",
    mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
    type="primary",
    icon=":material/slideshow:",
    on_click="ignore",
    key="deck_download",
)
right.page_link("app_pages/present.py", label=t(Text("全屏放映", "Present")), icon=":material/present_to_all:")
if st.button(t(Text("清空演示文稿", "Empty the deck")), key="deck_clear", type="tertiary"):
    slides.replace_all([])
    st.rerun()
