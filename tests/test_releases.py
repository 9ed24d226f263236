"""Releases: a release's figures (every table it freezes) equal the working data at publication and stay so through
later uploads, undos, approvals, withdrawals and restores; publishing and withdrawing refuse bad input with nothing
written; a restore never removes a release; the sample ships one; the CLI's `release` commands and `--release`.

The tests that take `db` run on DuckDB and PostgreSQL (both_engines)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ADMIN, EDITOR, SAMPLE_END_YEAR, copy_sample, lock_holder, pg_url, recreate_pg_database

from metrics.analysis import approval
from metrics.cli import main
from metrics.domain.i18n import Refused
from metrics.domain.roles import Actor, Forbidden
from metrics.ingest import uploads
from metrics.store import backup_creation, backups, releases, sample
from metrics.store.catalogue import sequence_values
from metrics.store.creation import initialise
from metrics.store.database import Database, open_database
from metrics.store.figures import year_values
from metrics.store.meta import run_state
from metrics.store.schema import FROZEN_TABLES

pytestmark = pytest.mark.both_engines
YEAR = SAMPLE_END_YEAR
SAMPLE_RELEASE = sample.RELEASE_NAME.format(year=SAMPLE_END_YEAR)
VIEWER = Actor("looker", "viewer", "password")


def figures_file(code: str, year: int, agreements: int) -> bytes:
    return f"city,year,agreements\n{code},{year},{agreements}\n".encode()


def load(db: Database, code: str, year: int, agreements: int) -> int:
    prepared, upload_id = uploads.load(db, figures_file(code, year, agreements), f"{code}-{year}.csv", EDITOR)
    assert upload_id is not None, prepared.report.sorted_issues()
    return upload_id


def pilot(db: Database) -> str:
    """A pilot with agreements in YEAR."""
    with db.snapshot() as cur:
        return str(year_values(cur, YEAR).dropna(subset=["agreements"]).iloc[0]["city_code"])


def rows(cur, table: str) -> list[str]:
    """A table's rows, in a fixed order, as comparable text."""
    return sorted(map(repr, cur.execute(f"SELECT * FROM {table}").df().itertuples(index=False)))


def working(db: Database) -> dict[str, list[str]]:
    """Every table a release freezes, as the working data holds it now."""
    with db.snapshot() as cur:
        return {t: rows(cur, t) for t in FROZEN_TABLES}


def published(db: Database, name: str) -> dict[str, list[str]]:
    """Every table a release freezes, as the release named `name` shows it."""
    with db.cursor() as cur:
        release = releases.named(cur, name)
        with releases.frozen(cur, release.release_id) as shown:
            return {t: rows(shown, t) for t in FROZEN_TABLES}


def stored_releases(db: Database) -> tuple:
    """Everything a refused publish or withdrawal must leave as it was."""
    with db.cursor() as cur:
        counts = [cur.execute(f"SELECT count(*) FROM release_{t}").fetchone()[0] for t in FROZEN_TABLES]
        return releases.list_releases(cur), counts, run_state(cur)


# --- a release stays as published --------------------------------------------------------------------------------
# Each case: what happens before the release is published, and what after (a function of the database, a folder
# and the pilot, run in turn); the release must show exactly what the working data held when it was published.


def _upload(db, folder, code):
    return None, lambda: load(db, code, YEAR, 7777)


def _undo(db, folder, code):
    upload_id = load(db, code, YEAR, 6666)  # published with this value; the undo takes it out of the working data
    return None, lambda: uploads.undo(db, upload_id, EDITOR)


def _approval(db, folder, code):
    return None, lambda: approval.approve(db, YEAR, [code], EDITOR, despite_flags=True)


def _withdrawal(db, folder, code):
    return None, lambda: releases.withdraw(db, "第1版", "a wrong file", ADMIN)


def _next_release(db, folder, code):
    def after():
        load(db, code, YEAR, 5555)
        releases.publish(db, "第2版", None, EDITOR)

    return None, after


def _restore_from_before(db, folder, code):
    backup_creation.create(db, folder / "before")
    return None, lambda: backups.restore(db, folder / "before", ADMIN)


def _restore_from_after(db, folder, code):
    def after():
        backup_creation.create(db, folder / "after")
        load(db, code, YEAR, 4444)
        backups.restore(db, folder / "after", ADMIN)

    return None, after


CHANGES: dict[str, Callable] = {
    "an upload": _upload,
    "an undo": _undo,
    "an approval": _approval,
    "its withdrawal": _withdrawal,
    "the next release": _next_release,
    "a restore of a backup from before it": _restore_from_before,
    "a restore of a backup from after it": _restore_from_after,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_release_shows_what_was_published_whatever_happens_after(db, tmp_path, change):
    _, after = CHANGES[change](db, tmp_path, pilot(db))
    at_publication = working(db)
    release = releases.publish(db, "第1版", "the first", EDITOR)
    assert published(db, "第1版") == at_publication
    after()
    assert published(db, "第1版") == at_publication
    with db.cursor() as cur:
        kept = releases.named(cur, "第1版")
    assert (kept.release_id, kept.published_at, kept.note) == (release.release_id, release.published_at, "the first")


# --- publishing and withdrawing refuse bad input, writing nothing -----------------------------------------------


@pytest.mark.parametrize(
    ("name", "by", "message"),
    [
        ("", EDITOR, "Give the release a name"),
        (" \t ", EDITOR, "Give the release a name"),
        ("x" * (releases.MAX_NAME + 1), EDITOR, "at most 80 characters"),
        (SAMPLE_RELEASE, EDITOR, "There is already a release named"),
        (f"  {SAMPLE_RELEASE} ", EDITOR, "There is already a release named"),  # the name as it is stored
        ("第1版", VIEWER, "may not do this"),
        ("第1版", None, "may not do this"),
    ],
)
def test_publish_refuses_with_nothing_written(db, name, by, message):
    before = stored_releases(db)
    with pytest.raises(Refused) as refused:
        releases.publish(db, name, "note", by)
    assert message in refused.value.text.en
    assert stored_releases(db) == before


@pytest.mark.parametrize(
    ("name", "reason", "by", "message"),
    [
        (SAMPLE_RELEASE, "wrong", EDITOR, "may not do this"),  # an admin's
        (SAMPLE_RELEASE, "  ", ADMIN, "Say why"),
        ("no such release", "wrong", ADMIN, "There is no release named"),
    ],
)
def test_withdraw_refuses_with_nothing_written(db, name, reason, by, message):
    before = stored_releases(db)
    with pytest.raises(Refused) as refused:
        releases.withdraw(db, name, reason, by)
    assert message in refused.value.text.en
    assert isinstance(refused.value, Forbidden) == (by is EDITOR)
    assert stored_releases(db) == before


def test_a_withdrawn_release_is_kept_marked_and_still_reads(db):
    at_publication = working(db)
    withdrawn = releases.withdraw(db, SAMPLE_RELEASE, "sample figures", ADMIN)
    assert (withdrawn.withdrawn, withdrawn.withdrawn_by, withdrawn.withdrawn_reason) == (
        True,
        "pytest",
        "sample figures",
    )
    assert withdrawn.source().en.endswith("(withdrawn)")
    assert published(db, SAMPLE_RELEASE) == at_publication
    with db.cursor() as cur:
        assert releases.latest(cur) is None  # the only release: nothing to show by default
    with pytest.raises(Refused, match="withdrawn by pytest"):
        releases.withdraw(db, SAMPLE_RELEASE, "again", ADMIN)


# --- restores keep releases -----------------------------------------------------------------------------------------


def test_a_restore_from_before_a_release_keeps_it_and_its_withdrawal(db, tmp_path):
    backup_creation.create(db, tmp_path / "backup")  # holds the sample's release only
    load(db, pilot(db), YEAR, 3333)
    first = releases.publish(db, "第1版", None, EDITOR)
    frozen_first = published(db, "第1版")
    releases.withdraw(db, SAMPLE_RELEASE, "sample figures", ADMIN)
    restored = backups.restore(db, tmp_path / "backup", ADMIN)
    assert restored.releases.kept == ("第1版",) and restored.releases.renamed == ()
    with db.cursor() as cur:
        listed = releases.list_releases(cur)
        assert [(r.name, r.release_id, r.withdrawn) for r in listed] == [
            ("第1版", first.release_id, False),
            (SAMPLE_RELEASE, first.release_id - 1, True),  # withdrawn after the backup was made: still withdrawn
        ]
        assert listed[0] == first
    assert published(db, "第1版") == frozen_first
    second = releases.publish(db, "第2版", None, EDITOR)  # the sequence never goes back
    assert second.release_id > first.release_id


def test_a_restore_of_a_backup_that_holds_the_releases_changes_none(db, tmp_path):
    first = releases.publish(db, "第1版", None, EDITOR)
    backup_creation.create(db, tmp_path / "backup")
    load(db, pilot(db), YEAR, 2222)
    before = published(db, "第1版")
    restored = backups.restore(db, tmp_path / "backup", ADMIN)
    assert restored.releases.kept == () and restored.releases.text() is None
    with db.cursor() as cur:
        assert [r.name for r in releases.list_releases(cur)] == ["第1版", SAMPLE_RELEASE]
        assert releases.named(cur, "第1版") == first
        assert sequence_values(cur)["release_id_seq"] == first.release_id
    assert published(db, "第1版") == before


def test_a_refused_restore_leaves_the_releases_and_can_be_tried_again(db, tmp_path):
    code = pilot(db)
    backup_creation.create(db, tmp_path / "backup")
    load(db, code, YEAR, 8888)
    approval.approve(db, YEAR, [code], EDITOR, despite_flags=True)  # the restore would change approved figures: refused
    releases.publish(db, "第1版", None, EDITOR)
    before = stored_releases(db)
    for _ in range(2):  # the second time too: nothing of the first (its temporary tables) is left over
        with pytest.raises(Refused, match="approved"):
            backups.restore(db, tmp_path / "backup", ADMIN)
        assert stored_releases(db) == before


@contextmanager
def other_database(db: Database, request, tmp_path: Path) -> Iterator[Database]:
    """Another copy of the sample on the same engine, with a backup key of its own on DuckDB (another folder)."""
    if db.name.startswith("postgresql"):
        name = f"pytest_{uuid.uuid4().hex[:12]}"
        recreate_pg_database(name, request.getfixturevalue("pg_template"))
        other = open_database(pg_url(name))
        yield other
        other.close()
        recreate_pg_database(name, None)
        return
    other = open_database(copy_sample(request.getfixturevalue("sample_file"), tmp_path / "other" / "pilot.duckdb"))
    yield other
    other.close()


def test_a_backup_from_elsewhere_with_a_release_of_a_name_used_here(db, request, tmp_path):
    code = pilot(db)
    with other_database(db, request, tmp_path) as other:
        load(other, code, YEAR, 1111)
        theirs = releases.publish(other, "第1版", "theirs", EDITOR)
        frozen_theirs = published(other, "第1版")
        backup_creation.create(other, tmp_path / "theirs")
    load(db, code, YEAR, 9999)
    ours = releases.publish(db, "第1版", "ours", EDITOR)  # the same name and id as theirs, another release
    frozen_ours = published(db, "第1版")
    assert ours.release_id == theirs.release_id and ours.stamp != theirs.stamp
    restored = backups.restore(db, tmp_path / "theirs", ADMIN, foreign=True)
    renamed = f"第1版（备份 {theirs.published_at:%Y-%m-%d}）"
    assert restored.releases.kept == ("第1版",) and restored.releases.renamed == (("第1版", renamed),)
    with db.cursor() as cur:
        listed = {r.name: r for r in releases.list_releases(cur)}
    assert set(listed) == {"第1版", renamed, SAMPLE_RELEASE}  # the sample's release is the same one on both
    assert listed["第1版"].note == "ours" and listed["第1版"].release_id > theirs.release_id  # a new id
    assert listed[renamed].note == "theirs" and listed[renamed].release_id == theirs.release_id
    assert published(db, "第1版") == frozen_ours and published(db, renamed) == frozen_theirs
    assert published(db, "第1版") != frozen_theirs


# --- the sample's release ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("options", "expected"), [({}, [SAMPLE_RELEASE]), ({"with_sample": False}, [])])
def test_init_publishes_the_sample_as_one_release(tmp_path, options, expected):
    database = initialise(tmp_path / "new.duckdb", end_year=SAMPLE_END_YEAR, **options)
    with database.cursor() as cur:
        listed = releases.list_releases(cur)
    assert [r.name for r in listed] == expected
    if listed:
        assert (listed[0].sample, listed[0].published_by, listed[0].withdrawn) == (True, "init", False)
        assert "Sample data" in (listed[0].note or "") and "示例数据" in (listed[0].note or "")
        assert published(database, SAMPLE_RELEASE) == working(database)
    database.close()


def test_the_sample_db_ships_its_release(db):
    with db.cursor() as cur:
        assert releases.latest(cur) == releases.named(cur, SAMPLE_RELEASE)
    assert published(db, SAMPLE_RELEASE) == working(db)


# --- the command line -------------------------------------------------------------------------------------------
# Each reading command with --json (or its file), before and after an upload that changes what it shows: with
# --release, what the working data showed when the release was published.


READING = [
    ("series", ["series", "agreements", "--city", "{code}", "--json"]),
    ("series, programme", ["series", "agreements", "--json"]),
    ("index", ["index", str(YEAR), "--json"]),
    ("targets", ["targets", str(YEAR), "--json"]),
    ("rules check", ["rules", "check", "--year", str(YEAR), "--json"]),
    ("export table", ["export", "agreements", "--out", "{out}.csv"]),
    ("export indicator", ["export", "agreements_per_activity", "--indicator", "--out", "{out}.csv"]),
]


def run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def shown(capsys, db: Database, command: list[str], *extra: str) -> tuple[object, str]:
    """What a command prints (its JSON without the release, or the file it wrote) and its stderr."""
    code, out, err = run(capsys, *command, *extra, "--db", db.name, "--lang", "en")
    assert code in (0, 1), err  # rules check exits 1 when a high-importance rule is broken
    if "--out" in command:
        return Path(command[command.index("--out") + 1]).read_bytes(), err
    printed = json.loads(out)
    release = printed.pop("release")
    return (printed, release), err


@pytest.mark.parametrize(("what", "command"), READING, ids=[w for w, _ in READING])
def test_release_option_shows_the_release_after_an_upload(db, capsys, tmp_path, what, command):
    code = pilot(db)
    command = [a.format(code=code, out=tmp_path / "out") for a in command]
    before, _ = shown(capsys, db, command)
    assert run(capsys, "release", "publish", "第1版", "--db", db.name)[0] == 0
    load(db, code, YEAR, 99_999)
    working_now, working_err = shown(capsys, db, command)
    frozen, err = shown(capsys, db, command, "--release", "第1版")
    assert working_now != before and "第1版" not in working_err
    if isinstance(before, tuple):  # JSON: the same figures, and the release named
        assert before[1] is None and working_now[1] is None
        assert frozen[0] == before[0] and frozen[1]["name"] == "第1版" and frozen[1]["withdrawn"] is False
    else:
        assert frozen == before and "# Data: 第1版, published" in err
    assert run(capsys, "release", "withdraw", "第1版", "--reason", "wrong", "--db", db.name)[0] == 0
    plain = [c for c in command if c != "--json"]
    status, _, err = run(capsys, *plain, "--release", "第1版", "--db", db.name, "--lang", "en")  # still reads
    assert status in (0, 1) and "# Data: 第1版, published" in err and "(withdrawn)" in err and "withdrawn by" in err


@pytest.mark.parametrize(("what", "command"), READING, ids=[w for w, _ in READING])
def test_an_unknown_release_exits_2_listing_the_releases(db, capsys, tmp_path, what, command):
    command = [a.format(code=pilot(db), out=tmp_path / "out") for a in command]
    code, out, err = run(capsys, *command, "--release", "第9版", "--db", db.name, "--lang", "en")
    assert code == 2 and out == "" and "There is no release named “第9版”" in err and SAMPLE_RELEASE in err
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "out.xlsx").exists()


@pytest.mark.parametrize(
    ("args", "status", "expected"),
    [
        (["release", "publish", "第1版", "--note", "first"], 0, "Published the release “第1版”"),
        (["release", "publish", ""], 1, "Give the release a name"),
        (["release", "publish", "x" * 81], 1, "at most 80 characters"),
        (["release", "publish", SAMPLE_RELEASE], 1, "There is already a release named"),
        (["release", "publish"], 2, "the following arguments are required: NAME"),
        (["release", "list"], 0, SAMPLE_RELEASE),
        (["release", "withdraw", SAMPLE_RELEASE, "--reason", "sample"], 0, "Withdrew the release"),
        (["release", "withdraw", SAMPLE_RELEASE, "--reason", " "], 1, "Say why"),
        (["release", "withdraw", SAMPLE_RELEASE], 2, "the following arguments are required: --reason"),
        (["release", "withdraw", "第9版", "--reason", "x"], 2, "There is no release named “第9版”"),
        (["export", "uploads", "--out", "{tmp}/u.csv", "--release", SAMPLE_RELEASE], 2, "not part of a release"),
    ],
)
def test_release_commands_exit_codes(db, capsys, tmp_path, args, status, expected):
    before = stored_releases(db)
    code, out, err = run(capsys, *(a.format(tmp=tmp_path) for a in args), "--db", db.name, "--lang", "en")
    assert code == status and expected in out + err and "Traceback" not in err
    if status:
        assert stored_releases(db) == before


def test_release_list_json_and_a_withdrawn_release(db, capsys):
    assert run(capsys, "release", "publish", "第1版", "--note", "first", "--by", "wang", "--db", db.name)[0] == 0
    assert run(capsys, "release", "withdraw", "第1版", "--reason", "wrong", "--by", "li", "--db", db.name)[0] == 0
    code, out, _ = run(capsys, "release", "list", "--json", "--db", db.name)
    listed = json.loads(out)
    assert code == 0 and [r["name"] for r in listed] == ["第1版", SAMPLE_RELEASE]
    first = listed[0]
    assert (first["note"], first["published_by"], first["sample"]) == ("first", "wang", True)
    assert (first["withdrawn"], first["withdrawn_by"], first["withdrawn_reason"]) == (True, "li", "wrong")
    assert listed[1]["published_by"] == "init" and listed[1]["withdrawn_at"] is None
    code, out, _ = run(capsys, "release", "list", "--db", db.name, "--lang", "zh")
    assert "已于" in out and "由 li 撤回：wrong" in out and "示例数据" in out


@pytest.mark.duckdb_only
def test_publish_on_a_file_the_app_holds_exits_2(sample_path, capsys):
    with lock_holder(sample_path) as holder:
        code, _, err = run(capsys, "release", "publish", "第1版", "--db", str(sample_path), "--lang", "en")
    assert code == 2 and "in use by process" in err and str(holder.pid) in err
    with open_database(sample_path).cursor() as cur:
        assert [r.name for r in releases.list_releases(cur)] == [SAMPLE_RELEASE]
