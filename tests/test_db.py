"""Opening the database: one connection per process, a cursor per thread, clear errors."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import ADMIN, EDITOR, city, lock_holder

from metrics.access import accounts
from metrics.ingest import uploads
from metrics.store.accounts import user_count
from metrics.store.cities import insert_cities, list_cities
from metrics.store.creation import initialise
from metrics.store.database import DatabaseError, DatabaseLocked, open_database
from metrics.store.events import events
from metrics.store.meta import bump_data_version, data_version, get_meta, is_sample, run_state, set_meta
from metrics.store.schema import SCHEMA_VERSION
from metrics.store.series import series
from metrics.store.transactions import transaction, write_mark

pytestmark = pytest.mark.both_engines

DATA = Path(__file__).resolve().parent / "data"


def test_one_connection_per_process(empty_db):
    assert open_database(empty_db.path) is empty_db


def _rolled_back(database) -> None:
    with database.cursor() as cur, pytest.raises(RuntimeError), transaction(cur):
        bump_data_version(cur)
        raise RuntimeError("rolled back")


def _meta_outside_a_transaction(database) -> None:
    with database.cursor() as cur:
        bump_data_version(cur)


# Every kind of write makes the run state be read again (the app keys its caches on it).
WRITES = [
    ("a committed upload", lambda d: uploads.load(d, b"city,year,activities\n330100,2016,99\n", "f.csv", EDITOR)),
    ("an account added", lambda d: accounts.add_user(d, "admin@example.org", "admin", "long enough", ADMIN)),
    ("a rolled-back transaction", _rolled_back),
    ("a meta change outside any transaction", _meta_outside_a_transaction),
]


@pytest.mark.parametrize("write", [w for _, w in WRITES], ids=[n for n, _ in WRITES])
def test_the_run_state_is_read_again_after_any_write(db, write):
    with db.cursor() as cur:
        before = db.run_state(cur)
    # DuckDB: no statement needed while nothing is written here. PostgreSQL: another process may have written.
    assert db.known_state() == (before if db.engine == "duckdb" else None)
    write(db)
    assert db.known_state() is None
    with db.cursor() as cur:
        assert db.run_state(cur) == run_state(cur)


def test_nothing_is_known_while_a_write_is_under_way(db):
    with db.cursor() as cur:
        db.run_state(cur)
        with transaction(cur):
            assert write_mark() is None and db.known_state() is None
            assert db.run_state(cur) == run_state(cur)
        assert db.known_state() is None  # read while the write was under way: not kept


def test_threads_read_with_their_own_cursors(sample_db):
    def total(_):
        with sample_db.cursor() as cur:
            return series(cur, "agreements", years=(2014, 2016)).value.sum()

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(total, range(32))) == {1984}


def test_locked_file_names_the_holder(tmp_path):
    path = tmp_path / "locked.duckdb"
    initialise(path, with_sample=False).close()
    with lock_holder(path) as holder:
        with pytest.raises(DatabaseLocked) as exc:
            open_database(path)
        assert exc.value.pid == holder.pid
        assert "python" in exc.value.program
        assert str(holder.pid) in exc.value.text("zh") and str(holder.pid) in exc.value.text("en")


def test_missing_file_is_not_created_by_readers(tmp_path):
    path = tmp_path / "absent.duckdb"
    with pytest.raises(DatabaseError):
        open_database(path)
    assert not path.exists()


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "future.duckdb"
    database = initialise(path, with_sample=False)
    with database.cursor() as cur:
        set_meta(cur, "schema_version", str(SCHEMA_VERSION + 1))
    database.close()
    with pytest.raises(DatabaseError) as exc:
        open_database(path)
    assert "schema version" in exc.value.text("en")


def test_force_replaces_and_data_version_advances(tmp_path):
    path = tmp_path / "force.duckdb"
    database = initialise(path, with_sample=False)
    with database.cursor() as cur:
        assert data_version(cur) == 0 and not is_sample(cur)
    database = initialise(path, force=True)
    with database.cursor() as cur:
        assert data_version(cur) == 1 and is_sample(cur)
        assert len(list_cities(cur)) == 65


def schema_of(cur) -> dict[str, list]:
    """Every column and constraint of the database, to compare two schemas."""
    columns = cur.execute(
        """SELECT table_name, column_name, data_type, is_nullable, column_default FROM duckdb_columns()
           WHERE database_name = current_database() ORDER BY ALL"""
    ).fetchall()
    constraints = cur.execute(
        """SELECT table_name, constraint_type, constraint_text FROM duckdb_constraints()
           WHERE database_name = current_database() ORDER BY ALL"""
    ).fetchall()
    return {"columns": columns, "constraints": constraints}


def test_a_version_2_database_is_migrated(tmp_path):
    path = tmp_path / "v2.duckdb"
    con = duckdb.connect(str(path))
    con.execute((DATA / "schema-v2.sql").read_text())
    con.execute("INSERT INTO meta VALUES ('schema_version', '2'), ('database_id', 'v2'), ('data_version', '3')")
    con.execute(
        """INSERT INTO uploads (file_name, kind, created_by, rows_inserted)
           VALUES ('built-in sample', 'sample', 'init', 2), ('a.csv', 'figures', '王科员', 1)"""
    )
    con.execute("UPDATE uploads SET status = 'undone', undone_at = current_timestamp WHERE upload_id = 2")
    insert_cities(con, pd.DataFrame([city("330100")]), 1)
    con.execute(
        "INSERT INTO matching_activities (city_code, year, activities, upload_id) VALUES ('330100', 2014, 5, 1)"
    )
    uploads_before = con.execute("SELECT * FROM uploads ORDER BY upload_id").df()
    con.close()

    database = open_database(path)
    try:
        with database.cursor() as cur:
            assert get_meta(cur, "schema_version") == str(SCHEMA_VERSION)
            after = cur.execute("SELECT * FROM uploads ORDER BY upload_id").df()
            pd.testing.assert_frame_equal(uploads_before, after.drop(columns="undone_by"))
            assert after["undone_by"].isna().all()  # added by version 4
            assert user_count(cur) == 0  # no accounts: local single-user mode
            assert list_cities(cur)["city_code"].tolist() == ["330100"]
            assert series(cur, "activities", years=(2014, 2014))["value"].tolist() == [5]
            assert events(cur).empty
            migrated = schema_of(cur)
        data = "date,title_zh,title_en\n2016-05-30,全国科技创新大会召开,National S&T Innovation Conference\n".encode()
        upload_id = uploads.commit(database, uploads.prepare(database, data, "e.csv"), data, EDITOR)
        assert upload_id == 3  # the upload ids carry on
        uploads.undo(database, upload_id, EDITOR)
        with database.cursor() as cur:
            assert events(cur).empty
    finally:
        database.close()
    fresh = initialise(tmp_path / "fresh.duckdb", with_sample=False)
    try:
        with fresh.cursor() as cur:
            assert schema_of(cur) == migrated  # migrating gives the schema a new database has
    finally:
        fresh.close()


def test_a_new_database_file_and_its_published_copy_are_its_owners_only(tmp_path):
    """The file holds the accounts' password hashes: made for the app's user only, and the copy readers open is
    never more readable than it."""
    from metrics.store import published

    database = open_database(tmp_path / "new.duckdb", create=True)
    try:
        assert database.path.stat().st_mode & 0o777 == 0o600
        database.path.chmod(0o640)  # as an admin may have set it
        with database.cursor() as cur:
            copy = published.publish(cur, database.path)
        assert copy.stat().st_mode & 0o777 == 0o640
    finally:
        database.close()
