"""The dashboard's entry: page config, navigation, the shared sidebar and the sample-data banner."""

import contextlib

import streamlit as st

from metrics import queries
from metrics.db import DatabaseError
from metrics.i18n import SAMPLE_NOTICE, Problem, Text
from ui import auth, data, show, state

APP_NAME = Text("试点城市创新仪表盘", "Pilot-city innovation dashboard")
st.set_page_config(page_title=APP_NAME.zh, page_icon="📈", layout="wide")

# (file, URL, title, icon, who may open it: an ability of metrics.access)
PAGES = (
    ("app_pages/overview.py", "overview", Text("项目概览", "Overview"), ":material/dashboard:", "view"),
    ("app_pages/city.py", "city", Text("城市画像", "City profile"), ":material/location_city:", "view"),
    ("app_pages/compare.py", "compare", Text("城市对比", "Compare"), ":material/compare_arrows:", "view"),
    ("app_pages/map.py", "map", Text("分布图", "Map"), ":material/scatter_plot:", "view"),
    ("app_pages/completeness.py", "completeness", Text("报送完整性", "Data completeness"), ":material/fact_check:",
     "view"),
    ("app_pages/deck.py", "deck", Text("演示文稿", "Deck"), ":material/slideshow:", "view"),
    ("app_pages/upload.py", "upload", Text("数据上传", "Upload"), ":material/upload_file:", "edit"),
    ("app_pages/admin.py", "admin", Text("账户与备份", "Accounts and backups"), ":material/admin_panel_settings:",
     "admin"),
    ("app_pages/about.py", "about", Text("指标说明", "About"), ":material/info:", "view"),
    ("app_pages/present.py", "present", Text("放映", "Present"), ":material/present_to_all:", "view"),
)  # fmt: skip
HIDDEN = {"present"}  # reached from the deck page, not listed
SIGN_IN = Text("登录", "Sign in")


def run(lang: str) -> None:
    """Sign-in, navigation over the pages this person may use, the sidebar, then the page."""
    who = auth.actor()
    if who is None:  # accounts are set up and nobody has signed in: every address shows the sign-in form, so a
        # link to a page still leads there once signed in
        sign_in = [st.Page(auth.sign_in_page, title=SIGN_IN(lang), icon=":material/login:", url_path=url,
                           default=(url == "overview")) for _, url, *_ in PAGES]  # fmt: skip
        state.language_choice()  # drawn here, as the sidebar draws it, so the choice carries over after signing in
        st.navigation(sign_in, position="hidden").run()
        return
    pages = [
        st.Page(path, title=title(lang), icon=icon, url_path=url, default=(url == "overview"),
                visibility="hidden" if url in HIDDEN else "visible")
        for path, url, title, icon, ability in PAGES
        if who.may(ability)
    ]  # fmt: skip
    page = st.navigation(pages)
    if page.url_path != "present":  # presentation mode has no sidebar and no banner (its charts name the source)
        first_year, last_year = data.get(queries.year_span)
        batches = sorted(int(b) for b in data.get(queries.list_cities)["batch"].dropna().unique())
        st.session_state["_view"] = state.sidebar(first_year, last_year, batches)
        auth.sidebar(who, lang)
        st.sidebar.caption(APP_NAME(lang))
        if data.get(queries.is_sample):
            st.info(SAMPLE_NOTICE(lang), icon=":material/science:")
    st.set_page_config(page_title=f"{page.title} · {APP_NAME(lang)}")
    with contextlib.suppress(show.EndOfPage):  # a page with nothing more to show
        page.run()


lang = state.current_lang()
with contextlib.ExitStack() as this_run:
    try:
        this_run.enter_context(data.run_snapshot())  # every query of this run sees the same committed data
    except DatabaseError as exc:  # missing, locked by another process (named), or not ours
        st.error(exc.text(lang))
        st.stop()
    try:
        data.start_backup_schedule(str(data.database().path))  # once per process, if $PILOT_BACKUP_HOURS is set
    except Problem as exc:  # a setting that is not a number: say so, and serve the pages all the same
        st.warning(show.escaped(exc.text(lang)))
    run(lang)
state.write_url()
