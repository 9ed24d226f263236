"""Shared fixtures: the sample built once per session and handed out as copies (DuckDB files, and PostgreSQL
databases made from a template), empty databases, and a process that holds a database open.

A module marked `both_engines` runs each test that takes `db` on DuckDB and on PostgreSQL; without a server
($PILOT_TEST_PG, which `make test` sets when tools/postgres.sh can start one) the PostgreSQL half is skipped, and
pytest's summary says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from benchmarks import pg_server
from benchmarks.apptest import scan_components_once
from metrics.domain import registry
from metrics.domain.roles import Actor, cli_actor
from metrics.store.cities import insert_cities
from metrics.store.creation import initialise
from metrics.store.database import Database, open_database
from metrics.store.figures import insert_values
from metrics.store.meta import data_version
from metrics.store.uploads import record_upload

# Password hashes in tests take microseconds (argon2's cheapest profile): set before anything hashes (the hasher is
# made at the first), and inherited by the CLI and servers the tests start. A stored hash carries its parameters.
os.environ.setdefault("PILOT_ARGON2_PROFILE", "CHEAPEST")
scan_components_once()

SAMPLE_END_YEAR = 2025  # the sample's last year in tests: rows for the year after are new rows
EDITOR = Actor("pytest", "editor", "password")  # who commits and undoes in tests
ADMIN = cli_actor("pytest")  # who manages accounts and restores backups in tests


@pytest.fixture(scope="session")
def sample_file(tmp_path_factory) -> Path:
    """The built-in sample (to SAMPLE_END_YEAR) in a closed database file, built once per session: never opened,
    only copied."""
    path = tmp_path_factory.mktemp("sample-file") / "sample.duckdb"
    initialise(path, end_year=SAMPLE_END_YEAR).close()
    return path


def copy_sample(sample_file: Path, path: Path) -> Path:
    """A copy of the sample file at path (its folder made), ready to open."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sample_file, path)
    return path


@pytest.fixture(scope="session")
def sample_db(sample_file, tmp_path_factory) -> Iterator[Database]:
    """The sample, open and shared by the whole session: read it only (write to `db`). A test that writes to it
    anyway fails this fixture's teardown, so that it is found rather than leaking into other tests."""
    database = open_database(copy_sample(sample_file, tmp_path_factory.mktemp("sample") / "sample.duckdb"))
    with database.cursor() as cur:
        before = data_version(cur)
    yield database
    with database.cursor() as cur:
        assert data_version(cur) == before, "a test wrote to the shared sample_db; give it `db` instead"


@pytest.fixture()
def sample_app(sample_db, monkeypatch) -> Path:
    """The shared sample, which the app opens through PILOT_DB: for app tests that only read (the app's caches,
    keyed on the database, then stay warm from test to test, as they do in a server)."""
    monkeypatch.setenv("PILOT_DB", str(sample_db.path))
    return sample_db.path


@pytest.fixture()
def sample_path(sample_file, tmp_path) -> Path:
    """A closed copy of the sample of this test's own (data/pilot.duckdb in its folder), for a process to open."""
    return copy_sample(sample_file, tmp_path / "data" / "pilot.duckdb")


PG_SERVER = pg_server.server_url(start=False)  # a PostgreSQL server's URL; its databases named pytest_* are ours
NO_PG = "no PostgreSQL server for the tests: set PILOT_TEST_PG (tools/postgres.sh start prints one)"


def pytest_generate_tests(metafunc):
    """Tests in `both_engines` modules that take `db` run once per engine."""
    marked = metafunc.definition.get_closest_marker
    if "db" in metafunc.fixturenames and marked("both_engines") and not marked("duckdb_only"):
        engines = ["postgres"] if marked("postgres_only") else ["duckdb", "postgres"]
        metafunc.parametrize("db", engines, indirect=True)


def pg_url(name: str) -> str:
    """The URL of database `name` on the test server."""
    assert PG_SERVER
    return pg_server.database_url(PG_SERVER, name)


def recreate_pg_database(name: str, template: str | None) -> None:
    """Database `name` on the test server dropped and, given a template, made again as a copy of that."""
    assert PG_SERVER
    pg_server.recreate(PG_SERVER, name, template)


@pytest.fixture(scope="session")
def pg_template(worker_id) -> str:
    """The sample (to SAMPLE_END_YEAR) in a PostgreSQL database of this test worker's, built once, never opened
    again: tests get copies of it (CREATE DATABASE … TEMPLATE)."""
    if not PG_SERVER:
        pytest.skip(NO_PG)
    name = f"pytest_sample_{worker_id}"
    recreate_pg_database(name, None)
    initialise(pg_url(name), end_year=SAMPLE_END_YEAR).close()
    return name


@pytest.fixture()
def pg_db(pg_template, tmp_path, monkeypatch) -> Iterator[Database]:
    """A PostgreSQL copy of the sample of this test's own, open, its files in the test's folder."""
    name = f"pytest_{uuid.uuid4().hex[:12]}"
    recreate_pg_database(name, pg_template)
    monkeypatch.setenv("PILOT_FILES", str(tmp_path / "data"))
    database = open_database(pg_url(name))
    yield database
    database.close()
    recreate_pg_database(name, None)


@pytest.fixture()
def db(request) -> Iterator[Database]:
    """A copy of the sample of this test's own, open, to write to: a DuckDB file, or (in `both_engines` modules) a
    PostgreSQL database too."""
    if getattr(request, "param", "duckdb") == "postgres":
        yield request.getfixturevalue("pg_db")
        return
    database = open_database(request.getfixturevalue("sample_path"))
    yield database
    database.close()


@pytest.fixture()
def app_db(sample_path, monkeypatch) -> Path:
    """A copy of the sample of this test's own, which the app opens through PILOT_DB."""
    monkeypatch.setenv("PILOT_DB", str(sample_path))
    return sample_path


@pytest.fixture()
def empty_db(tmp_path) -> Iterator[Database]:
    """A fresh database with the schema and no data."""
    database = initialise(tmp_path / "empty.duckdb", with_sample=False)
    yield database
    database.close()


def city(code: str, **overrides) -> dict:
    """One cities row with plausible defaults."""
    row = {
        "city_code": code,
        "name_zh": f"城市{code}",
        "name_en": f"City {code}",
        "province_zh": "浙江省",
        "province_en": "Zhejiang",
        "region": "east",
        "kind": "city",
        "batch": 1,
        "designated_year": 2014,
        "lat": 30.0,
        "lon": 120.0,
    }
    return row | overrides


def load(database: Database, cities: list[dict], values: dict[str, list[dict]]) -> None:
    """Insert cities and value rows (per table; missing value columns are NULL) as one upload."""
    with database.cursor() as cur:
        upload_id = record_upload(cur, file_name="test", kind="figures", created_by="pytest", inserted=0)
        insert_cities(cur, pd.DataFrame(cities), upload_id)
        for table, rows in values.items():
            frame = pd.DataFrame(rows)
            for ind in registry.columns_of(table):
                if ind.column not in frame:
                    frame[ind.column] = None
                frame[ind.column] = frame[ind.column].astype("Float64")
            insert_values(cur, table, frame, upload_id)


@contextmanager
def lock_holder(path: Path | str) -> Iterator[subprocess.Popen]:
    """Another process holding the database at path open (as a running app would), until the block ends."""
    code = f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('ready', flush=True); time.sleep(60)"
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        yield holder
    finally:
        holder.kill()
        holder.wait()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, one per test module (the browser tests')."""
    from benchmarks.browser import chromium

    with chromium() as launched:
        yield launched
