"""The floor app: the same navigation menu as the dashboard, and one captured state of a page (see floor.py).

The radio switches between the two captured states as the page's own widget does.
"""

import streamlit as st

from benchmarks import floor
from ui.nav import HIDDEN, PAGES


def _page() -> None:
    state = st.radio("state", list(floor.SCENES), key="floor_state", horizontal=True)
    floor.draw(st, floor.SCENES[state])


def _other() -> None:
    pass


menu = [
    st.Page(_page if url == floor.PAGE[0] else _other, title=title("zh"), icon=icon, url_path=url,
            default=url == floor.PAGE[0], visibility="hidden" if url in HIDDEN else "visible")
    for _path, url, title, icon, _ability in PAGES
]  # fmt: skip
st.navigation(menu).run()
