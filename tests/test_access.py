"""Access: roles, accounts, sign-in, and that no route lets a viewer change anything."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import copy_sample
from streamlit.testing.v1 import AppTest

from metrics.access import accounts, sessions
from metrics.access.sign_in import Client, identity_actor, sign_in
from metrics.cli import main
from metrics.domain.i18n import Refused
from metrics.domain.roles import Actor, Forbidden, cli_actor, require
from metrics.ingest import uploads
from metrics.store.accounts import get_user, list_users
from metrics.store.creation import initialise
from metrics.store.database import open_database
from metrics.store.meta import data_version
from metrics.store.uploads import upload_history

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
ADMIN = cli_actor("pytest")
PASSWORD = "correct horse"


def who_signs_in(database, name: str, password: str, address: str = "10.0.0.1") -> Actor | None:
    """Who a name and password sign in, from an address."""
    return sign_in(database, name, password, Client(address)).actor


# (role, ability, allowed)
ABILITIES = [
    ("viewer", "view", True),
    ("viewer", "edit", False),
    ("viewer", "admin", False),
    ("editor", "view", True),
    ("editor", "edit", True),
    ("editor", "admin", False),
    ("admin", "view", True),
    ("admin", "edit", True),
    ("admin", "admin", True),
]


@pytest.mark.parametrize(("role", "ability", "allowed"), ABILITIES)
def test_roles_and_abilities(role, ability, allowed):
    actor = Actor("x", role, "password")
    assert actor.may(ability) is allowed
    if allowed:
        assert require(actor, ability) is actor
    else:
        with pytest.raises(Forbidden):
            require(actor, ability)


def test_nobody_signed_in_may_do_nothing():
    with pytest.raises(Forbidden) as exc:
        require(None, "view")
    assert "not signed in" in exc.value.text("en") and "未登录" in exc.value.text("zh")


@pytest.fixture()
def people(empty_db):
    """A database with an admin, an editor, a viewer and an identity-provider account."""
    accounts.add_user(empty_db, "root", "admin", PASSWORD, ADMIN)
    accounts.add_user(empty_db, "王科员", "editor", PASSWORD, ADMIN)
    accounts.add_user(empty_db, "viewer", "viewer", PASSWORD, ADMIN)
    accounts.add_user(empty_db, "Officer@Example.org", "editor", None, ADMIN)
    return empty_db


# (name, password, who signs in)
SIGN_INS = [
    ("root", PASSWORD, ("root", "admin")),
    ("王科员", PASSWORD, ("王科员", "editor")),
    (" viewer ", PASSWORD, ("viewer", "viewer")),
    ("viewer", "wrong password", None),
    ("nobody", PASSWORD, None),
    ("officer@example.org", "", None),  # an identity-provider account has no password to sign in with
]


@pytest.mark.parametrize(("name", "password", "expected"), SIGN_INS)
def test_sign_in(people, name, password, expected):
    actor = who_signs_in(people, name, password)
    assert (actor and (actor.name, actor.role)) == expected or (actor is None and expected is None)


def test_passwords_are_stored_as_argon2_hashes(people):
    with people.cursor() as cur:
        stored = get_user(cur, "root")["password_hash"]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_identity_provider_accounts_match_on_email(people):
    actor = identity_actor(people, "OFFICER@example.org")
    assert (actor.name, actor.role, actor.via) == ("officer@example.org", "editor", "oidc")
    assert identity_actor(people, "stranger@example.org") is None
    assert identity_actor(people, None) is None


# (action, arguments, words in the English refusal)
REFUSALS = [
    (accounts.add_user, ("root", "viewer", PASSWORD), "already exists"),
    (accounts.add_user, ("new", "viewer", "short"), "at least 8"),
    (accounts.add_user, ("bad name", "viewer", PASSWORD), "not valid"),
    (accounts.add_user, ("no-email", "viewer", None), "e-mail address"),
    (accounts.add_user, ("new", "superuser", PASSWORD), "must be one of"),
    (accounts.set_role, ("root", "viewer"), "only admin"),
    (accounts.set_role, ("nobody", "viewer"), "no account named"),
    (accounts.remove_user, ("root",), "only admin"),
    (accounts.set_password, ("nobody", PASSWORD), "no account named"),
]


@pytest.mark.parametrize(("action", "arguments", "words"), REFUSALS)
def test_account_changes_refused(people, action, arguments, words):
    with people.cursor() as cur:
        before = list_users(cur)
    with pytest.raises(Refused) as exc:
        action(people, *arguments, ADMIN)
    assert words in exc.value.text("en")
    with people.cursor() as cur:
        assert list_users(cur).equals(before)


def test_the_first_account_must_be_an_admin(empty_db):
    with pytest.raises(Refused, match="must be an admin"):
        accounts.add_user(empty_db, "ed", "editor", PASSWORD, ADMIN)
    assert not accounts.accounts_configured(empty_db)


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_only_admins_manage_accounts(people, role):
    with pytest.raises(Forbidden):
        accounts.add_user(people, "new", "viewer", PASSWORD, Actor("x", role, "password"))


def test_people_change_their_own_password_only(people):
    viewer = Actor("viewer", "viewer", "password")
    accounts.set_password(people, "viewer", "a new password", viewer)
    assert who_signs_in(people, "viewer", "a new password")
    with pytest.raises(Forbidden):
        accounts.set_password(people, "root", "a new password", viewer)


def test_a_role_change_ends_the_sessions_of_the_account(people):
    session = sessions.start(people, who_signs_in(people, "王科员", PASSWORD), "10.0.0.1", "a browser")
    assert sessions.check(people, session.session_id).role == "editor"
    accounts.set_role(people, "王科员", "viewer", ADMIN)
    assert sessions.check(people, session.session_id) is None  # signs in again, as what it now is


def test_a_viewer_cannot_upload_or_undo(db):
    data = (DATA / "good-utf8.csv").read_bytes()
    viewer = Actor("viewer", "viewer", "password")
    with db.cursor() as cur:
        version, count = data_version(cur), len(upload_history(cur))
    with pytest.raises(Forbidden):
        uploads.commit(db, uploads.prepare(db, data, "a.csv"), data, viewer)
    with pytest.raises(Forbidden):
        uploads.load(db, data, "a.csv", viewer)
    _, upload_id = uploads.load(db, data, "a.csv", Actor("ed", "editor", "password"))
    with pytest.raises(Forbidden):
        uploads.undo(db, upload_id, viewer)
    uploads.undo(db, upload_id, Actor("ed2", "editor", "password"))
    with db.cursor() as cur:
        history = upload_history(cur)
        assert len(history) == count + 1 and data_version(cur) == version + 2
    assert history.iloc[0][["created_by", "undone_by", "status"]].tolist() == ["ed", "ed2", "undone"]


# --- the CLI ---------------------------------------------------------------------------------------------


def run(capsys, monkeypatch, args: list[str], stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main([*args, "--lang", "en"])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_manages_accounts(tmp_path, capsys, monkeypatch):
    db = str(tmp_path / "cli.duckdb")
    initialise(db, with_sample=False).close()
    assert run(capsys, monkeypatch, ["user", "list", "--db", db])[1].startswith("No accounts")
    assert run(capsys, monkeypatch, ["user", "add", "ed", "--role", "editor", "--password-stdin", "--db", db],
               PASSWORD + "\n")[0] == 1  # fmt: skip  # the first must be an admin
    assert run(capsys, monkeypatch, ["user", "add", "root", "--role", "admin", "--password-stdin", "--db", db],
               PASSWORD + "\n")[:2] == (0, "Added the account root (admin).\n")  # fmt: skip
    assert run(capsys, monkeypatch, ["user", "add", "a@b.org", "--role", "viewer", "--oidc", "--db", db])[0] == 0
    assert run(capsys, monkeypatch, ["user", "role", "a@b.org", "editor", "--db", db])[0] == 0
    code, out, _ = run(capsys, monkeypatch, ["user", "list", "--json", "--db", db])
    listed = [{"name": "a@b.org", "role": "editor", "password": False},
              {"name": "root", "role": "admin", "password": True}]  # fmt: skip
    assert json.loads(out) == [account | {"exact_name_only": False} for account in listed]
    assert run(capsys, monkeypatch, ["user", "password", "root", "--db", db])[0] == 2  # no terminal, no stdin flag
    code, _, err = run(capsys, monkeypatch, ["user", "remove", "root", "--db", db])
    assert code == 1 and "only admin" in err
    assert run(capsys, monkeypatch, ["user", "remove", "a@b.org", "--db", db])[0] == 0
    assert run(capsys, monkeypatch, ["user", "add", "x", "--role", "boss", "--db", db])[0] == 2  # usage


# --- the app --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def accounts_file(sample_file, tmp_path_factory) -> Path:
    """The sample with an admin, an editor and a viewer, in a closed file, made once for this module."""
    path = copy_sample(sample_file, tmp_path_factory.mktemp("accounts") / "pilot.duckdb")
    database = open_database(path)
    accounts.add_user(database, "root", "admin", PASSWORD, ADMIN)
    accounts.add_user(database, "ed", "editor", PASSWORD, ADMIN)
    accounts.add_user(database, "viewer", "viewer", PASSWORD, ADMIN)
    database.close()
    return path


@pytest.fixture()
def app_accounts(accounts_file, tmp_path, monkeypatch) -> Path:
    """A copy of the sample with accounts of this test's own, which the app opens through PILOT_DB."""
    path = copy_sample(accounts_file, tmp_path / "data" / "pilot.duckdb")
    monkeypatch.setenv("PILOT_DB", str(path))
    return path


@pytest.fixture()
def shared_accounts(accounts_file, tmp_path_factory, monkeypatch) -> Path:
    """The module's sample with accounts, shared by the tests that only read it, opened by the app through
    PILOT_DB (so that the app's caches stay warm from test to test)."""
    monkeypatch.setenv("PILOT_DB", str(accounts_file))
    return accounts_file


def signed_in(name: str | None, password: str = PASSWORD) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    if name is not None:
        at.text_input(key="sign_in_name").input(name)
        at.text_input(key="sign_in_password").input(password)
        at.button[-1].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def nav_titles(at: AppTest) -> set[str]:
    """The pages st.navigation offered this run: its page files (the hidden helpers, such as a page's "needs the
    editor role" notice, are functions), or on the sign-in screen the sign-in form every address shows."""
    pages = at._registered_pages.values()
    return {p["page_name"] for p in pages if p["script_path"]} or {p["page_name"] for p in pages}


# (who signs in, pages they get, pages they do not)
NAVIGATION = [
    (None, {"Sign in"}, {"Overview", "Upload", "Accounts and backups"}),
    ("viewer", {"Overview", "Compare", "Deck", "About"}, {"Upload", "Accounts and backups", "Sign in"}),
    ("ed", {"Overview", "Upload"}, {"Accounts and backups"}),
    ("root", {"Overview", "Upload", "Accounts and backups"}, set()),
]


@pytest.mark.parametrize(("name", "present", "absent"), NAVIGATION)
def test_navigation_offers_only_what_the_role_may_use(shared_accounts, name, present, absent):
    at = signed_in(name)
    titles = nav_titles(at)
    assert present <= titles and not absent & titles, titles


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ("Pilot-city innovation dashboard", "pilot cities and parks", "Sample data:", "Sign in")),
        ("zh", ("试点城市创新仪表盘", "试点城市与园区", "示例数据：", "登录")),
    ],
)
def test_the_sign_in_page_says_what_the_tool_is_and_that_its_data_is_a_sample(shared_accounts, lang, words):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    name, purpose, sample, sign_in = words
    assert at.title[0].value == name and purpose in at.caption[0].value
    assert at.info[0].value.startswith(sample) and at.subheader[0].value == sign_in


def test_a_wrong_password_signs_nobody_in(shared_accounts):
    at = signed_in("root", "not the password")
    assert [e.value for e in at.error] == ["Wrong account name or password."]
    assert nav_titles(at) == {"Sign in"}


@pytest.mark.parametrize("page", ["upload", "admin"])
def test_a_viewer_has_no_write_page_to_switch_to(shared_accounts, page):
    at = signed_in("viewer")  # a direct URL falls back to the overview: tests/test_browser.py opens one
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(f"app_pages/{page}.py")


def test_signed_in_editor_uploads_under_their_name(app_accounts):
    at = signed_in("ed")
    at.switch_page("app_pages/upload.py").run()
    at.radio(key="lang").set_value("en").run()
    assert "Signed in as ed (editor)" in [c.value for c in at.sidebar.caption]
    assert not at.text_input  # the name is the account's, not typed
    at.get("file_uploader")[0].set_value(("a.csv", (DATA / "good-utf8.csv").read_bytes(), "text/csv")).run()
    at.button(key="upload_confirm").click().run()
    assert not at.exception
    database = open_database(app_accounts)
    with database.cursor() as cur:
        assert upload_history(cur).iloc[0]["created_by"] == "ed"


def test_local_mode_says_so(sample_app):
    at = signed_in(None)
    assert any("Local single-user mode" in c.value for c in at.sidebar.caption)
    assert "Accounts and backups" in nav_titles(at) and "Upload" in nav_titles(at)


def test_identity_provider_sign_in_maps_to_the_role(app_accounts):
    database = open_database(app_accounts)
    accounts.add_user(database, "officer@example.org", "viewer", None, ADMIN)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32}
    at.query_params["lang"] = "en"
    at.user = {"is_logged_in": True, "email": "Officer@example.org"}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Upload" not in nav_titles(at) and "Overview" in nav_titles(at)
    at.user = {"is_logged_in": True, "email": "stranger@example.org"}
    at.run()
    assert nav_titles(at) == {"Sign in"}
    assert any("stranger@example" in w.value for w in at.warning)  # shown escaped: stranger@example\\.org


def test_admin_backs_up_and_restores_in_the_app(app_accounts, tmp_path, monkeypatch):
    monkeypatch.setenv("PILOT_BACKUP_DIR", str(tmp_path / "kept"))
    at = signed_in("root")
    at.switch_page("app_pages/admin.py").run()
    at.radio(key="lang").set_value("en").run()
    assert {"ed", "root", "viewer"} <= set(at.dataframe[0].value.iloc[:, 0])  # the people, never their hashes
    at.button(key="backup_now").click().run()
    assert at.success and "Backed up to" in at.success[0].value
    database = open_database(app_accounts)
    accounts.remove_user(database, "viewer", ADMIN)  # a change made after the backup
    at.checkbox(key="restore_sure").check().run()
    at.button(key="restore_button").click().run()
    assert not at.exception and nav_titles(at) == {"Sign in"}  # a restore ends every session, the admin's too
    at.text_input(key="sign_in_name").input("root")
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button[-1].click().run()  # back on the page, which says what was done
    assert not at.exception and "Restored the backup" in at.success[0].value
    with database.cursor() as cur:
        assert get_user(cur, "viewer") is not None  # the account is back
    assert len(list((tmp_path / "kept").iterdir())) == 2  # the backup, and the one taken before restoring


@pytest.mark.parametrize(
    ("given", "found"),
    [("root", "root"), ("Root", "root"), (" ROOT ", "root"), ("Officer@Example.org", "officer@example.org")],
)
def test_account_names_are_matched_in_any_case(people, given, found):
    with pytest.raises(Refused, match="already exists"):
        accounts.add_user(people, given.upper(), "viewer", PASSWORD, ADMIN)
    accounts.set_role(people, given, "admin", ADMIN)
    with people.cursor() as cur:
        assert get_user(cur, given.strip())["name"] == found


# (what the provider reports, who signs in)
IDENTITIES = [
    (("officer@example.org", True), ("officer@example.org", "editor")),
    (("officer@example.org", None), ("officer@example.org", "editor")),  # providers that do not say
    (("officer@example.org", False), None),  # an address the provider has not verified
    (("root@example.org", True), None),  # no such account
]


@pytest.mark.parametrize(("reported", "expected"), IDENTITIES)
def test_identity_provider_accounts_only(people, reported, expected):
    accounts.add_user(people, "has.password@example.org", "admin", PASSWORD, ADMIN)
    actor = identity_actor(people, *reported)
    assert (actor.name, actor.role) == expected if expected else actor is None
    assert identity_actor(people, "has.password@example.org", True) is None  # needs its password
