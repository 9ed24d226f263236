"""Backups: a round trip gives back every table as it was; a backup is one consistent moment; a damaged or
mismatched backup is refused with nothing written; the commands' exit codes."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import ADMIN, EDITOR, SAMPLE_END_YEAR, lock_holder

from metrics.cli import main
from metrics.domain.i18n import Refused
from metrics.domain.roles import Forbidden
from metrics.ingest import uploads
from metrics.ingest.kinds import figures as figures_kind
from metrics.store import backup_creation, backups, history, kept_backups, meta, raw_files
from metrics.store import uploads as store_uploads
from metrics.store.catalogue import sequence_values, table_names
from metrics.store.creation import initialise
from metrics.store.database import Database, open_database
from metrics.store.meta import data_identity, data_version
from metrics.store.schema import SCHEMA_VERSION
from metrics.store.uploads import upload_history

pytestmark = pytest.mark.both_engines

NEW = SAMPLE_END_YEAR + 1  # rows for the year after the sample's last are new rows
FILE_A = f"city,year,activities,agreements\n330100,2020,700001,700002\n420100,{NEW},700003,700004\n".encode()
FILE_B = f"city,year,activities,contract_value_10k_cny\n510100,2021,800001,800.25\n330100,{NEW},800002,12.5\n".encode()


def _load(database: Database, data: bytes, name: str = "figures.csv") -> int:
    prepared, upload_id = uploads.load(database, data, name, EDITOR)
    assert prepared.report.ok, prepared.report.sorted_issues()
    return upload_id


def _tables(database: Database) -> dict[str, pd.DataFrame]:
    """Every table's rows in a fixed order; meta without the data version and database id, and not the versions of
    what results read (restore sets those)."""
    out = {}
    with database.cursor() as cur:
        for table in table_names(cur):
            if table == "change_versions":
                continue
            frame = cur.execute(f'SELECT * FROM "{table}"').df()
            if table == "meta":
                frame = frame[~frame["key"].isin(["data_version", "database_id"])]
            out[table] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return out


def _tables_at(path: str) -> dict[str, pd.DataFrame]:
    """_tables of a database that is closed again afterwards (so a command can open it as its own)."""
    database = open_database(path)
    try:
        return _tables(database)
    finally:
        database.close()


def _assert_same_tables(actual: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> None:
    assert actual.keys() == expected.keys()
    for table, frame in expected.items():
        pd.testing.assert_frame_equal(actual[table], frame, obj=table)


def _version(database: Database) -> int:
    with database.cursor() as cur:
        return data_version(cur)


def _max_upload_id(database: Database) -> int:
    with database.cursor() as cur:
        return int(upload_history(cur)["upload_id"].max())


def _parquet(sql: str, **params) -> tuple | None:
    """The first row of a query over a backup's Parquet files."""
    with duckdb.connect() as con:
        return con.execute(sql, params).fetchone()


def _raw_name(data: bytes) -> str:
    return raw_files.name_for(hashlib.sha256(data).hexdigest(), "csv")


# --- round trip -------------------------------------------------------------------------------------------------

# What happens between the backup and the restore.
CHANGES = {
    "another import": lambda database, first: _load(database, FILE_B, "b.csv"),
    "an undo": lambda database, first: uploads.undo(database, first, EDITOR),
    "an import and an undo": lambda database, first: (
        _load(database, FILE_B, "b.csv"),
        uploads.undo(database, first, EDITOR),
    ),
    "nothing": lambda database, first: None,
}


@pytest.mark.parametrize("into", ["the same database", "a new empty database"])
@pytest.mark.parametrize("change", list(CHANGES))
def test_round_trip_gives_back_every_table(db, tmp_path, change, into):
    first = _load(db, FILE_A, "a.csv")
    before = _tables(db)
    manifest = backup_creation.create(db, tmp_path / "backup")
    assert manifest.data_version == _version(db) and manifest.tables["uploads"].rows == len(before["uploads"])
    CHANGES[change](db, first)
    highest_used = _max_upload_id(db)
    target = db
    if into == "a new empty database":  # on a new machine, with the key carried over (cp -p .backup-key)
        target = initialise(tmp_path / "elsewhere" / "pilot.duckdb", with_sample=False)
        shutil.copy2(db.folder / backups.KEY_FILE, target.folder / backups.KEY_FILE)
        highest_used = 0
    shutil.rmtree(raw_files.folder_of(target.folder), ignore_errors=True)
    version = _version(target)

    backups.restore(target, tmp_path / "backup", ADMIN)

    _assert_same_tables(_tables(target), before)
    assert _version(target) > max(version, manifest.data_version), "caches must see new data"
    assert raw_files.is_intact(raw_files.folder_of(target.folder) / _raw_name(FILE_A)), "raw files are put back"
    restored_ids = set(before["uploads"]["upload_id"])
    new_id = _load(target, FILE_B, "after.csv")
    assert new_id > max(restored_ids) and new_id > highest_used, "an import after a restore gets a fresh id"
    if target is not db:
        target.close()


def test_a_backup_holds_every_table_and_the_raw_files(db, tmp_path):
    _load(db, FILE_A)
    manifest = backup_creation.create(db, tmp_path / "backup")
    with db.cursor() as cur:
        assert set(manifest.tables) == set(table_names(cur)) - set(backups.NOT_BACKED_UP)
        assert manifest.schema_version == SCHEMA_VERSION
        assert manifest.database_id == data_identity(cur)[0]
        assert manifest.sequences == sequence_values(cur)
    assert manifest.raw_files == [_raw_name(FILE_A)]
    assert (tmp_path / "backup" / "uploads" / _raw_name(FILE_A)).read_bytes() == FILE_A
    on_disk = json.loads((tmp_path / "backup" / backups.MANIFEST).read_text(encoding="utf-8"))
    assert backups.Manifest.model_validate(on_disk) == manifest
    for table, entry in manifest.tables.items():
        path = tmp_path / "backup" / backups.TABLES / f"{table}.parquet"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry.sha256
        assert _parquet("SELECT count(*) FROM read_parquet($path)", path=str(path))[0] == entry.rows
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup", "data"], "no partial folder is left behind"


# --- consistency while uploads commit ----------------------------------------------------------------------------


def _backup_state(folder: Path, data: bytes) -> str:
    """'whole' if the backup holds the upload of data and all its cells, 'absent' if neither; fails on anything else."""
    sha = hashlib.sha256(data).hexdigest()
    tables = folder / backups.TABLES
    recorded = _parquet(
        "SELECT count(*) FROM read_parquet($path) WHERE sha256 = $sha", path=str(tables / "uploads.parquet"), sha=sha
    )[0]
    lines = data.decode().splitlines()
    columns = lines[0].split(",")[2:]
    held = []
    for line in lines[1:]:
        code, year, *values = line.split(",")
        for column, value in zip(columns, values, strict=True):
            table = "agreements" if column in ("agreements", "contract_value_10k_cny") else "matching_activities"
            found = _parquet(
                f"SELECT {column} FROM read_parquet($path) WHERE city_code = $code AND year = $year",
                path=str(tables / f"{table}.parquet"),
                code=code,
                year=int(year),
            )
            held.append(found is not None and found[0] is not None and float(found[0]) == float(value))
    assert recorded in (0, 1) and all(held) == bool(recorded) and any(held) == bool(recorded), (recorded, held)
    return "whole" if recorded else "absent"


# Each step of a commit, where the code that runs it looks it up.
COMMIT_STEPS = {
    "record_upload": store_uploads,
    "insert_history": history,
    "write_figures": figures_kind,
    "bump_data_version": meta,
}


@pytest.mark.parametrize("pause_after", list(COMMIT_STEPS))
def test_a_backup_taken_during_a_commit_holds_the_data_before_it(db, tmp_path, monkeypatch, pause_after):
    inside, release = threading.Event(), threading.Event()
    original = getattr(COMMIT_STEPS[pause_after], pause_after)

    def paused(*args, **kwargs):
        result = original(*args, **kwargs)
        inside.set()
        assert release.wait(20)
        return result

    monkeypatch.setattr(COMMIT_STEPS[pause_after], pause_after, paused)
    writer = threading.Thread(target=_load, args=(db, FILE_A))
    writer.start()
    try:
        assert inside.wait(20), "the commit reached the pause"
        during = backup_creation.create(db, tmp_path / "during")
    finally:
        release.set()
        writer.join()
    after = backup_creation.create(db, tmp_path / "after")

    assert _backup_state(tmp_path / "during", FILE_A) == "absent"
    assert _backup_state(tmp_path / "after", FILE_A) == "whole"
    assert after.data_version == during.data_version + 1


def test_backups_taken_while_uploads_commit_are_each_consistent(db, tmp_path):
    files = [f"city,year,activities\n330100,{2015 + i},{900000 + i}\n".encode() for i in range(6)]
    writer = threading.Thread(target=lambda: [_load(db, data, f"f{i}.csv") for i, data in enumerate(files)])
    writer.start()
    folders = []
    while writer.is_alive() or not folders:
        folders.append(tmp_path / f"backup-{len(folders)}")
        backup_creation.create(db, folders[-1])
    writer.join()
    for folder in folders:
        states = [_backup_state(folder, data) for data in files]
        # uploads commit in order, so a consistent moment holds the first few files whole and none of the rest
        assert states == sorted(states, key=lambda s: s != "whole"), (folder.name, states)


# --- refusals ---------------------------------------------------------------------------------------------------


def _edit_manifest(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        path = folder / backups.MANIFEST
        manifest = json.loads(path.read_text(encoding="utf-8"))
        change(manifest)
        path.write_text(json.dumps(manifest), encoding="utf-8")

    return edit


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _break_a_constraint(folder: Path) -> None:
    """Rewrite cities.parquet with a region the schema forbids, and its sha256 in the manifest to match."""
    path = folder / backups.TABLES / "cities.parquet"
    frame = pd.read_parquet(path)
    frame.loc[0, "region"] = "nowhere"
    frame.to_parquet(path, index=False)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    _edit_manifest(lambda m: m["tables"]["cities"].update(sha256=sha))(folder)


# (how the backup is damaged, what the refusal says)
DAMAGE = {
    "edited parquet": (lambda f: _flip_a_byte(f / "tables" / "cities.parquet"), "altered or damaged: cities.parquet"),
    "missing parquet": (lambda f: (f / "tables" / "uploads.parquet").unlink(), "missing: uploads.parquet"),
    "missing raw file": (lambda f: (f / "uploads" / _raw_name(FILE_A)).unlink(), "missing: uploads/"),
    "edited raw file": (lambda f: _flip_a_byte(f / "uploads" / _raw_name(FILE_A)), "altered or damaged: uploads/"),
    "wrong schema version": (
        _edit_manifest(lambda m: m.update(schema_version=m["schema_version"] - 1)),
        f"made from schema version {SCHEMA_VERSION - 1}",
    ),
    "a table missing": (_edit_manifest(lambda m: m["tables"].pop("events")), "lacks the tables events"),
    "a table too many": (
        _edit_manifest(lambda m: m["tables"].update(elsewhere={"rows": 0, "sha256": "0" * 64})),
        "tables this database lacks: elsewhere",
    ),
    "no manifest": (lambda f: (f / backups.MANIFEST).unlink(), "manifest.json is missing or unreadable"),
    "broken manifest": (lambda f: (f / backups.MANIFEST).write_text("{", encoding="utf-8"), "missing or unreadable"),
    "newer format": (_edit_manifest(lambda m: m.update(format_version=2)), "format version 2"),
    "row count off": (
        _edit_manifest(lambda m: m["tables"]["cities"].update(rows=m["tables"]["cities"]["rows"] - 1)),
        "should hold",
    ),
    "breaks a constraint": (_break_a_constraint, "The database refused the restore"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_backup_is_refused_and_nothing_is_written(db, tmp_path, damage):
    first = _load(db, FILE_A)
    backup_creation.create(db, tmp_path / "backup")
    uploads.undo(db, first, EDITOR)
    _load(db, FILE_B)
    spoil, message = DAMAGE[damage]
    spoil(tmp_path / "backup")
    before, version = _tables(db), _version(db)
    raw_before = sorted(p.name for p in raw_files.folder_of(db.folder).iterdir())

    with pytest.raises(Refused) as refused:  # even when confirmed as made elsewhere (the signature is not the check)
        backups.restore(db, tmp_path / "backup", ADMIN, foreign=True)

    assert message in refused.value.text.en and refused.value.text.zh
    _assert_same_tables(_tables(db), before)
    assert _version(db) == version
    assert sorted(p.name for p in raw_files.folder_of(db.folder).iterdir()) == raw_before


@pytest.mark.parametrize(
    ("target", "refused"),
    [("a folder with a file in it", True), ("a file", True), ("an empty folder", False), ("a new folder", False)],
)
def test_a_backup_goes_only_into_a_new_or_empty_folder(db, tmp_path, target, refused):
    out = tmp_path / "out"
    if target == "a folder with a file in it":
        out.mkdir()
        (out / "keep.txt").write_text("mine")
    elif target == "a file":
        out.write_text("mine")
    elif target == "an empty folder":
        out.mkdir()
    before = sorted(p.name for p in tmp_path.rglob("*"))
    if refused:
        with pytest.raises(Refused, match="not an empty folder"):
            backup_creation.create(db, out)
        assert sorted(p.name for p in tmp_path.rglob("*")) == before, "nothing written, no partial folder left"
    else:
        backup_creation.create(db, out)
        assert (out / backups.MANIFEST).is_file()


# --- the commands ------------------------------------------------------------------------------------------------


@pytest.fixture()
def backed_up(db, tmp_path) -> tuple[str, str]:
    """(database path, backup folder) with an upload made after the backup; the database closed again."""
    _load(db, FILE_A)
    backup_creation.create(db, tmp_path / "backup")
    _load(db, FILE_B)
    db.close()
    return db.name, str(tmp_path / "backup")


# (arguments, {db} and {backup} filled in; exit status; part of the message; whether the data changes)
COMMANDS = [
    (["backup", "--out", "{tmp}/new"], 0, "Backed up", False),
    (["backup", "--out", "{backup}"], 1, "not an empty folder", False),
    (["restore", "{backup}", "--yes"], 0, "Restored the backup of", True),
    (["restore", "{backup}"], 1, "add --yes", False),  # no terminal to ask on
    (["restore", "{tmp}/nothing-here", "--yes"], 2, "There is no backup folder", False),
    (["restore", "{tmp}", "--yes"], 1, "not a usable backup", False),
]


@pytest.mark.parametrize(("args", "status", "message", "changes"), COMMANDS, ids=lambda v: str(v)[:40])
def test_command_exit_codes(backed_up, tmp_path, capsys, args, status, message, changes):
    db_path, folder = backed_up
    args = [a.format(backup=folder, tmp=tmp_path) for a in args]
    before = _tables_at(db_path)

    assert main([*args, "--db", db_path, "--lang", "en"]) == status
    out = capsys.readouterr()
    assert message in out.out + out.err and "Traceback" not in out.err
    assert (len(_tables_at(db_path)["uploads"]) != len(before["uploads"])) == changes


@pytest.mark.duckdb_only  # a PostgreSQL database is shared by design
@pytest.mark.parametrize("command", [["backup", "--out", "{tmp}/new"], ["restore", "{backup}", "--yes"]])
def test_commands_exit_2_while_another_process_holds_the_database(backed_up, tmp_path, capsys, command):
    db_path, folder = backed_up
    with lock_holder(db_path):
        assert main([*(a.format(backup=folder, tmp=tmp_path) for a in command), "--db", db_path, "--lang", "en"]) == 2
    assert "is in use by" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


def test_only_admins_restore(db, tmp_path):
    backup_creation.create(db, tmp_path / "backup")
    with pytest.raises(Forbidden):
        backups.restore(db, tmp_path / "backup", EDITOR)


def test_kept_backups_are_rotated_and_due_by_age(db, tmp_path):
    folder = tmp_path / "kept"
    assert kept_backups.due(folder, 24) and kept_backups.kept(folder) == []
    made = []
    for _ in range(3):  # within a second or two: names by the second, with -2, -3 for more in the same second
        made.append(kept_backups.create_kept(db, folder, keep=2)[0])
        (folder / ".partial-leftover").mkdir(exist_ok=True)  # not a backup: never listed or counted
    assert [path for path, _ in kept_backups.kept(folder)] == made[:0:-1]  # the newest two, newest first
    assert not kept_backups.due(folder, 24) and kept_backups.due(folder, 0)


@pytest.mark.parametrize(
    ("name", "is_dir", "age_s", "removed"),
    [
        (".abc.csv.1234.tmp", False, 7200, True),  # an upload interrupted long ago
        (".abc.csv.1234.tmp", False, 60, False),  # one that may be in progress
        (".20261201-120000.partial-1a2b3c4d", True, 7200, True),  # a backup interrupted long ago
        ("abc.csv", False, 7200, False),  # a kept raw file
        ("20261201-120000", True, 7200, False),  # a kept backup
        (".hidden-but-ours-to-keep", False, 7200, False),
    ],
)
def test_what_interrupted_writes_left_is_removed_once_old(tmp_path, name, is_dir, age_s, removed):
    import os
    import time

    from metrics.store.durable import remove_leftovers

    path = tmp_path / name
    if is_dir:
        path.mkdir()
        (path / "part").write_text("x")
    else:
        path.write_text("x")
    then = time.time() - age_s
    os.utime(path, (then, then))
    assert remove_leftovers(tmp_path) == int(removed)
    assert path.exists() is not removed
