"""The browser benchmark's floor: a bare Streamlit app with the dashboard's navigation, each page drawing what the
dashboard's drew (benchmarks/browser_scenes.py, from $PILOT_FLOOR_SCENES): its sidebar widgets, banner, headline
cards and the same Plotly figures, precomputed. The widget an action uses shows the page's other captured view
(events switched, another city, the next slide: the deck's precomputed slides in turn on the arrow key). With
$PILOT_FLOOR_SIGN_IN set, a sign-in form comes first, as where everyone signs in."""

import os
import pickle
from pathlib import Path

import streamlit as st

from benchmarks import floor
from ui.nav import PAGES

st.set_page_config(page_title="floor", layout="wide")


@st.cache_resource
def _scenes(path: str) -> dict:
    return pickle.loads(Path(path).read_bytes())


SCENES = _scenes(os.environ["PILOT_FLOOR_SCENES"])


def _page(url: str):
    def draw() -> None:
        scene = SCENES[url]
        shown = scene["A"]
        if "B" in scene:
            if scene["value"] is None:  # the Next button: each press shows the next slide, round the deck
                slides = scene["slides"]
                if st.session_state.get(scene["key"]):
                    st.session_state["floor_slide"] = (st.session_state.get("floor_slide", 0) + 1) % len(slides)
                shown = slides[st.session_state.get("floor_slide", 0)]
            elif st.session_state.get(scene["key"]) == scene["value"]:
                shown = scene["B"]
        floor.draw(st, shown)

    draw.__name__ = f"floor_{url}"
    return draw


def _sign_in() -> None:
    st.title("floor")
    with st.form("sign_in"):
        st.text_input("name", key="sign_in_name")
        st.text_input("password", type="password", key="sign_in_password")
        if st.form_submit_button("Sign in"):
            st.session_state["floor_signed_in"] = True
            st.rerun()


if os.environ.get("PILOT_FLOOR_SIGN_IN") and not st.session_state.get("floor_signed_in"):
    _sign_in()
else:
    menu = [
        st.Page(_page(page.url), title=page.title("zh"), icon=page.icon, url_path=page.url,
                default=page.url == "overview", visibility="visible" if page.listed else "hidden")
        for page in PAGES
    ]  # fmt: skip
    st.navigation(menu).run()
