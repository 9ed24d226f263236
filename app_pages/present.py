"""Presentation mode: one chart at a time, full width, large type, no sidebar; next and previous (arrow keys). An
opened saved deck is shown over its own release; a line at the top names the data.

A step reruns the slide alone (a fragment), the deck and the data line as the page's run left them, and the slides
either side are built while the presenter talks, so that the key press only sends a figure already made."""

import streamlit as st

from metrics.domain.i18n import Problem, Text
from metrics.present import deck, plotly_layout
from ui import data, show, slides, state

v = state.view()
t, lang = v.t, v.lang
show.hide_sidebar()
try:
    v = slides.deck_view(v, slides.opened())
except Problem as refused:  # a deleted deck's link: the charts in the link, over the data as it is
    st.warning(t(refused.text))

chosen = slides.chosen()
if not chosen:  # nothing chosen yet: present the standard deck
    chosen = data.read(v, deck.standard_specs)
count = len(chosen)
number = state.bind("slide", 1, int)
st.session_state["slide"] = min(max(int(number), 1), count)
SCREENS = {"1080": plotly_layout.PROJECTOR_HD, "720": plotly_layout.PROJECTOR}  # the screen presented on
state.bind_choice("present_screen", "720", tuple(SCREENS), name="screen")  # fits the smaller screen
data_line = t(deck.data_line(v.release))


def _go(step: int) -> None:
    st.session_state["slide"] = min(max(st.session_state["slide"] + step, 1), count)


@data.fragment
def _slide() -> None:
    number = st.session_state["slide"]
    back, where, forward, leave = st.columns([1.2, 5, 1.2, 1.2], vertical_alignment="center")
    back.button(t(Text("上一张", "Previous")), icon=":material/arrow_back:", on_click=_go, args=(-1,), shortcut="Left",
                disabled=number == 1, key="present_back", width="stretch")  # fmt: skip
    forward.button(t(Text("下一张", "Next")), icon=":material/arrow_forward:", on_click=_go, args=(1,),
                   shortcut="Right", disabled=number == count, key="present_next", width="stretch")  # fmt: skip
    number_col, size_col = where.columns([1, 2], vertical_alignment="center")
    number_col.subheader(f"{number} / {count}", anchor=False)
    size_col.segmented_control(t(Text("屏幕", "Screen")), tuple(SCREENS),
                               default=st.session_state.get("present_screen"),
                               format_func=lambda k: {"1080": "1920×1080", "720": "1280×720"}[k], key="present_screen",
                               label_visibility="collapsed")  # fmt: skip
    screen = st.session_state.get("present_screen") or "720"
    where.caption(show.escaped(data_line))  # in sight on any screen, not under the chart
    leave.page_link("app_pages/deck.py", label=t(Text("退出放映", "Leave")), icon=":material/close:")
    show.chart(v, chosen[number - 1], key="present", style=SCREENS[screen])
    state.write_now("slide", str(number))
    state.write_now("present_screen", screen, name="screen")
    data.build_ahead(v, [chosen[i] for i in (number, number - 2) if 0 <= i < count], SCREENS[screen])


_slide()
