"""Real browser tests: Debian's Chromium, driven by Playwright, against a real Streamlit server.

Each page is opened by its direct URL on a fresh server (a known Streamlit pitfall), charts must draw, the
sidebar must show our navigation titles. Screenshots of every page are `make screenshots`' (tools/screenshots.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ADMIN, copy_sample

from benchmarks.browser import CHART, CHROMIUM, DRAWN, streamlit_server
from metrics.access import accounts
from metrics.domain.i18n import LANGS
from server import SECURITY_HEADERS
from ui.nav import DEFAULT, PAGES

ROOT = Path(__file__).resolve().parent.parent
LISTED = [page for page in PAGES if page.listed]  # in the sidebar's navigation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (see .ci/run)"),
]


@pytest.fixture(scope="module")
def db_path(sample_file, tmp_path_factory) -> Path:
    return copy_sample(sample_file, tmp_path_factory.mktemp("browser") / "sample.duckdb")


@pytest.fixture(scope="module")
def url(db_path) -> Iterator[str]:
    """One server for the tests that only read the sample (each browser page is a session of its own), started as
    `make run` starts it."""
    with streamlit_server(db_path) as address:
        yield address


def _wait_until_drawn(page, selector: str | None = CHART, sidebar: bool = True, timeout: int = 30_000) -> None:
    if sidebar:
        page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=timeout)
    if selector:
        page.wait_for_selector(selector, timeout=timeout)
    # Let Streamlit finish the run (the status widget disappears) before looking.
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


@pytest.mark.parametrize("nav_page", PAGES, ids=[p.url for p in PAGES])
def test_direct_url_on_a_fresh_server(browser, db_path, nav_page):
    # The first visit is what a fresh server gets wrong: on a server that has served nobody (not even warmed), the
    # page must draw, in one language, alternating from page to page (the navigation's titles in both languages are
    # tests/test_pages.py's, which is much quicker). The default page lives at the root.
    lang = LANGS[PAGES.index(nav_page) % 2]
    title, drawn = nav_page.title(lang), DRAWN[nav_page.url]
    path = "" if nav_page.url == DEFAULT else nav_page.url
    with streamlit_server(db_path, warm=False) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        errors: list[str] = []
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        refused: list[str] = []  # what the Content-Security-Policy stopped: nothing the app needs
        page.on("console", lambda m, refused=refused: refused.append(m.text) if "Content Security" in m.text else None)
        response = page.goto(f"{url}/{path}?lang={lang}")
        assert {k: response.headers.get(k) for k in SECURITY_HEADERS} == SECURITY_HEADERS
        _wait_until_drawn(page, drawn, sidebar=nav_page.listed)
        assert page.title().startswith(title), page.title()
        if nav_page.listed:  # presentation mode has no sidebar (test_presentation_mode_fills_the_screen_…)
            nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
            # Our st.navigation titles, in the chosen language, not Streamlit's file-name page list.
            for listed in LISTED:
                assert listed.title(lang) in nav, nav
            assert page.locator('[data-testid="stSidebarNav"] a').count() == len(LISTED)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert not errors, errors
        assert not refused, refused
        if drawn == CHART:
            assert page.locator(CHART).count() >= 1
        page.close()


def _status(url: str, method: str, path: str, origin: str | None, websocket: bool = False) -> int:
    """The status a request gets: a websocket's handshake (101 when accepted) or a POST."""
    return _request(url, method, path, {"Origin": origin} if origin else {}, websocket)[0]


def _request(url: str, method: str, path: str, headers: dict, websocket: bool = False) -> tuple[int, list]:
    """A request's status and response headers."""
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(url)
    if websocket:
        headers |= {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}  # fmt: skip
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders()
    finally:
        connection.close()


# (the request's Origin, given the server's own host:port as {here}; whether it is let in)
ORIGINS = [
    ("http://{here}", True),
    (None, True),  # not a browser: no officer's cookies ride on it
    ("http://localhost:9", False),  # a page on another port of this machine, which Streamlit's own check lets in
    ("http://127.0.0.1:9", False),
    ("https://evil.example", False),
    ("null", False),
]


@pytest.mark.parametrize(("origin", "let_in"), ORIGINS)
def test_only_the_apps_own_pages_open_its_websocket_or_post_to_its_routes(url, origin, let_in):
    here = url.split("//")[1]
    origin = origin.format(here=here) if origin else None
    assert (_status(url, "GET", "/_stcore/stream", origin, websocket=True) == 101) is let_in
    assert (_status(url, "POST", "/_pilot/sign-out", origin) == 204) is let_in
    assert _status(url, "POST", "/_pilot/session", origin) == 403  # no grant: refused whoever asks


def test_over_https_the_session_cookie_is_secure_and_no_other_host_can_plant_one(db):
    """A browser on https gets a __Host- cookie, which it keeps only Secure from this very host: a page on another
    port or subdomain cannot sign it in as someone else. Over plain http the cookie keeps its plain name."""
    from metrics.access import sessions
    from metrics.domain.roles import Actor

    accounts.add_user(db, "root", "admin", "correct horse", ADMIN)
    root = Actor("root", "admin", "password")
    grants = {https: sessions.start(db, root, "", "test").grant for https in ("true", "false")}
    db.close()
    with streamlit_server(db.path) as url:
        here = url.split("//")[1]
        for https, name in (("true", "__Host-pilot_session"), ("false", "pilot_session")):
            status, headers = _request(url, "POST", "/_pilot/session", {
                "Origin": f"http://{here}", "X-Pilot-Grant": grants[https], "X-Pilot-Https": https})  # fmt: skip
            cookie = next(v for k, v in headers if k.lower() == "set-cookie" and "device" not in v)
            assert status == 204 and cookie.startswith(f"{name}="), cookie
            assert ("Secure" in cookie) is (https == "true") and "HttpOnly" in cookie and "Path=/" in cookie


def test_sidebar_navigation_and_url_state(browser, url):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{url}/compare?lang=en&indicator=activities&cities=330100,420100&mode=indexed")
    _wait_until_drawn(page)
    legend = page.locator(".js-plotly-plot .legend").first.text_content()
    assert "Hangzhou" in legend and "Wuhan" in legend
    page.get_by_role("link", name="City profile").click()
    # The choices follow to the other page (written into its URL at the end of its first run).
    page.wait_for_url(re.compile(r"/city\?(.*&)?lang=en"), timeout=30_000)
    _wait_until_drawn(page)
    page.close()


@pytest.mark.parametrize(("width", "height", "screen"), [(1920, 1080, "&screen=1080"), (1280, 720, "")])
def test_presentation_mode_fills_the_screen_without_a_sidebar(browser, url, width, height, screen):
    for lang in LANGS:
        page = browser.new_page(viewport={"width": width, "height": height})
        errors: list[str] = []
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        page.goto(f"{url}/present?lang={lang}{screen}")  # the 1280x720 layout unless the link says otherwise
        _wait_until_drawn(page, sidebar=False)
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        chart = page.locator(".js-plotly-plot").first.bounding_box()
        assert chart["width"] > 0.75 * width, "full width"
        assert chart["y"] + chart["height"] <= height + 1, "the whole chart is on the screen"
        assert chart["height"] > 0.7 * height, "most of the screen"
        page.keyboard.press("ArrowRight")  # the next chart, as a presenter's keyboard or clicker would
        page.get_by_text("2 / 9").wait_for(timeout=30_000)
        _wait_until_drawn(page, sidebar=False)
        assert not errors, errors
        page.close()


def test_a_chart_downloads_as_png_and_added_to_the_deck_as_powerpoint(browser, url, tmp_path):
    from pptx import Presentation

    page = browser.new_page(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    page.goto(f"{url}/compare?lang=en&cities=330100,440100")
    _wait_until_drawn(page)
    page.locator('[data-testid="stPopover"] button').first.click()  # the first chart's downloads
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="PNG image (1920×1080)").first.click()
    assert download.value.suggested_filename == "Cooperation-agreements-signed_Hangzhou-Guangzhou_2014-2025.png"
    png = tmp_path / "chart.png"
    download.value.save_as(png)
    assert png.read_bytes()[:4] == b"\x89PNG"
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Add to deck").first.click()
    page.get_by_role("button", name="In the deck (click to remove)").wait_for(timeout=30_000)
    page.get_by_role("link", name="Deck").click()
    page.get_by_role("button", name="Download PowerPoint (.pptx)").wait_for(timeout=30_000)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download PowerPoint (.pptx)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".pptx"
    deck = Presentation(str(path))
    charts = [sh.chart for slide in deck.slides for sh in slide.shapes if sh.has_chart]
    assert len(charts) == 1
    assert [s.name for s in charts[0].plots[0].series] == ["Hangzhou", "Guangzhou"]
    page.close()


def _sign_in(page, name: str, password: str) -> None:
    page.get_by_label("Account name").wait_for(timeout=30_000)
    page.get_by_label("Account name").fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=30_000)


def test_roles_in_the_browser_and_two_officers_at_once(browser, db):
    for name, role in (("root", "admin"), ("ed", "editor"), ("viewer", "viewer")):
        accounts.add_user(db, name, role, "correct horse", ADMIN)
    db.close()
    with streamlit_server(db.path) as url:
        viewer = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        viewer.goto(f"{url}/upload?lang=en")  # straight to the upload page's address
        viewer.get_by_label("Account name").wait_for(timeout=30_000)
        assert viewer.title() == "Sign in · Pilot-city innovation dashboard"  # the tab in the page's language
        _sign_in(viewer, "viewer", "correct horse")
        _wait_until_drawn(viewer, selector=None)  # told why there is no upload page for them
        viewer.get_by_text("The Upload page needs the editor role").wait_for(timeout=30_000)
        assert not viewer.get_by_text("Page not found").count()
        nav = viewer.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Overview" in nav and "Upload" not in nav and "Accounts" not in nav
        assert not viewer.locator('[data-testid="stFileUploader"]').count(), "a viewer gets no upload page"
        assert "Signed in as viewer (viewer)" in viewer.locator('[data-testid="stSidebar"]').inner_text()

        editor = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        editor.goto(f"{url}/upload?lang=en")
        _sign_in(editor, "ed", "correct horse")
        # A file as Excel on Chinese Windows saves it (GBK), through the browser's file input.
        editor.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            str(ROOT / "tests" / "data" / "good-gbk-excel.csv")
        )
        editor.get_by_role("button", name="Confirm and load").click()
        editor.get_by_text("Loaded as upload 2").wait_for(timeout=30_000)

        # Two pilots of 2026 make it a year being collected: the viewer's overview keeps the latest complete year,
        # and the editor sees 2026 only when asking for it, marked.
        nav = viewer.get_by_test_id("stSidebarNavItems")
        nav.get_by_role("link", name="Compare").click()
        nav.get_by_role("link", name="Overview").click()
        viewer.get_by_text("Headline figures, 2025").wait_for(timeout=30_000)
        assert not viewer.get_by_text("Include the year being collected").count()  # a viewer has no such choice
        editor.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Overview").click()
        editor.get_by_text("Headline figures, 2025").wait_for(timeout=30_000)
        editor.get_by_text("Include the year being collected").click()
        editor.get_by_text("Headline figures, 2026 (being collected, 2/65)").wait_for(timeout=30_000)
        viewer.close()
        editor.close()


def test_the_overview_at_its_own_name_opens_without_page_not_found(browser, url):
    page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    page.goto(f"{url}/overview?lang=en&years=2018-2025")  # typed or bookmarked; the default page lives at /
    _wait_until_drawn(page)
    assert not page.get_by_text("Page not found").count()
    assert "Headline figures" in page.locator('[data-testid="stMain"]').inner_text()
    assert re.search(r"/\?.*years=2018-2025", page.url) and "lang=en" in page.url, page.url
    page.close()


def test_a_deck_survives_a_reload_and_a_present_link_shows_the_sender_s_deck(browser, url):
    page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    page.goto(f"{url}/?lang=en")
    _wait_until_drawn(page)
    for n in (2, 1):  # the third chart, then the second: the deck keeps the order they were added in
        before = page.url
        page.get_by_role("button", name="Add to deck").nth(n).click()
        page.wait_for_function(
            f"() => [...document.querySelectorAll('button')].filter(b => b.innerText.includes('In the deck')).length"
            f" == {3 - n}",
            timeout=30_000,
        )
        # The URL is written when the run ends, after the button has changed: a reload before then has the deck
        # of the run before (on a busy machine, that was the reload below).
        page.wait_for_function("before => location.href !== before && location.search.includes('deck=')",
                               arg=before, timeout=30_000)  # fmt: skip
    page.reload()
    _wait_until_drawn(page)
    page.wait_for_function(  # every chart's toolbar drawn, the first chart being drawn only the start of that
        "() => [...document.querySelectorAll('button')].filter(b => b.innerText.includes('In the deck')).length == 2",
        timeout=30_000,
    )
    link = re.sub(r"^.*?\?", f"{url}/present?", page.url) + "&slide=2"
    sender = page.locator(".js-plotly-plot .gtitle").all_inner_texts()
    other = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()  # a colleague, another session
    other.goto(link)
    _wait_until_drawn(other, sidebar=False)
    assert "2 / 2" in other.locator('[data-testid="stMain"]').inner_text()
    shown = other.locator(".js-plotly-plot .gtitle").all_inner_texts()
    assert shown and shown[0] in sender, (shown, sender)
    page.close()
    other.close()


def test_a_shared_link_keeps_its_view_through_signing_in_and_a_reload_keeps_the_sign_in(browser, db):
    accounts.add_user(db, "root", "admin", "correct horse", ADMIN)
    db.close()
    with streamlit_server(db.path) as url:
        page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        page.goto(f"{url}/compare?lang=en&years=2018-2025&indicator=activities&mode=indexed")
        _sign_in(page, "root", "correct horse")
        _wait_until_drawn(page)
        assert "years=2018-2025" in page.url and "indicator=activities" in page.url and "mode=indexed" in page.url
        main = page.locator('[data-testid="stMain"]').inner_text()
        assert "Matching activities" in main and "2018" in main
        page.reload()  # remembered by this browser: no password asked again
        _wait_until_drawn(page)
        assert "Signed in as root" in page.locator('[data-testid="stSidebar"]').inner_text()
        page.get_by_role("button", name="Sign out").click()
        page.get_by_label("Account name").wait_for(timeout=30_000)
        page.reload()  # signed out: forgotten by the browser too
        page.get_by_label("Account name").wait_for(timeout=30_000)
        page.close()


def test_a_copied_session_cookie_signs_nobody_in_once_its_owner_signs_out(browser, db):
    accounts.add_user(db, "root", "admin", "correct horse", ADMIN)
    db.close()
    with streamlit_server(db.path) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        page = context.new_page()
        page.goto(f"{url}/?lang=en")
        _sign_in(page, "root", "correct horse")
        _wait_until_drawn(page)
        kept = next(c for c in _eventually(context.cookies, "pilot_session") if c["name"] == "pilot_session")
        assert kept["httpOnly"] and kept["sameSite"] == "Strict"  # set by the server; no script reads it
        assert "pilot_session" not in page.evaluate("document.cookie")
        elsewhere = browser.new_context(viewport={"width": 1280, "height": 720})
        elsewhere.add_cookies([kept])  # a copy, as a thief would use it
        thief = elsewhere.new_page()
        thief.goto(f"{url}/?lang=en")
        _wait_until_drawn(thief)
        assert "Signed in as root" in thief.locator('[data-testid="stSidebar"]').inner_text()
        page.goto(f"{url}/admin?lang=en")  # the Accounts page lists both sessions
        page.get_by_text("Signed-in sessions").wait_for(timeout=30_000)
        page.get_by_role("button", name="Sign out").click()
        page.get_by_label("Account name").wait_for(timeout=30_000)
        _eventually(context.cookies, "pilot_session", present=False)  # cleared by the server (the page asks it)
        thief.reload()  # the copy: ended on the server with its session
        thief.get_by_label("Account name").wait_for(timeout=30_000)
        again = browser.new_context().new_page()
        again.context.add_cookies([kept])
        again.goto(f"{url}/?lang=en")
        again.get_by_label("Account name").wait_for(timeout=30_000)


def _eventually(read, name: str, tries: int = 50, present: bool = True) -> list:
    """What `read()` gives once it holds a cookie named `name` (or, with present=False, once it holds none): the
    page fetches it from the server, or has the server clear it, just after the run that signs in or out."""
    import time

    for _ in range(tries):
        found = read()
        if any(c["name"] == name for c in found) == present:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{'no' if present else 'still a'} {name} cookie")
