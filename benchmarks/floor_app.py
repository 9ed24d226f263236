"""The floor app: the same navigation menu as the dashboard, and one captured state of a page (see floor.py).

The radio switches between the two captured states as the page's own widget does.
"""

import streamlit as st

from benchmarks import floor
from ui.nav import PAGES


def _page() -> None:
    state = st.radio("state", list(floor.SCENES), key="floor_state", horizontal=True)
    floor.draw(st, floor.SCENES[state])


def _other() -> None:
    pass


menu = [
    st.Page(_page if page.url == floor.PAGE[0] else _other, title=page.title("zh"), icon=page.icon,
            url_path=page.url, default=page.url == floor.PAGE[0], visibility="visible" if page.listed else "hidden")
    for page in PAGES
]  # fmt: skip
st.navigation(menu).run()
