"""Sign-in that an attacker cannot replay, lock or sidestep: sessions the server ends, limits that slow guessing
without locking the owner out, names compared one way, and the address a request comes from. Tables of cases, on
DuckDB and PostgreSQL."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import pytest
from conftest import ADMIN

from metrics.access import accounts, clock, limits, passwords, sessions
from metrics.access.sign_in import Client, sign_in
from metrics.domain.i18n import Refused
from metrics.domain.roles import Actor
from metrics.store.accounts import get_user

pytestmark = pytest.mark.both_engines
PASSWORD = "correct horse"


class Clock:
    """A clock the test moves (sign-in's own, access/clock.py)."""

    def __init__(self, monkeypatch):
        self.at = datetime(2026, 3, 4, 9, 0)
        monkeypatch.setattr(clock, "now", lambda: self.at)

    def forward(self, **delta) -> None:
        self.at += timedelta(**delta)


@pytest.fixture()
def people(db):
    """The sample with an admin and an editor, on each engine."""
    accounts.add_user(db, "root", "admin", PASSWORD, ADMIN)
    accounts.add_user(db, "王科员", "editor", PASSWORD, ADMIN)
    return db


def _signed_in(database, name: str = "root", address: str = "10.0.0.1", device: str | None = None) -> Actor:
    actor = sign_in(database, name, PASSWORD, Client(address, device)).actor
    assert actor is not None
    return actor


def _cookie(database, actor: Actor) -> tuple[str, str, str]:
    """A session started and its cookie taken, as the browser does: (session id, token, device token)."""
    started = sessions.start(database, actor, "10.0.0.1", "Chromium")
    assert started.grant is not None
    token, device, seconds = sessions.redeem(database, started.grant)
    assert seconds == 8 * 3600
    return started.session_id, token, device


# (what happens after the cookie was taken, whether a copy of it still signs in)
STORIES = [
    ("nothing", True),
    ("an hour later", True),
    ("signed out", False),
    ("a new password", False),
    ("a new role", False),
    ("the account removed", False),
    ("signed out everywhere", False),
    ("left idle past the limit", False),
    ("past its hours", False),
]


@pytest.mark.parametrize(("story", "signs_in"), STORIES)
def test_a_copied_cookie_stops_working_when_the_session_ends(people, monkeypatch, story, signs_in):
    now = Clock(monkeypatch)
    session_id, token, _ = _cookie(people, _signed_in(people))
    if story == "an hour later":
        for _ in range(6):  # used now and then: each use starts its idle time again
            now.forward(minutes=10)
            assert sessions.check(people, session_id)
    elif story == "signed out":
        sessions.end(people, session_id)
    elif story == "a new password":
        accounts.set_password(people, "root", "another password", ADMIN)
    elif story == "a new role":
        accounts.add_user(people, "second", "admin", PASSWORD, ADMIN)
        accounts.set_role(people, "root", "viewer", ADMIN)
    elif story == "the account removed":
        accounts.add_user(people, "second", "admin", PASSWORD, ADMIN)
        accounts.remove_user(people, "root", ADMIN)
    elif story == "signed out everywhere":
        accounts.sign_out_everywhere(people, "root", ADMIN)
    elif story == "left idle past the limit":
        now.forward(minutes=121)
    elif story == "past its hours":
        for _ in range(9):
            now.forward(hours=1)
            sessions.check(people, session_id)
    resumed = sessions.resume(people, token)
    assert (resumed is not None) is signs_in
    assert (sessions.check(people, session_id) is not None) is signs_in  # the page it is open in, too
    if signs_in:
        assert (resumed[0].name, resumed[0].role, resumed[1]) == ("root", "admin", session_id)


def test_a_grant_buys_its_cookie_once_and_soon(people, monkeypatch):
    now = Clock(monkeypatch)
    started = sessions.start(people, _signed_in(people), "10.0.0.1", "Chromium")
    assert sessions.redeem(people, started.grant) is not None
    assert sessions.redeem(people, started.grant) is None  # used
    late = sessions.start(people, _signed_in(people), "10.0.0.1", "Chromium")
    now.forward(seconds=sessions.GRANT_SECONDS + 1)
    assert sessions.redeem(people, late.grant) is None  # expired
    assert sessions.redeem(people, "not a grant") is None and sessions.resume(people, "not a token") is None


def test_without_remembered_sign_ins_there_is_no_cookie_but_a_session_all_the_same(people, monkeypatch):
    monkeypatch.setenv("PILOT_SESSION_HOURS", "0")
    started = sessions.start(people, _signed_in(people), "10.0.0.1", "Chromium")
    assert started.grant is None and sessions.check(people, started.session_id).name == "root"
    assert list(sessions.active(people)["account"]) == ["root"]


def test_the_accounts_page_lists_the_running_sessions(people, monkeypatch):
    Clock(monkeypatch)
    mine, _, _ = _cookie(people, _signed_in(people))
    theirs, _, _ = _cookie(people, _signed_in(people, "王科员"))
    sessions.end(people, theirs)
    running = sessions.active(people)
    assert list(running["session_id"]) == [mine] and list(running["user_agent"]) == ["Chromium"]


# --- limits that slow guessing, never lock -------------------------------------------------------------------------


def _try(database, name: str, password: str, address: str = "10.0.0.9", device: str | None = None):
    return sign_in(database, name, password, Client(address, device))


def test_guessing_waits_longer_after_each_failure_up_to_half_a_minute(people, monkeypatch):
    now = Clock(monkeypatch)
    waits = []
    for _ in range(limits.FREE_TRIES + 7):
        attempt = _try(people, "root", "a guess")
        waits.append(attempt.wait)
        now.forward(seconds=attempt.wait)  # a patient guesser: each try once its wait is over
        if attempt.wait:
            assert _try(people, "root", "a guess").wait == 0  # not counted while waiting: checked, and wrong
    assert waits[: limits.FREE_TRIES] == [0] * limits.FREE_TRIES
    assert all(w <= limits.MAX_WAIT_S for w in waits)


def test_the_owner_signs_in_after_a_short_wait_not_a_lock(people, monkeypatch):
    now = Clock(monkeypatch)
    for _ in range(40):  # an attacker behind the same proxy address as the owner, as fast as it is let
        now.forward(seconds=_try(people, "root", "a guess").wait)
    now.forward(seconds=limits.MAX_WAIT_S)
    assert _try(people, "root", "a guess").wait == 0  # its latest guess, just now
    waiting = _try(people, "root", PASSWORD)
    assert waiting.actor is None and 0 < waiting.wait <= limits.MAX_WAIT_S  # the next try is taken in seconds
    now.forward(seconds=waiting.wait)
    assert _try(people, "root", PASSWORD).actor.name == "root"


def test_a_browser_that_signed_in_before_keeps_its_own_count(people, monkeypatch):
    now = Clock(monkeypatch)
    _, _, device = _cookie(people, _signed_in(people))
    for k in range(limits.NAME_FREE_TRIES + 20):  # guessing from everywhere at once
        _try(people, "root", "a guess", f"10.1.{k % 250}.{k // 250}")
    assert _try(people, "root", PASSWORD, "10.2.0.1").wait > 0  # a stranger waits
    assert _try(people, "root", PASSWORD, "10.0.0.9", device).actor.name == "root"  # the owner does not
    assert _try(people, "王科员", PASSWORD, "10.1.0.0").actor  # nor does anyone else
    now.forward(minutes=16)
    assert _try(people, "root", PASSWORD, "10.2.0.1").actor  # and the window passes


# (who sets root's new password, and whether root's browser is still trusted after it)
NEW_PASSWORDS = [("root", True), ("an admin", False)]


@pytest.mark.parametrize(("setter", "kept"), NEW_PASSWORDS)
def test_a_new_password_keeps_only_the_browser_of_whoever_set_their_own(people, monkeypatch, setter, kept):
    """Changing one's password under attack must not take away the browser that lets its owner in; an admin
    resetting someone's (it may have been stolen) makes every browser of theirs a stranger."""
    Clock(monkeypatch)
    root = _signed_in(people)
    _, _, device = _cookie(people, root)
    by = root if setter == "root" else ADMIN
    accounts.set_password(people, "root", "a new password", by, device=device)
    for k in range(limits.NAME_FREE_TRIES + 5):  # guessing from everywhere at once
        _try(people, "root", "a guess", f"10.1.{k % 250}.{k // 250}")
    assert (_try(people, "root", "a new password", "10.0.0.9", device).actor is not None) is kept


# (a spelling of a name, whether it signs in as root) — every spelling is the one name, with one count
SPELLINGS = [("root", True), ("ROOT", True), (" Root ", True), ("ｒｏｏｔ", True), ("rооt", False), ("roİt", False)]


@pytest.mark.parametrize(("spelling", "signs_in"), SPELLINGS)
def test_a_name_has_one_count_whatever_its_spelling(people, monkeypatch, spelling, signs_in):
    Clock(monkeypatch)
    assert (_try(people, spelling, PASSWORD).actor is not None) is signs_in
    for _ in range(limits.FREE_TRIES):
        _try(people, spelling, "a guess")
    for other in ("root", "ROOT", "ｒｏｏｔ"):  # the same name: its tries are used up, whatever the spelling
        assert (_try(people, other, PASSWORD).wait > 0) is signs_in


def test_dotted_capital_i_signs_in_as_nobody_else(people, monkeypatch):
    Clock(monkeypatch)
    accounts.add_user(people, "admin", "admin", PASSWORD, ADMIN)
    assert _try(people, "admİn", PASSWORD).actor is None  # U+0130: SQL's lower() made it admin
    with people.cursor() as cur:
        assert get_user(cur, "admİn") is None and get_user(cur, "ADMIN")["name"] == "admin"


# (a new account's name, refused with these words, or None when it is taken)
NEW_NAMES = [
    ("Root", "already exists"),
    ("ＲＯＯＴ", "already exists"),
    ("rоot", "not valid"),  # a Cyrillic о
    ("admın", "not valid"),  # a dotless ı
    ("admİn", "not valid"),
    ("張三", None),  # Chinese characters, traditional or simplified
    ("王芳", None),
    ("officer@example.org", None),
]


@pytest.mark.parametrize(("name", "words"), NEW_NAMES)
def test_a_name_that_passes_for_another_is_refused(people, name, words):
    if words is None:
        accounts.add_user(people, name, "viewer", PASSWORD, ADMIN)
        return
    with pytest.raises(Refused, match=words):
        accounts.add_user(people, name, "viewer", PASSWORD, ADMIN)


def test_an_unknown_name_and_an_old_cheap_hash_cost_the_same_checks(people, monkeypatch):
    checked: list[str] = []
    real = passwords._verify
    monkeypatch.setattr(passwords, "_verify", lambda stored, pw: checked.append(stored) or real(stored, pw))
    _try(people, "nobody", "a guess")
    assert len(checked) == 1  # the dummy hash, as long as a real one
    checked.clear()
    _try(people, "root", "a guess")
    assert len(checked) == 1
    monkeypatch.setenv("PILOT_ARGON2_PROFILE", "RFC_9106_LOW_MEMORY")
    passwords.hasher.cache_clear()
    try:
        checked.clear()
        _try(people, "root", "a guess")  # its hash is cheaper than today's: the dummy is checked too
        assert len(checked) == 2
        assert _try(people, "root", PASSWORD).actor  # and on a good sign-in it is made again, as today's
        with people.cursor() as cur:
            assert not passwords.needs_rehash(get_user(cur, "root")["password_hash"])
    finally:
        monkeypatch.delenv("PILOT_ARGON2_PROFILE")
        passwords.hasher.cache_clear()
        passwords._dummy_hash.cache_clear()


# (the peer, X-Forwarded-For, the trusted proxies, the address taken)
ADDRESSES = [
    ("203.0.113.5", None, "", "203.0.113.5"),
    ("203.0.113.5", "1.2.3.4", "", "203.0.113.5"),  # not a trusted proxy: its header is not believed
    ("127.0.0.1", "198.51.100.7", "127.0.0.1", "198.51.100.7"),  # nginx on the same machine
    ("127.0.0.1", "6.6.6.6, 198.51.100.7", "127.0.0.1", "198.51.100.7"),  # a client's own header is not believed
    ("10.0.0.2", "198.51.100.7, 10.0.0.3", "10.0.0.0/8", "198.51.100.7"),  # two proxies of ours
    ("127.0.0.1", None, "127.0.0.1", "127.0.0.1"),
]


@pytest.mark.duckdb_only
@pytest.mark.parametrize(("peer", "forwarded", "trusted", "address"), ADDRESSES)
def test_a_proxys_word_is_taken_only_when_it_is_trusted(peer, forwarded, trusted, address):
    assert limits.client_address(peer, forwarded, limits.trusted_proxies(trusted)) == address


@pytest.mark.duckdb_only
@pytest.mark.parametrize(
    ("trusted", "uvicorn"), [("", ""), ("127.0.0.1", "127.0.0.1/32"), ("10.0.0.0/8, ::1", "10.0.0.0/8,::1/128")]
)
def test_the_server_believes_x_forwarded_for_from_the_same_proxies_as_sign_in(monkeypatch, trusted, uvicorn):
    """uvicorn rewrites the client's address from X-Forwarded-For before the app sees it, by default for any program
    on this machine: the launcher gives it PILOT_TRUSTED_PROXIES instead."""
    from ui import serve

    monkeypatch.setenv("PILOT_TRUSTED_PROXIES", trusted)
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "127.0.0.1")
    serve.trust_only_our_proxies()
    assert os.environ["FORWARDED_ALLOW_IPS"] == uvicorn


# (Origin, Host, X-Forwarded-Host, the peer, whether the request is let in)
ORIGINS = [
    ("http://dash:8501", "dash:8501", None, "10.0.0.9", True),
    ("https://dash.example.org", "dash.example.org", None, "127.0.0.1", True),  # https at nginx, http to us
    ("http://DASH:8501", "dash:8501", None, "10.0.0.9", True),
    (None, "dash:8501", None, "10.0.0.9", True),  # not a browser's request
    ("http://dash:9999", "dash:8501", None, "10.0.0.9", False),  # another port of the same host
    ("http://evil.example", "dash:8501", None, "10.0.0.9", False),
    ("null", "dash:8501", None, "10.0.0.9", False),
    ("http://dash.example.org", "127.0.0.1:8501", "dash.example.org", "127.0.0.1", True),  # a trusted proxy's word
    ("http://dash.example.org", "127.0.0.1:8501", "dash.example.org", "10.0.0.9", False),  # anyone else's
    ("http://evil.example", "127.0.0.1:8501", "dash.example.org", "127.0.0.1", False),
]


@pytest.mark.duckdb_only
@pytest.mark.parametrize(("origin", "host", "forwarded", "peer", "let_in"), ORIGINS)
def test_only_the_apps_own_pages_reach_its_websocket_and_routes(monkeypatch, origin, host, forwarded, peer, let_in):
    from starlette.datastructures import Headers

    from server import same_origin

    monkeypatch.setenv("PILOT_TRUSTED_PROXIES", "127.0.0.1")
    sent = (
        {"host": host} | ({"origin": origin} if origin else {}) | ({"x-forwarded-host": forwarded} if forwarded else {})
    )
    assert same_origin(Headers(sent), (peer, 5000)) is let_in


@pytest.mark.duckdb_only
def test_the_readmes_nginx_example_repeats_the_apps_own_headers():
    from pathlib import Path

    from server import SECURITY_HEADERS

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name, value in SECURITY_HEADERS.items():
        spelt = {
            "content-security-policy": "Content-Security-Policy",
            "x-frame-options": "X-Frame-Options",
            "x-content-type-options": "X-Content-Type-Options",
            "referrer-policy": "Referrer-Policy",
        }[name]
        quoted = f'"{value}"' if " " in value else value
        assert f"add_header {spelt} {quoted} always;" in readme, name


def test_a_version_6_database_gains_sign_in_state_and_compares_its_names_one_way(db):
    from older_schemas import SIGN_IN_UNDONE, drop_name_key_index

    from metrics.store.meta import get_meta, set_meta
    from metrics.store.schema import SCHEMA_VERSION, migrate
    from metrics.store.transactions import transaction

    drop_name_key_index(db)
    with db.write_lock, db.cursor() as cur, transaction(cur):  # back to version 6, an account made then
        for statement in SIGN_IN_UNDONE:
            cur.execute(statement)
        cur.execute("INSERT INTO users (name, role, password_hash) VALUES ('Ｒoot', 'admin', $h)",
                    {"h": passwords.hashed(PASSWORD)})  # fmt: skip
        set_meta(cur, "schema_version", "6")
    with db.write_lock, db.cursor() as cur:
        migrate(cur)
        assert get_meta(cur, "schema_version") == str(SCHEMA_VERSION)
        assert get_user(cur, "root")["name"] == "Ｒoot"  # found by the name as compared, in any width and case
    assert _try(db, "ROOT", PASSWORD).actor.name == "Ｒoot"
    assert sessions.active(db).empty


def test_names_that_compared_apart_before_version_7_are_never_taken_for_each_other(db):
    """A version 6 database could hold straße and STRASSE, li and ＬＩ (compared by lower() then): after migration
    each signs in by its exact name only, never as the other, until all but one are removed."""
    from older_schemas import SIGN_IN_UNDONE, drop_name_key_index

    from metrics.store.accounts import list_users
    from metrics.store.meta import set_meta
    from metrics.store.schema import migrate
    from metrics.store.transactions import transaction

    made = {"straße": ("admin", "admin's own"), "STRASSE": ("viewer", "viewer's own"), "li": ("admin", "li's own"),
            "ＬＩ": ("viewer", "wide li's own"), "root": ("admin", PASSWORD)}  # fmt: skip
    drop_name_key_index(db)
    with db.write_lock, db.cursor() as cur, transaction(cur):
        for statement in SIGN_IN_UNDONE:
            cur.execute(statement)
        for name, (role, password) in made.items():
            cur.execute("INSERT INTO users (name, role, password_hash) VALUES ($n, $r, $h)",
                        {"n": name, "r": role, "h": passwords.hashed(password)})  # fmt: skip
        set_meta(cur, "schema_version", "6")
    with db.write_lock, db.cursor() as cur:
        migrate(cur)
    for _ in range(2):  # the same password set twice: the row order that once decided who signed in changes
        accounts.set_password(db, "STRASSE", "viewer's own", ADMIN)
    cases = [  # typed name, password, who signs in (None: nobody)
        ("straße", "admin's own", ("straße", "admin")),
        ("STRASSE", "viewer's own", ("STRASSE", "viewer")),
        ("STRASSE", "admin's own", None),
        ("Strasse", "admin's own", None),  # compares equal to both: exact names only
        ("li", "li's own", ("li", "admin")),
        ("ＬＩ", "wide li's own", ("ＬＩ", "viewer")),
        ("LI", "li's own", None),
        ("ROOT", PASSWORD, ("root", "admin")),  # names that clash with none compare as ever
    ]
    for typed, password, expected in cases:
        actor = _try(db, typed, password, address=f"10.1.0.{len(typed)}").actor
        assert (actor and (actor.name, actor.role)) == expected, typed
    with db.cursor() as cur:
        users = list_users(cur)
    assert set(users.loc[users["exact_name_only"], "name"]) == {"straße", "STRASSE", "li", "ＬＩ"}
    assert "STRASSE" in accounts.exact_names_notice(users)("en")
    with pytest.raises(Refused):
        accounts.add_user(db, "strasse", "viewer", "a new one's", ADMIN)  # would pass for both
    accounts.remove_user(db, "STRASSE", ADMIN)
    assert _try(db, "Strasse", "admin's own").actor.name == "straße"  # the one left compares as any name does
    with db.cursor() as cur:
        assert set(list_users(cur).query("exact_name_only")["name"]) == {"li", "ＬＩ"}
