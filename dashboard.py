"""The dashboard's entry: page config, navigation, the shared sidebar and the sample-data banner."""

import contextlib

import streamlit as st

from metrics import queries
from metrics.db import DatabaseError
from metrics.i18n import SAMPLE_NOTICE, Text
from ui import data, show, state

APP_NAME = Text("试点城市创新仪表盘", "Pilot-city innovation dashboard")
st.set_page_config(page_title=APP_NAME.zh, page_icon="📈", layout="wide")

PAGES = (
    ("app_pages/overview.py", "overview", Text("项目概览", "Overview"), ":material/dashboard:"),
    ("app_pages/city.py", "city", Text("城市画像", "City profile"), ":material/location_city:"),
    ("app_pages/compare.py", "compare", Text("城市对比", "Compare"), ":material/compare_arrows:"),
    ("app_pages/map.py", "map", Text("分布图", "Map"), ":material/scatter_plot:"),
    ("app_pages/completeness.py", "completeness", Text("报送完整性", "Data completeness"), ":material/fact_check:"),
    ("app_pages/deck.py", "deck", Text("演示文稿", "Deck"), ":material/slideshow:"),
    ("app_pages/upload.py", "upload", Text("数据上传", "Upload"), ":material/upload_file:"),
    ("app_pages/about.py", "about", Text("指标说明", "About"), ":material/info:"),
    ("app_pages/present.py", "present", Text("放映", "Present"), ":material/present_to_all:"),
)
HIDDEN = {"present"}  # reached from the deck page, not listed

lang = state.current_lang()
try:
    data.refresh_data_version()
except DatabaseError as exc:
    st.error(exc.text(lang))
    st.stop()

pages = [
    st.Page(path, title=title(lang), icon=icon, url_path=url, default=(url == "overview"),
            visibility="hidden" if url in HIDDEN else "visible")
    for path, url, title, icon in PAGES
]  # fmt: skip
page = st.navigation(pages)
if page.url_path != "present":  # presentation mode has no sidebar and no banner (its charts name the source)
    first_year, last_year = data.get(queries.year_span)
    batches = sorted(int(b) for b in data.get(queries.list_cities)["batch"].dropna().unique())
    st.session_state["_view"] = state.sidebar(first_year, last_year, batches)
    st.sidebar.caption(APP_NAME(lang))
    if data.get(queries.is_sample):
        st.info(SAMPLE_NOTICE(lang), icon=":material/science:")
st.set_page_config(page_title=f"{page.title} · {APP_NAME(lang)}")
with contextlib.suppress(show.EndOfPage):  # a page with nothing more to show
    page.run()
state.write_url()
