"""Backups that cannot be forged: a signed manifest, refused when unsigned or signed with another key unless confirmed
as made elsewhere, and what a restore does to the accounts said first; sign-in state never backed up. The keys that
sign them are tests/test_backup_keys.py's; interrupted backups' folders, tests/test_interrupted_backups.py's."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ADMIN, copy_sample
from streamlit.testing.v1 import AppTest

from metrics.cli import main
from metrics.domain.i18n import Refused
from metrics.store import backup_creation, backups, kept_backups, plain_files
from metrics.store.accounts import insert_user
from metrics.store.backup_accounts import AccountChanges, BadAccounts, compare, in_parquet
from metrics.store.catalogue import table_names
from metrics.store.database import Database, open_database
from metrics.store.transactions import transaction

pytestmark = pytest.mark.both_engines

ROOT = Path(__file__).resolve().parent.parent
HASH = "$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$forged"  # what a forger puts in: any hash of a password they know


# --- helpers ---------------------------------------------------------------------------------------------------


def _add_accounts(database: Database, *people: tuple[str, str]) -> None:
    with database.cursor() as cur, transaction(cur):
        for name, role in people:
            insert_user(cur, name, role, HASH, "pytest")


def _accounts(database_name: str) -> dict[str, str]:
    """Every account's role, read from a database that is closed again (so a command can open it as its own)."""
    database = open_database(database_name)
    try:
        with database.cursor() as cur:
            return dict(cur.execute("SELECT name, role FROM users").fetchall())
    finally:
        database.close()


def _row_counts(database_name: str) -> dict[str, int]:
    database = open_database(database_name)
    try:
        with database.cursor() as cur:
            return {t: cur.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in table_names(cur)}
    finally:
        database.close()


def _manifest(folder: Path) -> dict:
    return json.loads((folder / backups.MANIFEST).read_text(encoding="utf-8"))


def _write_manifest(folder: Path, manifest: dict) -> None:
    (folder / backups.MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def _plant_admin(folder: Path, name: str = "mallory") -> None:
    """Add an admin to the backup's users table and write the table's row count and sha256 into its manifest, as
    anyone who can write to the folder can: the checksums then match, the signature does not."""
    path = folder / backups.TABLES / "users.parquet"
    table = pq.read_table(path)
    row = {column: [None] for column in table.column_names}
    row |= {"name": [name], "role": ["admin"], "password_hash": [HASH], "created_at": [datetime.now(UTC)]}
    if "name_key" in row:
        row["name_key"] = [name]
    for field in table.schema:
        if row[field.name] == [None] and not field.nullable:
            row[field.name] = [datetime.now(UTC) if pa.types.is_timestamp(field.type) else "forger"]
    pq.write_table(pa.concat_tables([table, pa.Table.from_pydict(row, schema=table.schema)]), path)
    manifest = _manifest(folder)
    manifest["tables"]["users"] = {"rows": table.num_rows + 1, "sha256": plain_files.sha256_of_plain(path)}
    _write_manifest(folder, manifest)


def _remove_signature(folder: Path) -> None:  # as a backup made before backups were signed
    manifest = _manifest(folder)
    del manifest["signature"]
    _write_manifest(folder, manifest)


def _sign_with(folder: Path, key: bytes) -> None:
    manifest = _manifest(folder)
    manifest["signature"] = backups.signature_of(key, manifest)
    _write_manifest(folder, manifest)


def _other_database(tmp_path: Path, sample_file: Path) -> Database:
    """Another database, in a folder (and so with a backup key) of its own."""
    return open_database(copy_sample(sample_file, tmp_path / "elsewhere" / "pilot.duckdb"))


# --- tampered and foreign backups --------------------------------------------------------------------------------


def _tampered_keeping_the_signature(db, folder, tmp_path, sample_file):
    _plant_admin(folder)


def _tampered_without_signature(db, folder, tmp_path, sample_file):
    _plant_admin(folder)
    _remove_signature(folder)


def _tampered_with_another_backups_signature(db, folder, tmp_path, sample_file):
    backup_creation.create(db, tmp_path / "later")
    _plant_admin(folder)
    manifest = _manifest(folder)
    manifest["signature"] = _manifest(tmp_path / "later")["signature"]
    _write_manifest(folder, manifest)


def _tampered_and_signed_with_a_guessed_key(db, folder, tmp_path, sample_file):
    _plant_admin(folder)
    _sign_with(folder, secrets.token_hex(32).encode())


def _made_by_another_database(db, folder, tmp_path, sample_file):
    """A backup of another database, with an admin of its own, signed with that database's key."""
    other = _other_database(tmp_path, sample_file)
    _add_accounts(other, ("mallory", "admin"))
    shutil.rmtree(folder, ignore_errors=True)
    backup_creation.create(other, folder)
    other.close()


# (how the backup comes to be what it is, what the refusal says)
NOT_SIGNED_HERE = {
    "an admin added, the signature kept": (_tampered_keeping_the_signature, "not signed with this database's"),
    "an admin added, the signature removed": (_tampered_without_signature, "made before backups were signed"),
    "an admin added, another backup's signature": (
        _tampered_with_another_backups_signature,
        "not signed with this database's",
    ),
    "an admin added, signed with a guessed key": (_tampered_and_signed_with_a_guessed_key, "not signed with this"),
    "made by another database (foreign)": (_made_by_another_database, "made elsewhere"),
}


@pytest.fixture()
def signed_backup(db, tmp_path) -> tuple[Database, Path]:
    """A database with an admin and a viewer, and a backup of it."""
    _add_accounts(db, ("root", "admin"), ("viewer", "viewer"))
    backup_creation.create(db, tmp_path / "backup")
    return db, tmp_path / "backup"


@pytest.mark.parametrize("case", list(NOT_SIGNED_HERE))
def test_a_backup_this_key_did_not_sign_is_refused_without_foreign(signed_backup, tmp_path, sample_file, capsys, case):
    db, folder = signed_backup
    spoil, message = NOT_SIGNED_HERE[case]
    spoil(db, folder, tmp_path, sample_file)
    db.close()
    before, counts = _accounts(db.name), _row_counts(db.name)

    assert main(["restore", str(folder), "--yes", "--db", db.name, "--lang", "en"]) == 1

    err = capsys.readouterr().err
    assert message in err and "Nothing was written" in err and "--foreign" in err, err
    assert "mallory (admin)" in err and "makes an admin of: mallory" in err, "what it would bring in is said"
    assert _accounts(db.name) == before and _row_counts(db.name) == counts


@pytest.mark.parametrize("case", list(NOT_SIGNED_HERE))
def test_the_same_backup_restores_with_foreign_saying_who_becomes_an_admin(
    signed_backup, tmp_path, sample_file, capsys, case
):
    db, folder = signed_backup
    NOT_SIGNED_HERE[case][0](db, folder, tmp_path, sample_file)
    db.close()

    assert main(["restore", str(folder), "--yes", "--foreign", "--db", db.name, "--lang", "en"]) == 0

    out = capsys.readouterr()
    assert "adds mallory (admin)" in out.out and "Restored the backup" in out.out, out.out
    assert "makes an admin of: mallory" in out.err and "confirmed with --foreign" in out.err, out.err
    assert _accounts(db.name)["mallory"] == "admin"


@pytest.mark.duckdb_only
@pytest.mark.parametrize(("foreign", "status"), [([], 1), (["--foreign"], 0)])
def test_the_command_in_a_process_of_its_own_exits_as_it_says(signed_backup, tmp_path, sample_file, foreign, status):
    """As a user runs it: the exit status is the command's, whatever the libraries left running at exit."""
    db, folder = signed_backup
    _tampered_without_signature(db, folder, tmp_path, sample_file)
    db.close()
    for attempt in range(3):  # an abort at exit came every other run or so
        done = subprocess.run(
            [sys.executable, "-m", "metrics", "restore", str(folder), "--yes", *foreign, "--db", db.name],
            cwd=ROOT, capture_output=True, text=True, timeout=120, env=os.environ | {"PILOT_LANG": "en"},
        )  # fmt: skip
        assert done.returncode == status and "Traceback" not in done.stderr, done.stderr
        assert ("makes an admin of: mallory" in done.stderr) is (status == 1 or attempt == 0)  # then she is one


def test_a_foreign_backup_restores_without_foreign_once_its_key_is_carried_over(db, tmp_path, sample_file, capsys):
    _made_by_another_database(db, tmp_path / "backup", tmp_path, sample_file)  # (its folder made, then replaced)
    db.close()
    key = tmp_path / "elsewhere" / backups.KEY_FILE
    db.folder.mkdir(parents=True, exist_ok=True)
    (db.folder / backups.KEY_FILE).write_bytes(key.read_bytes())  # as `cp -p`: the same key, readable by its owner
    os.chmod(db.folder / backups.KEY_FILE, 0o600)

    assert main(["restore", str(tmp_path / "backup"), "--yes", "--db", db.name, "--lang", "en"]) == 0
    assert "adds mallory (admin)" in capsys.readouterr().out


# (what changed in the database since the signed backup; what the restore says it does to the accounts; whether it
# says, on stderr too, that it makes an admin)
SIGNED_CHANGES = {
    "nothing": (lambda db: None, "The accounts stay as they are.", False),
    "an account added": (lambda db: _add_accounts(db, ("newcomer", "editor")), "removes newcomer (editor)", False),
    "an account removed": (lambda db: _sql(db, "DELETE FROM users WHERE name = 'viewer'"), "adds viewer", False),
    "an admin demoted": (
        lambda db: _sql(db, "UPDATE users SET role = 'editor' WHERE name = 'root'"),
        "changes roles: root editor → admin",
        True,
    ),
    "a password changed": (
        lambda db: _sql(db, "UPDATE users SET password_hash = 'another' WHERE name = 'viewer'"),
        "sets the passwords of viewer to the backup's",
        False,
    ),
}


def _sql(database: Database, statement: str) -> None:
    with database.cursor() as cur, transaction(cur):
        cur.execute(statement)


@pytest.mark.parametrize("change", list(SIGNED_CHANGES))
def test_a_signed_backup_restores_as_before_saying_what_it_does_to_the_accounts(signed_backup, capsys, change):
    db, folder = signed_backup
    make_change, said, makes_admin = SIGNED_CHANGES[change]
    make_change(db)
    db.close()

    assert main(["restore", str(folder), "--yes", "--db", db.name, "--lang", "en"]) == 0

    out = capsys.readouterr()
    assert said in out.out and "Restored the backup" in out.out, out.out
    assert ("makes an admin of: root" in out.err) is makes_admin
    assert _accounts(db.name) == {"root": "admin", "viewer": "viewer"}


def test_the_signature_covers_the_manifest_not_its_spacing_or_key_order(signed_backup):
    db, folder = signed_backup
    manifest = _manifest(folder)
    (folder / backups.MANIFEST).write_text(json.dumps(dict(reversed(manifest.items()))), encoding="utf-8")
    assert backups.verify(db, folder).signed
    _write_manifest(folder, manifest | {"data_version": manifest["data_version"] + 1})  # any change at all
    assert backups.check(db, folder).signature == backups.OTHER_KEY


def test_a_restore_refuses_when_the_accounts_are_not_what_was_shown(signed_backup):
    db, folder = signed_backup
    shown = backups.check(db, folder).accounts
    _add_accounts(db, ("newcomer", "viewer"))  # by someone else, after the admin looked
    with pytest.raises(Refused, match="changed since you looked"):
        backups.restore(db, folder, ADMIN, expected_accounts=shown)
    with db.cursor() as cur:
        assert cur.execute("SELECT count(*) FROM users WHERE name = 'newcomer'").fetchone()[0] == 1


CLASHING = [("straße", "admin", "h"), ("STRASSE", "viewer", "g")]

# (accounts before, accounts after, what changes)
ACCOUNT_CHANGES = [
    ([], [], AccountChanges()),
    ([("root", "admin", "h")], [("Root", "admin", "h")], AccountChanges()),  # names compare as sign-in does
    ([], [("eve", "admin", "h")], AccountChanges(added=(("eve", "admin"),))),
    ([("ed", "editor", "h")], [("ed", "admin", "h")], AccountChanges(roles=(("ed", "editor", "admin"),))),
    ([("ed", "admin", "h")], [("ed", "viewer", "h")], AccountChanges(roles=(("ed", "admin", "viewer"),))),
    ([("ed", "editor", "h")], [("ed", "editor", "g")], AccountChanges(passwords=("ed",))),
    ([("ed", "editor", "h")], [("ed", "editor", None)], AccountChanges(passwords=("ed",))),
    ([("ed", "editor", "h")], [], AccountChanges(removed=(("ed", "editor"),), none_left=True)),
    (CLASHING, CLASHING, AccountChanges()),  # names made before they compared as one: each by its exact name
    (CLASHING, CLASHING[:1], AccountChanges(removed=(("STRASSE", "viewer"),))),
    (CLASHING[:1], CLASHING[1:], AccountChanges(roles=(("STRASSE", "admin", "viewer"),), passwords=("STRASSE",))),
    (
        [*CLASHING[:1], ("ed", "editor", "h")],
        [*CLASHING[1:], ("ed", "editor", "h")],
        AccountChanges(roles=(("STRASSE", "admin", "viewer"),), passwords=("STRASSE",)),
    ),
]


@pytest.mark.parametrize(("before", "after", "changes"), ACCOUNT_CHANGES)
def test_what_a_restore_does_to_the_accounts(before, after, changes):
    found = compare(before, after)
    assert found == changes
    assert found.admins == tuple(n for n, r in changes.added if r == "admin") + tuple(
        n for n, _, r in changes.roles if r == "admin"
    )
    assert found.text().zh and found.text().en


# (names in a backup's users table, their name_key column or None for a table without it, whether it is refused)
USERS_TABLES = [
    (["root", "ＥＤ"], ["root", "ed"], False),
    (["root"], ["admin"], True),  # a key of another name: sign-in would find the wrong account
    (["root", "Root"], ["root", "root"], True),
    (["straße", "STRASSE"], [None, None], False),  # made before names compared as one: found by exact names only
    (["straße", "STRASSE"], ["strasse", None], True),
    (["straße", "STRASSE"], None, True),
    (["root"], [None], True),
]


@pytest.mark.parametrize(("names", "keys", "refused"), USERS_TABLES)
def test_a_backups_users_table_finds_every_account_by_its_own_name(names, keys, refused):
    columns = {"name": names, "role": ["viewer"] * len(names), "password_hash": ["h"] * len(names)}
    table = pa.table(columns | ({"name_key": pa.array(keys, pa.string())} if keys is not None else {}))
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    if refused:
        with pytest.raises(BadAccounts):
            in_parquet(sink.getvalue().to_pybytes())
    else:
        assert [name for name, _, _ in in_parquet(sink.getvalue().to_pybytes())] == names


# --- sign-in state -------------------------------------------------------------------------------------------------


def test_a_backup_holds_no_sign_in_state_and_no_key_and_a_restore_ends_every_session(signed_backup, tmp_path):
    db, _ = signed_backup
    _sql(db, "INSERT INTO sessions (session_id, account, via, expires_at) VALUES ('s1', 'root', 'password', "
         "TIMESTAMP '2999-01-01 00:00:00')")  # fmt: skip
    manifest = backup_creation.create(db, tmp_path / "second")
    assert not set(backups.NOT_BACKED_UP) & set(manifest.tables)
    assert not set(backups.NOT_BACKED_UP) & {p.stem for p in (tmp_path / "second" / backups.TABLES).iterdir()}
    key = (db.folder / backups.KEY_FILE).read_bytes()
    assert len(key) == 64 and not any(key in p.read_bytes() for p in (tmp_path / "second").rglob("*") if p.is_file())

    backups.restore(db, tmp_path / "second", ADMIN)

    with db.cursor() as cur:
        ended = cur.execute("SELECT ended_at IS NOT NULL, ended_why FROM sessions WHERE session_id = 's1'").fetchone()
    assert ended == (True, "restore")


def test_sign_in_state_in_a_backup_is_never_restored(signed_backup, tmp_path):
    """A backup that holds a sessions table (made elsewhere, by a forger) restores without it."""
    db, folder = signed_backup
    path = folder / backups.TABLES / "sessions.parquet"
    row = {"session_id": ["planted"], "account": ["root"], "via": ["password"], "expires_at": [datetime(2999, 1, 1)]}
    pq.write_table(pa.Table.from_pydict(row), path)
    manifest = _manifest(folder)
    manifest["tables"]["sessions"] = {"rows": 1, "sha256": plain_files.sha256_of_plain(path)}
    _write_manifest(folder, manifest)

    backups.restore(db, folder, ADMIN, foreign=True)

    with db.cursor() as cur:
        assert cur.execute("SELECT count(*) FROM sessions WHERE session_id = 'planted'").fetchone()[0] == 0


# --- the Accounts and backups page ----------------------------------------------------------------------------------


@pytest.mark.duckdb_only
def test_the_page_asks_twice_for_an_unsigned_backup_and_says_who_becomes_an_admin(app_db, tmp_path, monkeypatch):
    monkeypatch.setenv("PILOT_BACKUP_DIR", str(tmp_path / "kept"))
    database = open_database(app_db)
    path, _ = kept_backups.create_kept(database, tmp_path / "kept", keep=3)
    _plant_admin(path)
    _remove_signature(path)  # as one made before backups were signed
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    at.switch_page("app_pages/admin.py").run()
    assert not at.exception, [e.value for e in at.exception]

    assert "made before backups were signed" in _shown(at.warning)
    assert "adds mallory (admin)" in _shown(at.warning) and "makes an admin of: mallory" in _shown(at.error)
    at.checkbox(key="restore_sure").check().run()
    assert at.button(key="restore_button").proto.disabled, "not without saying it was made elsewhere"
    at.checkbox(key="restore_foreign").check().run()
    assert not at.button(key="restore_button").proto.disabled
    at.button(key="restore_button").click().run()

    with database.cursor() as cur:
        assert cur.execute("SELECT role FROM users WHERE name = 'mallory'").fetchone() == ("admin",)


@pytest.mark.duckdb_only
def test_the_page_restores_a_signed_backup_with_one_confirmation(app_db, tmp_path, monkeypatch):
    monkeypatch.setenv("PILOT_BACKUP_DIR", str(tmp_path / "kept"))
    database = open_database(app_db)
    _add_accounts(database, ("root", "admin"))
    kept_backups.create_kept(database, tmp_path / "kept", keep=3)
    _sql(database, "DELETE FROM users")  # local single-user mode again: whoever opens the page is its admin
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    at.switch_page("app_pages/admin.py").run()

    assert "not signed" not in _shown(at.warning)
    assert not _has(at, "restore_foreign"), "signed here: one confirmation"
    assert "adds root (admin)" in _shown(at.warning) and "makes an admin of: root" in _shown(at.error)
    at.checkbox(key="restore_sure").check().run()
    at.button(key="restore_button").click().run()

    with database.cursor() as cur:
        assert cur.execute("SELECT role FROM users WHERE name = 'root'").fetchone() == ("admin",)


def _shown(elements) -> str:
    """What a page's messages say, Markdown's escapes taken out."""
    return "\n".join(e.value.replace("\\", "") for e in elements)


def _has(at: AppTest, key: str) -> bool:
    try:
        at.checkbox(key=key)
    except KeyError:
        return False
    return True
