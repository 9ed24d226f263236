"""Crash safety: an importing process killed (SIGKILL) at a random moment, again and again.

After every kill the database must open cleanly; each file's upload must be there wholly (its row committed, every
cell it sets holding its value) or not at all (no row, every cell as before); and every committed upload's raw file
must be kept in the database's folder, intact. On DuckDB (a file) and on PostgreSQL (a server, whose client is
killed). KILL_ROUNDS sets the number of kills per engine (default 20), KILL_SEED the random seed. Run with -s to see
where the kills landed.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import NO_PG, PG_SERVER, SAMPLE_END_YEAR, pg_url, recreate_pg_database

from metrics.store import raw_files
from metrics.store.catalogue import table_names
from metrics.store.database import DatabaseError, open_database
from metrics.store.transactions import Cursor

pytestmark = pytest.mark.kill  # kills real importing processes: left out of `make test-fast`

ROUNDS = int(os.environ.get("KILL_ROUNDS", "20"))
SEED = int(os.environ.get("KILL_SEED", "20261122"))
PROJECT = Path(__file__).resolve().parents[1]
FILES, ROWS_PER_FILE = 8, 3

COLUMNS = {  # one column of each value table, the decimal one among them
    "activities": "matching_activities",
    "agreements": "agreements",
    "contract_value_10k_cny": "agreements",
    "stations_founded": "service_stations",
    "experts_in_pool": "experts",
}

# The importer: loads the files it is given one after another through uploads.prepare and uploads.commit (as the
# CLI does), saying on stdout what it is about to do. In mode "checkpoint" DuckDB writes a checkpoint after every
# commit, so kills also land inside checkpoints. A zygote process imports the project once and forks an importer
# for each round (an interpreter's start and imports took most of a round's time); the test kills the importer,
# never the zygote, which reports how its child ended.
ZYGOTE = """
import json, os, sys, traceback
from pathlib import Path
from metrics.domain.roles import cli_actor
from metrics.ingest import uploads
from metrics.store.database import open_database


def say(line):
    # One write of the whole line: a kill between print's writes would leave half a line before the zygote's own.
    os.write(1, (line + "\\n").encode())


def run(db_path, mode, files):
    database = open_database(db_path)
    if mode == "checkpoint" and database.engine == "duckdb":
        with database.cursor() as cur:
            cur.execute("SET checkpoint_threshold = '1B'")
    say("ready")
    for path in map(Path, files):
        data = path.read_bytes()
        prepared = uploads.prepare(database, data, path.name)
        assert prepared.report.ok, prepared.report.sorted_issues()
        say("committing " + path.name)
        uploads.commit(database, prepared, data, cli_actor("crash-test"))
        say("committed " + path.name)
    say("done")


print("zygote", flush=True)
for request in sys.stdin:
    db_path, mode, files = json.loads(request)
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            run(db_path, mode, files)
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    say(f"child {pid}")  # one write, as the child's own lines are: print's pieces could straddle the child's
    _, status = os.waitpid(pid, 0)
    say(f"ended {os.waitstatus_to_exitcode(status)}")
"""


@dataclass(frozen=True)
class Cell:
    """One value a file sets."""

    table: str
    city_code: str
    year: int
    column: str
    value: Decimal


@dataclass(frozen=True)
class UploadFile:
    """A yearly-figures file and the cells it sets (no two files share a cell)."""

    path: Path
    sha256: str
    cells: tuple[Cell, ...]


def _city_codes() -> list[str]:
    with (PROJECT / "data" / "sample_cities.csv").open(encoding="utf-8") as f:
        return [r["city_code"] for r in csv.DictReader(f) if int(r["designated_year"]) <= 2016]


def _write_files(folder: Path) -> list[UploadFile]:
    """Files whose rows each have a (city, year) of their own: updates in 2020, new rows after the sample's years."""
    codes = _city_codes()
    files = []
    for f in range(FILES):
        lines, cells = ["city,year," + ",".join(COLUMNS)], []
        for r in range(ROWS_PER_FILE):
            code, year = codes[f * ROWS_PER_FILE + r], 2020 if r < 2 else SAMPLE_END_YEAR + 1
            values = [Decimal(700000 + f * 1000 + r * 100 + k) for k in range(len(COLUMNS))]
            values[2] += Decimal("0.25")  # the decimal column keeps its fraction
            lines.append(f"{code},{year}," + ",".join(str(v) for v in values))
            cells += [Cell(COLUMNS[c], code, year, c, v) for c, v in zip(COLUMNS, values, strict=True)]
        path = folder / f"figures-{f}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files.append(UploadFile(path, hashlib.sha256(path.read_bytes()).hexdigest(), tuple(cells)))
    return files


def _cell_value(cur: Cursor, cell: Cell) -> Decimal | None:
    row = cur.execute(
        f"SELECT {cell.column} FROM {cell.table} WHERE city_code = $code AND year = $year",
        {"code": cell.city_code, "year": cell.year},
    ).fetchone()
    return None if row is None or row[0] is None else Decimal(str(row[0]))


def _original_values(path: Path, files: list[UploadFile]) -> dict[Cell, Decimal | None]:
    database = open_database(path)
    try:
        with database.cursor() as cur:
            return {cell: _cell_value(cur, cell) for f in files for cell in f.cells}
    finally:
        database.close()


class Zygote:
    """The process that forks importers; its output (and its children's) read line by line as it comes, with the
    time it came."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE],
            cwd=PROJECT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        self.stderr: list[str] = []
        self.readers = [threading.Thread(target=self._read, daemon=True), threading.Thread(target=self._errors)]
        for reader in self.readers:
            reader.start()
        self._expect("zygote")

    def _read(self) -> None:
        assert self.process.stdout
        for line in self.process.stdout:
            self.lines.put((time.monotonic(), line.strip()))

    def _errors(self) -> None:
        assert self.process.stderr
        self.stderr.append(self.process.stderr.read())

    def _next(self) -> tuple[float, str]:
        try:
            return self.lines.get(timeout=60)
        except queue.Empty:
            return 0.0, "(nothing)"

    def _expect(self, word: str) -> tuple[float, str]:
        when, line = self._next()
        if line.split()[:1] != [word]:
            self.close()
            pytest.fail(f"the importer said {line!r}, not {word!r}:\n{self.errors()}")
        return when, line

    def start(self, db_path: str, mode: str, files: list[UploadFile]) -> tuple[int, float]:
        """Fork an importer and block until it has opened the database: (its pid, the time it said so)."""
        assert self.process.stdin
        self.process.stdin.write(json.dumps([str(db_path), mode, [str(f.path) for f in files]]) + "\n")
        self.process.stdin.flush()
        # The child writes "ready" itself, so it may come before or after the zygote's "child PID".
        said = {line.split()[0] if line else "": (when, line) for when, line in (self._next(), self._next())}
        if set(said) != {"child", "ready"}:
            self.close()
            lines = [line for _, line in said.values()]
            pytest.fail(f"the importer said {lines}, not 'child' and 'ready':\n{self.errors()}")
        return int(said["child"][1].split()[1]), said["ready"][0]

    def kill(self, pid: int) -> tuple[list[tuple[float, str]], int]:
        """SIGKILL the importer (unless it has finished): every line it wrote after 'ready', and how it ended."""
        with contextlib.suppress(ProcessLookupError):  # it has finished and been reaped
            os.kill(pid, signal.SIGKILL)
        out = []
        while True:
            when, line = self._next()
            if line.startswith("ended") or line == "(nothing)":
                return out, int(line.split()[1]) if line.startswith("ended") else 0
            out.append((when, line))

    def close(self) -> None:
        """End the zygote."""
        self.process.kill()
        self.process.wait()
        for reader in self.readers:
            reader.join()

    def errors(self) -> str:
        """What the zygote and its importers wrote on stderr (once it has ended)."""
        return "".join(self.stderr)[-3000:]


def _phase(lines: list[tuple[float, str]]) -> str:
    """Where the importer was when it was killed, from the last thing it said."""
    last = lines[-1][1] if lines else "ready"
    return {"ready": "checking a file", "committing": "inside commit", "committed": "checking a file",
            "done": "after the last commit"}[last.split()[0]]  # fmt: skip


def _check(path: str, files: list[UploadFile], original: dict[Cell, Decimal | None], context: str) -> set[str]:
    """Check the database after a kill; return the names of the files it holds."""
    try:
        database = open_database(path)
    except DatabaseError as exc:
        pytest.fail(f"{context}: the database does not open: {exc}")
    try:
        with database.cursor() as cur:
            for table in table_names(cur):  # read every block of every table: damage shows as an error
                cur.execute(f'SELECT * FROM "{table}"').fetchall()
            uploads = cur.execute("SELECT sha256, status, upload_id FROM uploads WHERE kind = 'figures'").fetchall()
            by_sha = Counter(sha for sha, _, _ in uploads)
            assert all(n == 1 for n in by_sha.values()), f"{context}: an upload was recorded twice: {uploads}"
            statuses = {sha: status for sha, status, _ in uploads}
            held = set()
            for f in files:
                values = {cell: _cell_value(cur, cell) for cell in f.cells}
                if f.sha256 in statuses:
                    assert statuses[f.sha256] == "committed", f"{context}: {f.path.name} is {statuses[f.sha256]}"
                    wrong = {c: v for c, v in values.items() if v != c.value}
                    assert not wrong, f"{context}: {f.path.name} is committed but cells lack its values: {wrong}"
                    raw = raw_files.folder_of(database.folder) / raw_files.name_for(f.sha256, "csv")
                    assert raw_files.is_intact(raw), f"{context}: the raw file of committed {f.path.name} is not kept"
                    held.add(f.path.name)
                else:
                    changed = {c: v for c, v in values.items() if v != original[c]}
                    assert not changed, f"{context}: {f.path.name} has no upload row but changed cells: {changed}"
    finally:
        database.close()
    return held


def _fresh_copy(template: Path | str, work: Path | str, folder: Path) -> None:
    """The sample again at `work` (a DuckDB file, or a PostgreSQL database made from the template database), and no
    raw files in its folder."""
    shutil.rmtree(raw_files.folder_of(folder), ignore_errors=True)
    if isinstance(work, str):
        recreate_pg_database(work.rsplit("/", 1)[1], str(template))
        return
    for leftover in (work, work.with_name(work.name + ".wal")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(template, work)


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_killed_imports_leave_each_upload_whole_or_absent(engine, sample_file, tmp_path, request, monkeypatch):
    rng = random.Random(SEED)
    files = _write_files(tmp_path)
    folder = tmp_path / "db"
    folder.mkdir()
    template: Path | str = sample_file
    work: Path | str = folder / "pilot.duckdb"
    if engine == "postgres":
        if not PG_SERVER:
            pytest.skip(NO_PG)
        template, work = request.getfixturevalue("pg_template"), pg_url(f"pytest_kill_{os.getpid()}")
    original = _original_values(sample_file, files)
    per_file, held, phases, started = 0.25, set(), Counter(), time.monotonic()
    monkeypatch.setenv("PILOT_FILES", str(folder))  # a PostgreSQL database's raw files, here and in the importers
    zygote = Zygote()
    for round_ in range(ROUNDS):
        if round_ == 0 or len(held) == FILES:
            _fresh_copy(template, work, folder)
            held = set()
        todo = [f for f in files if f.path.name not in held]
        mode = "checkpoint" if round_ % 2 else "plain"
        pid, ready = zygote.start(str(work), mode, todo)
        time.sleep(rng.uniform(0, per_file * len(todo) * 1.1))  # somewhere in the stretch where commits happen
        lines, ended = zygote.kill(pid)
        if ended not in (0, -signal.SIGKILL):
            zygote.close()
            pytest.fail(f"seed {SEED}, round {round_}: the importer failed ({ended}):\n{zygote.errors()}")
        done = [when for when, line in lines if line.startswith("committed")]
        if done:  # learn how long one file takes, so the kills keep falling among the commits
            per_file = 0.7 * per_file + 0.3 * (done[-1] - ready) / len(done)
        phase = _phase(lines)
        phases[phase, mode] += 1
        context = f"seed {SEED}, round {round_} ({mode}, killed {phase}; said {[line for _, line in lines]})"
        now_held = _check(str(work), files, original, context)
        assert held <= now_held, f"{context}: committed uploads were lost: {held - now_held}"
        held = now_held
    zygote.close()
    if isinstance(work, str):
        recreate_pg_database(work.rsplit("/", 1)[1], None)
    elapsed = time.monotonic() - started
    print(f"\n{ROUNDS} kills on {engine} in {elapsed:.0f} s (seed {SEED}):")
    for (phase, mode), n in sorted(phases.items()):
        print(f"  {n:4d} {phase} ({mode})")
