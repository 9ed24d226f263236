"""The dashboard's entry: page config, navigation, the shared sidebar and the sample-data banner."""

import contextlib

import streamlit as st

from metrics.domain.i18n import Problem, Text
from metrics.domain.programme import APP_NAME, SAMPLE_NOTICE, Scope
from metrics.domain.roles import ROLE_NAMES, Actor
from metrics.store.accounts import user_count
from metrics.store.cities import batches
from metrics.store.database import DatabaseError, DatabaseLocked
from metrics.store.meta import is_sample
from metrics.store.releases import latest, list_releases
from ui import auth, data, nav, show, slides, state
from ui.data_choice import data_choice
from ui.nav import DEFAULT, PAGES, Page
from ui.run_slots import RUN_SLOTS

lang = state.current_lang()
st.set_page_config(page_title=APP_NAME(lang), page_icon="📈", layout="wide")

SIGN_IN = Text("登录", "Sign in")
ROOT_PATH = "_root"  # the pathname the default page reserves; Streamlit serves it at / (never at /overview)


def _at_its_own_name(default: st.Page, title: str) -> st.Page:
    """/overview, typed or bookmarked: Streamlit serves the default page at / only, and showed "Page not found";
    this hidden page takes the visitor there, query string and all."""

    def to_default() -> None:
        st.switch_page(default, query_params=st.query_params.to_dict())

    return st.Page(to_default, title=title, url_path=DEFAULT, visibility="hidden")


NOT_ALLOWED = Text(
    "“{p}”页需要{r}权限；您以 {n}（{m}）登录。如需使用，请联系管理员。",
    "The {p} page needs the {r} role; you are signed in as {n} ({m}). Ask an admin if you need it.",
)
ABILITY_ROLES = {"edit": Text("编辑", "editor"), "admin": Text("管理员", "admin")}


def _not_allowed(page: Page, who: Actor, lang: str) -> st.Page:
    """A page this person's role may not open, at its own address: it says so, rather than a "Page not found"
    dialog over the overview."""

    def refuse() -> None:
        st.warning(NOT_ALLOWED.format(p=page.title, r=ABILITY_ROLES[page.ability], n=who.name,
                                      m=ROLE_NAMES[who.role])(lang))  # fmt: skip
        st.page_link(f"app_pages/{DEFAULT}.py", label=PAGES[0].title(lang), icon=":material/arrow_back:")

    return st.Page(refuse, title=page.title(lang), url_path=_url_path(page.url), visibility="hidden")


def _url_path(page_url: str) -> str:
    return ROOT_PATH if page_url == DEFAULT else page_url


def run(lang: str) -> bool:
    """Sign-in, navigation over the pages this person may use, the sidebar, then the page; whether it was the
    sign-in page (whose URL keeps the link's parameters for after signing in)."""
    # Whether accounts exist is cached with this run's data key; a page's own role check reuses who this is.
    who = auth.actor(data.get(user_count) > 0)
    state.hold(auth.RUN_ACTOR, who)
    auth.hand_over()
    if who is None:  # accounts are set up and nobody has signed in: every address shows the sign-in form, so a
        # link to a page still leads there once signed in
        sign_in = [st.Page(auth.sign_in_page, title=SIGN_IN(lang), icon=":material/login:",
                           url_path=_url_path(page.url), default=(page.url == DEFAULT)) for page in PAGES]  # fmt: skip
        state.language_choice()  # drawn here, as the sidebar draws it, so the choice carries over after signing in
        sign_in.append(_at_its_own_name(next(p for p in sign_in if p.url_path == ""), SIGN_IN(lang)))
        st.set_page_config(page_title=f"{SIGN_IN(lang)} · {APP_NAME(lang)}")
        st.navigation(sign_in, position="hidden").run()
        return True
    pages = [nav.st_page(page, page.title(lang), _url_path(page.url), page.url == DEFAULT) for page in PAGES
             if who.may(page.ability)]  # fmt: skip
    default = next(p for p in pages if p.url_path == "")
    closed = [_not_allowed(page, who, lang) for page in PAGES if not who.may(page.ability)]
    current = st.navigation([*pages, _at_its_own_name(default, default.title), *closed])
    slides.keep_in_url()
    page = next((p for p in PAGES if _url_path(p.url) == current.url_path), PAGES[0])
    releases = data.get(list_releases)  # read once per records version (a release published or withdrawn)
    shown = None if who.may("edit") else data.get(latest)  # what this person sees unless they choose
    if current.url_path == "present":  # presentation mode has no sidebar and no banner (its charts name the source)
        release = data_choice(releases, shown, lang, drawn=False)
        state.hold(state.VIEW, state.View(lang, data.collection(release).complete_span, Scope(), release=release))
    else:
        state.language_choice(lang)
        release = data_choice(releases, shown, lang, working_only=page.working)
        state.hold(
            state.VIEW,
            state.sidebar(data.collection(release), data.of(release, batches), who.may("edit"), release, lang),
        )
        auth.sidebar(who, lang)
        st.sidebar.caption(APP_NAME(lang))
        if release.sample if release else data.get(is_sample):  # a release says what it froze
            st.info(SAMPLE_NOTICE(lang), icon=":material/science:")
    st.set_page_config(page_title=f"{current.title} · {APP_NAME(lang)}")
    with contextlib.suppress(show.EndOfPage):  # a page with nothing more to show
        current.run()
    return False


with contextlib.ExitStack() as this_run:
    this_run.enter_context(RUN_SLOTS)  # a few runs at a time (ui/run_slots.py), before the snapshot is taken
    try:
        this_run.enter_context(data.run_snapshot())  # every query of this run sees the same committed data
    except DatabaseError as exc:  # missing, locked by another process (not named here), or not ours
        st.error((exc.public_text if isinstance(exc, DatabaseLocked) else exc.text)(lang))
        st.stop()
    try:
        data.start_backup_schedule(data.database().name)  # once per process, if $PILOT_BACKUP_HOURS is set
        data.start_publishing(data.database())  # a DuckDB file's copy for the CLI to read while this holds it
    except Problem as exc:  # a setting that is not a number: say so, and serve the pages all the same
        st.warning(show.escaped(exc.text(lang)))
    signing_in = run(lang)
state.write_url(keep_others=signing_in)
