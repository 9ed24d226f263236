"""Opening the database: one connection per process, a cursor per thread, clear errors."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import lock_holder

from metrics import queries, store
from metrics.db import DatabaseError, DatabaseLocked, open_database


def test_one_connection_per_process(empty_db):
    assert open_database(empty_db.path) is empty_db


def test_threads_read_with_their_own_cursors(sample_db):
    def total(_):
        with sample_db.cursor() as cur:
            return queries.series(cur, "agreements", years=(2014, 2016)).value.sum()

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(total, range(32))) == {1984}


def test_locked_file_names_the_holder(tmp_path):
    path = tmp_path / "locked.duckdb"
    store.initialise(path, with_sample=False).close()
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
    database = store.initialise(path, with_sample=False)
    with database.cursor() as cur:
        queries.set_meta(cur, "schema_version", str(queries.SCHEMA_VERSION + 1))
    database.close()
    with pytest.raises(DatabaseError) as exc:
        open_database(path)
    assert "schema version" in exc.value.text("en")


def test_force_replaces_and_data_version_advances(tmp_path):
    path = tmp_path / "force.duckdb"
    database = store.initialise(path, with_sample=False)
    with database.cursor() as cur:
        assert queries.data_version(cur) == 0 and not queries.is_sample(cur)
    database = store.initialise(path, force=True)
    with database.cursor() as cur:
        assert queries.data_version(cur) == 1 and queries.is_sample(cur)
        assert len(queries.list_cities(cur)) == 65
