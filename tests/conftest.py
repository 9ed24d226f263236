"""Shared fixtures: databases built in temporary folders, and a process that holds one."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from metrics import access, queries, registry, store
from metrics.db import Database

SAMPLE_END_YEAR = 2025
EDITOR = access.Actor("pytest", "editor", "password")  # who commits and undoes in tests
ADMIN = access.cli_actor("pytest")  # who manages accounts and restores backups in tests


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> Database:
    """A database holding the built-in sample (shared, read-only by convention)."""
    return store.initialise(tmp_path_factory.mktemp("sample") / "sample.duckdb", end_year=SAMPLE_END_YEAR)


@pytest.fixture()
def empty_db(tmp_path) -> Database:
    """A fresh database with the schema and no data."""
    database = store.initialise(tmp_path / "empty.duckdb", with_sample=False)
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
        upload_id = queries.record_upload(cur, file_name="test", kind="figures", created_by="pytest", inserted=0)
        queries.insert_cities(cur, pd.DataFrame(cities), upload_id)
        for table, rows in values.items():
            frame = pd.DataFrame(rows)
            for ind in registry.columns_of(table):
                if ind.column not in frame:
                    frame[ind.column] = None
                frame[ind.column] = frame[ind.column].astype("Float64")
            queries.insert_values(cur, table, frame, upload_id)


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
