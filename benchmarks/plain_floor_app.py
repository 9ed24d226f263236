"""The plain floor app: the same navigation menu as the dashboard, and one page written plainly (plain_floor.py)."""

import streamlit as st

from benchmarks import floor, plain_views, plain_work
from ui.nav import PAGES

PLAIN = {
    "overview": plain_views.overview, "city": plain_views.city, "compare": plain_views.compare,
    "map": plain_views.map_page, "assessment": plain_views.assessment, "completeness": plain_work.completeness,
    "round": plain_work.round_page, "changes": plain_work.changes, "deck": plain_work.deck,
    "upload": plain_work.upload, "admin": plain_work.admin, "about": plain_work.about, "present": plain_work.present,
}  # fmt: skip


def _other() -> None:
    pass


st.set_page_config(page_title="试点城市创新仪表盘", layout="wide")
menu = [
    st.Page(PLAIN[page.url] if page.url == floor.PAGE[0] else _other, title=page.title("zh"), icon=page.icon,
            url_path=page.url, default=page.url == floor.PAGE[0], visibility="visible" if page.listed else "hidden")
    for page in PAGES
]  # fmt: skip
st.navigation(menu).run()
