"""Many officers at once: readers never see half a commit, uploads take turns, and none is lost."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import EDITOR

from metrics.ingest import uploads
from metrics.store.meta import data_version
from metrics.store.uploads import upload_history

pytestmark = pytest.mark.both_engines

CITY, YEAR = "330100", 2020
ROOT = Path(__file__).resolve().parent.parent


def figures(activities: int, agreements: int | None = None) -> bytes:
    """A yearly-figures file setting Hangzhou's 2020 activities (and agreements) to the values given."""
    agreements = activities if agreements is None else agreements
    return f"city,year,activities,agreements\n{CITY},{YEAR},{activities},{agreements}\n".encode()


def cell(cur, table: str, column: str) -> int:
    return cur.execute(
        f"SELECT {column} FROM {table} WHERE city_code = $c AND year = $y", {"c": CITY, "y": YEAR}
    ).fetchall()[0][0]


def test_readers_never_see_half_a_commit(db):
    """Each upload sets two cells in two tables to one value; a reader must always see both equal. (Without the
    snapshot, readers saw a mixed pair in about 3% of their reads: twenty commits give them hundreds of reads.)"""
    commits, stop, seen = 20, threading.Event(), []
    versions: dict[int, int] = {}  # data version -> the value committed with it

    def write() -> None:
        try:
            for value in range(1000, 1000 + commits):
                _, upload_id = uploads.load(db, figures(value), f"{value}.csv", EDITOR)
                with db.cursor() as cur:
                    versions[data_version(cur)] = value
                assert upload_id
        finally:
            stop.set()

    def read() -> None:
        while not stop.is_set():
            with db.snapshot() as cur:
                version = data_version(cur)
                activities = cell(cur, "matching_activities", "activities")
                time.sleep(0.001)  # a commit may land here; the snapshot must not see it
                agreements = cell(cur, "agreements", "agreements")
            seen.append((version, activities, agreements))

    with ThreadPoolExecutor(max_workers=5) as pool:
        futures = [pool.submit(read) for _ in range(4)] + [pool.submit(write)]
        for future in futures:
            future.result()
    checked = [(v, a, b) for v, a, b in seen if v in versions]  # from the first commit on (the sample differs)
    assert len(checked) > commits, "the readers ran alongside the writer"
    assert all(activities == agreements for _, activities, agreements in checked)
    assert all(versions[v] == a for v, a, _ in checked)  # each version shows exactly its data


class Again(Exception):
    """What st.rerun raises here."""


def test_a_run_whose_data_changed_before_its_first_query_starts_again(db, monkeypatch):
    """On DuckDB a run's snapshot begins at its first query (a fully cached run asks DuckDB nothing); an upload
    committed between the start of the run and that query would mix data under one key, so the run starts again.
    On PostgreSQL (where another process may write) the run reads its state inside its snapshot, so it never mixes."""
    from ui import data

    monkeypatch.setenv("PILOT_DB", db.name)
    monkeypatch.setattr(data.st, "rerun", lambda: (_ for _ in ()).throw(Again()))
    with data.run_snapshot() as key:  # reads the run state once
        pass
    duckdb = db.engine == "duckdb"
    with data.run_snapshot() as again:
        assert again == key and (data._RUN.cursor is None) == duckdb  # DuckDB: known, so no transaction was begun
        with data.reading() as cur:  # nothing written meanwhile: this snapshot shows the key's data
            assert data_version(cur) == key[2]
    with data.run_snapshot() as stale:
        uploads.load(db, figures(777), "777.csv", EDITOR)
        if duckdb:
            with pytest.raises(Again), data.reading():
                pass
        else:
            with data.reading() as cur:  # the snapshot the run state was read in: the data before the upload
                assert data_version(cur) == stale[2] and cell(cur, "matching_activities", "activities") != 777
    with data.run_snapshot() as fresh:
        assert fresh[2] == stale[2] + 1
        with data.reading() as cur:
            assert cell(cur, "matching_activities", "activities") == 777
    with data.run_snapshot() as known:
        assert known == fresh and (data._RUN.cursor is None) == duckdb
        with data.reading() as cur:
            # A commit from another session once the run has begun reading is not seen by it: DuckDB fixes a
            # snapshot at its first statement, which reading() makes before it hands the cursor over.
            writer = threading.Thread(target=uploads.load, args=(db, figures(888), "888.csv", EDITOR))
            writer.start()
            writer.join()
            assert data_version(cur) == known[2] and cell(cur, "matching_activities", "activities") == 777


def test_two_uploads_at_once_take_turns_and_none_is_lost(db):
    with db.cursor() as cur:
        original = cell(cur, "matching_activities", "activities")
    start = threading.Barrier(2)

    def upload(value: int):
        start.wait()
        return uploads.load(db, figures(value, 0), f"{value}.csv", EDITOR)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(upload, (111, 222)))
    assert all(prepared.report.ok and upload_id for prepared, upload_id in results)
    first, second = sorted(results, key=lambda r: r[1])
    first_value = int(first[0].changes.query("column == 'activities'")["new"].iloc[0])
    # The second was checked against the first's result: its old value is the first's new one.
    old = second[0].changes.query("column == 'activities'")["old"].iloc[0]
    assert int(old) == first_value
    with db.cursor() as cur:
        assert cell(cur, "matching_activities", "activities") == 333 - first_value
    uploads.undo(db, second[1], EDITOR)
    with db.cursor() as cur:
        assert cell(cur, "matching_activities", "activities") == first_value
    uploads.undo(db, first[1], EDITOR)
    with db.cursor() as cur:
        assert cell(cur, "matching_activities", "activities") == original


def test_a_file_checked_before_another_commit_is_checked_again(db):
    early = uploads.prepare(db, figures(500), "early.csv")
    late = uploads.prepare(db, figures(600), "late.csv")
    first = uploads.commit(db, late, figures(600), EDITOR)
    with db.cursor() as cur:
        count = len(upload_history(cur))
    with pytest.raises(uploads.Stale) as exc:
        uploads.commit(db, early, figures(500), EDITOR)
    assert f"upload {first}" in exc.value.text("en") and "pytest" in exc.value.text("en")
    with db.cursor() as cur:
        assert len(upload_history(cur)) == count  # nothing written
        assert cell(cur, "matching_activities", "activities") == 600
    again = uploads.prepare(db, figures(500), "early.csv")
    assert again.changes.query("column == 'activities'")["old"].iloc[0] == "600"  # as the history keeps it
    uploads.commit(db, again, figures(500), EDITOR)


# Another process writing to the same PostgreSQL database: the CLI, as a second app process or an officer's script
# would. (A DuckDB file has one writing process; tests/test_cli.py checks what the others may do.)
OTHER_PROCESS = """
import sys
from metrics.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _in_another_process(db, tmp_path, name: str, data: bytes) -> subprocess.CompletedProcess:
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, "import", str(path), "--db", db.name, "--by", "other", "--lang", "en"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.postgres_only
def test_a_preview_overtaken_by_another_process_is_not_committed(db, tmp_path):
    early = uploads.prepare(db, figures(500), "early.csv")
    done = _in_another_process(db, tmp_path, "other.csv", figures(700))
    assert done.returncode == 0, done.stderr
    with pytest.raises(uploads.Stale) as exc:
        uploads.commit(db, early, figures(500), EDITOR)
    assert "other" in exc.value.text("en")
    with db.cursor() as cur:
        assert cell(cur, "matching_activities", "activities") == 700


@pytest.mark.postgres_only
def test_uploads_from_two_processes_at_once_take_turns_and_none_is_lost(db, tmp_path):
    with ThreadPoolExecutor(max_workers=2) as pool:  # each thread starts a process of its own
        jobs = [pool.submit(_in_another_process, db, tmp_path, f"{v}.csv", figures(v, 0)) for v in (111, 222)]
        here = uploads.load(db, figures(333, 0), "333.csv", EDITOR)  # and this process, meanwhile
        results = [job.result() for job in jobs]
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    assert here[1] is not None
    with db.cursor() as cur:
        history = upload_history(cur)
        assert {"111.csv", "222.csv", "333.csv"} <= set(history["file_name"])
        assert cell(cur, "matching_activities", "activities") in (111, 222, 333)
