"""The dashboard's entry: page config, navigation, the shared sidebar and the sample-data banner."""

import contextlib

import streamlit as st

from metrics.domain.i18n import Problem, Text
from metrics.domain.programme import SAMPLE_NOTICE
from metrics.store.accounts import user_count
from metrics.store.cities import batches
from metrics.store.database import DatabaseError
from metrics.store.meta import is_sample
from metrics.store.series import year_span
from ui import auth, data, show, state
from ui.nav import DEFAULT, PAGES
from ui.run_slots import RUN_SLOTS

APP_NAME = Text("试点城市创新仪表盘", "Pilot-city innovation dashboard")
st.set_page_config(page_title=APP_NAME.zh, page_icon="📈", layout="wide")

SIGN_IN = Text("登录", "Sign in")


def run(lang: str) -> None:
    """Sign-in, navigation over the pages this person may use, the sidebar, then the page."""
    # Whether accounts exist is cached with this run's data key; a page's own role check reuses who this is.
    who = st.session_state[auth.RUN_ACTOR] = auth.actor(data.get(user_count) > 0)
    if who is None:  # accounts are set up and nobody has signed in: every address shows the sign-in form, so a
        # link to a page still leads there once signed in
        sign_in = [st.Page(auth.sign_in_page, title=SIGN_IN(lang), icon=":material/login:", url_path=page.url,
                           default=(page.url == DEFAULT)) for page in PAGES]  # fmt: skip
        state.language_choice()  # drawn here, as the sidebar draws it, so the choice carries over after signing in
        st.navigation(sign_in, position="hidden").run()
        return
    pages = [
        st.Page(page.path, title=page.title(lang), icon=page.icon, url_path=page.url, default=(page.url == DEFAULT),
                visibility="visible" if page.listed else "hidden")
        for page in PAGES
        if who.may(page.ability)
    ]  # fmt: skip
    current = st.navigation(pages)
    if current.url_path != "present":  # presentation mode has no sidebar and no banner (its charts name the source)
        first_year, last_year = data.get(year_span)
        st.session_state["_view"] = state.sidebar(first_year, last_year, data.get(batches))
        auth.sidebar(who, lang)
        st.sidebar.caption(APP_NAME(lang))
        if data.get(is_sample):
            st.info(SAMPLE_NOTICE(lang), icon=":material/science:")
    st.set_page_config(page_title=f"{current.title} · {APP_NAME(lang)}")
    with contextlib.suppress(show.EndOfPage):  # a page with nothing more to show
        current.run()


lang = state.current_lang()
with contextlib.ExitStack() as this_run:
    this_run.enter_context(RUN_SLOTS)  # a few runs at a time (ui/run_slots.py), before the snapshot is taken
    try:
        this_run.enter_context(data.run_snapshot())  # every query of this run sees the same committed data
    except DatabaseError as exc:  # missing, locked by another process (named), or not ours
        st.error(exc.text(lang))
        st.stop()
    try:
        data.start_backup_schedule(data.database().name)  # once per process, if $PILOT_BACKUP_HOURS is set
        data.start_publishing(data.database())  # a DuckDB file's copy for the CLI to read while this holds it
    except Problem as exc:  # a setting that is not a number: say so, and serve the pages all the same
        st.warning(show.escaped(exc.text(lang)))
    run(lang)
state.write_url()
