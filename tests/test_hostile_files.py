"""Damaged and hostile input: zips with a bad CRC, sizes that lie, links, zips in zips, password-protected members;
pipes, devices, folders and links named as a file to import; a backup whose files are pipes or links. Each is
refused with a message naming it, never a traceback, and in bounded time (every command runs in a child process
given 30 seconds); a refused restore writes nothing.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import copy_sample
from test_pages import open_app, table_with

from metrics.ingest import batch

ROOT = Path(__file__).resolve().parent.parent
CSV = "城市,年份,对接活动（场）\n330100,2017,5\n".encode()
SECONDS = 30  # what any of these may take, at most


def run(*args: str) -> subprocess.CompletedProcess:
    """`python -m metrics …` in a child process, killed (and the test failed) past SECONDS."""
    done = subprocess.run([sys.executable, "-m", "metrics", *args, "--lang", "en"], cwd=ROOT, capture_output=True,
                          text=True, timeout=SECONDS)  # fmt: skip
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    return done


# --- zips made to hurt ----------------------------------------------------------------------------------------------


def zipped(members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _patched(data: bytes, name: str, **fields: int) -> bytes:
    """The zip with a member's header fields (in its local header and in the central directory) set as given:
    flags, crc, compressed_size, file_size, external_attr (the central directory's only)."""
    local = {"flags": (6, "<H"), "crc": (14, "<I"), "compressed_size": (18, "<I"), "file_size": (22, "<I")}
    central = {"flags": (8, "<H"), "crc": (16, "<I"), "compressed_size": (20, "<I"), "file_size": (24, "<I"),
               "external_attr": (38, "<I")}  # fmt: skip
    out = bytearray(data)
    for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
        if info.filename != name:
            continue
        for field, value in fields.items():
            if field in local:
                offset, form = local[field]
                struct.pack_into(form, out, info.header_offset + offset, value)
        at = data.find(b"PK\x01\x02")  # the central directory's entries
        while at >= 0:
            (length,) = struct.unpack_from("<H", out, at + 28)
            if bytes(out[at + 46 : at + 46 + length]).decode() == name:
                for field, value in fields.items():
                    offset, form = central[field]
                    struct.pack_into(form, out, at + offset, value)
            at = data.find(b"PK\x01\x02", at + 4)
    return bytes(out)


def _bad_crc_of_one() -> bytes:
    data = zipped({"good.csv": CSV.replace(b"2017", b"2016"), "bad.csv": CSV})
    at = data.rfind(b"330100,2017,5")  # bad.csv's content, stored as it is: one digit changed, the CRC no longer fits
    return data[:at] + b"330100,2017,6" + data[at + len(b"330100,2017,5") :]


def lying_size() -> bytes:
    """A member whose headers say 100 bytes and which holds 50 MB (deflated to a little)."""
    big = CSV + b"330100,2016,5\n" * (50 * 2**20 // 14)
    data = zipped({"big.csv": big}, zipfile.ZIP_DEFLATED)
    return _patched(data, "big.csv", file_size=100)


def claims_huge() -> bytes:
    """A member whose headers say 30 MB (over the 20 MB a file may have) and which holds a few bytes."""
    return _patched(zipped({"big.csv": CSV, "ok.csv": CSV}), "big.csv", file_size=30 * 2**20)


def with_link() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        link = zipfile.ZipInfo("passwd.csv")
        link.create_system = 3
        link.external_attr = 0o120777 << 16  # a symbolic link to what it holds
        archive.writestr(link, "/etc/passwd")
        archive.writestr("ok.csv", CSV)
    return out.getvalue()


def nested() -> bytes:
    return zipped({"inner.zip": zipped({"a.csv": CSV}), "ok.csv": CSV})


def encrypted() -> bytes:
    data = zipped({"secret.csv": CSV})
    return _patched(data, "secret.csv", flags=0x1)


CASES = {  # name: (zip, the member refused, what its refusal says)
    "bad CRC": (_bad_crc_of_one, "bad.csv", "damaged in the zip (its checksum fails"),
    "size that lies": (lying_size, "big.csv", "damaged in the zip"),
    "size over the limit": (claims_huge, "forms.zip", "expands to more than"),  # by more than zips ever do
    "symbolic link": (with_link, "passwd.csv", "symbolic link, not a file"),
    "zip in a zip": (nested, "inner.zip", "archive inside the zip"),
    "password": (encrypted, "secret.csv", "password-protected"),
    "terminal codes in a name": (lambda: zipped({"a\x1b[2Jb.txt.exe": b"x"}), "a<U+001B>[2Jb.txt.exe", "Not a table"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_zip_s_member_is_refused_with_a_message_the_rest_still_read(sample_path, tmp_path, case):
    make, member, message = CASES[case]
    path = tmp_path / "forms.zip"
    path.write_bytes(make())
    started = time.perf_counter()
    done = run("import", str(path), "--db", str(sample_path), "--json", "--dry-run")
    assert time.perf_counter() - started < SECONDS
    assert done.returncode == 1, done.stderr
    files = {f["file"]: f for f in json.loads(done.stdout)["files"]}
    refused = files[member]
    assert refused["status"] == "refused" and message in refused["errors"][0]["message"], refused
    assert all(f["status"] == "ready" for name, f in files.items() if name != member)


def test_a_zip_that_expands_past_what_a_batch_reads_is_refused_before_it_is_read(db):
    many = zipped({f"{k}.csv": CSV + b"0" * (20 * 2**20 - len(CSV) - 1) for k in range(14)}, zipfile.ZIP_DEFLATED)
    started = time.perf_counter()
    (outcome,) = batch.check_files(db, [("many.zip", many)])
    assert time.perf_counter() - started < SECONDS
    assert outcome.status == "refused" and "expands to more than 256 MB" in outcome.prepared.report.issues[0].message.en


def test_a_zip_damaged_past_opening_and_a_huge_number_are_refused_without_a_traceback(sample_path, tmp_path):
    (tmp_path / "cut.zip").write_bytes(zipped({"a.csv": CSV, "b.csv": CSV})[:-30])  # its directory cut off
    done = run("import", str(tmp_path / "cut.zip"), "--db", str(sample_path))
    assert done.returncode == 1 and "damaged" in done.stderr, done.stderr
    (tmp_path / "huge.zip").write_bytes(zipped({"huge.csv": "城市,年份,对接活动（场）\n330100,2017,".encode()
                                                + b"9" * 1_000_000 + b"\n"}))  # fmt: skip
    done = run("import", str(tmp_path / "huge.zip"), "--db", str(sample_path))
    assert done.returncode == 1 and "REFUSED  huge.csv" in done.stdout, done.stdout + done.stderr


def test_a_damaged_zip_on_the_upload_page_is_refused_with_a_message_and_no_exception(app_db):
    at = open_app("upload", lang="en")
    at.get("file_uploader")[0].set_value(("forms.zip", _bad_crc_of_one(), "application/zip")).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = table_with(at, "Problems")
    assert list(shown["File"]) == ["good.csv", "bad.csv"]  # good.csv's 5 activities are a jump worth a warning
    assert list(shown["Status"]) == ["warnings: see below", "refused"]
    assert "damaged in the zip" in shown["Problems"][1]
    assert any("**2 files**: 1 passed with warnings, for you to decide, 1 refused." in m.value for m in at.markdown)
    assert any("damaged in the zip" in str(row) for t in at.table for row in t.value.to_numpy().tolist())


# --- what is named as the file to import --------------------------------------------------------------------------


def _fifo(tmp_path: Path) -> Path:
    os.mkfifo(tmp_path / "pipe.csv")  # no one ever writes to it: reading it would wait for ever
    return tmp_path / "pipe.csv"


def _loop(tmp_path: Path) -> Path:
    (tmp_path / "a.csv").symlink_to(tmp_path / "b.csv")
    (tmp_path / "b.csv").symlink_to(tmp_path / "a.csv")
    return tmp_path / "a.csv"


def _dangling(tmp_path: Path) -> Path:
    (tmp_path / "gone.csv").symlink_to(tmp_path / "nowhere.csv")
    return tmp_path / "gone.csv"


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "folder.csv").mkdir()
    return tmp_path / "folder.csv"


NAMED = {  # what is named: how to make it, what the message says
    "a pipe": (_fifo, "is not a plain file"),
    "a device": (lambda _: Path("/dev/zero"), "is not a plain file"),
    "a folder": (_folder, "is not a plain file"),
    "a loop of links": (_loop, "Cannot read the file"),
    "a dangling link": (_dangling, "Cannot read the file"),
}


@pytest.mark.parametrize("named", NAMED)
def test_anything_but_a_file_named_to_import_is_refused_at_once(sample_path, tmp_path, named):
    make, message = NAMED[named]
    path = make(tmp_path)
    done = run("import", str(path), "--db", str(sample_path))
    assert done.returncode == 2 and message in done.stderr and str(path) in done.stderr, done.stderr


def test_a_link_to_a_file_is_read_as_the_file(sample_path, tmp_path):
    (tmp_path / "real.csv").write_bytes(CSV)
    (tmp_path / "link.csv").symlink_to(tmp_path / "real.csv")
    done = run("import", str(tmp_path / "link.csv"), "--db", str(sample_path), "--dry-run")
    assert done.returncode == 0, done.stderr


# --- a backup whose files are not what they seem -------------------------------------------------------------------


@pytest.fixture(scope="module")
def backup_made(sample_file, tmp_path_factory) -> Path:
    """A backup of the sample with one upload's raw file, then one more upload (which a restore would undo), made
    once: data/pilot.duckdb and backup/ in the folder returned."""
    folder = tmp_path_factory.mktemp("backed-up")
    database = copy_sample(sample_file, folder / "data" / "pilot.duckdb")
    (folder / "first.csv").write_bytes(CSV)
    assert run("import", str(folder / "first.csv"), "--db", str(database)).returncode == 0
    assert run("backup", "--out", str(folder / "backup"), "--db", str(database)).returncode == 0
    (folder / "later.csv").write_bytes(CSV.replace(b",5\n", b",9\n"))
    assert run("import", str(folder / "later.csv"), "--db", str(database)).returncode == 0
    return folder


@pytest.fixture()
def backed_up(backup_made, tmp_path) -> tuple[Path, Path]:
    """A copy of backup_made's database and backup of this test's own: (database, backup)."""
    shutil.copytree(backup_made, tmp_path / "copy")
    return tmp_path / "copy" / "data" / "pilot.duckdb", tmp_path / "copy" / "backup"


def _raw_file(backup: Path) -> Path:
    return next((backup / "uploads").iterdir())


def _swap_for_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _swap_for_link(path: Path) -> None:
    outside = path.parent.parent.parent / f"outside-{path.name}"
    outside.write_bytes(path.read_bytes())  # the same content: only the link gives it away
    path.unlink()
    path.symlink_to(outside)


def _huge_manifest(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.truncate(17 * 2**20)


TAMPERED = {  # how the backup is changed: (what, how), what the refusal says
    "the manifest a pipe": ((lambda b: b / "manifest.json", _swap_for_fifo), "manifest.json is not a plain file"),
    "the manifest a link": ((lambda b: b / "manifest.json", _swap_for_link), "manifest.json is not a plain file"),
    "the manifest huge": ((lambda b: b / "manifest.json", _huge_manifest), "manifest.json is missing or unreadable"),
    "a table a pipe": ((lambda b: b / "tables" / "cities.parquet", _swap_for_fifo), "tables/cities.parquet are not"),
    "a table a link": ((lambda b: b / "tables" / "cities.parquet", _swap_for_link), "tables/cities.parquet are not"),
    "a raw file a link": ((_raw_file, _swap_for_link), "are not plain files"),
    "a raw file a pipe": ((_raw_file, _swap_for_fifo), "are not plain files"),
}


@pytest.mark.parametrize("tampered", TAMPERED)
def test_a_backup_whose_files_are_pipes_or_links_is_refused_and_nothing_is_written(backed_up, tampered):
    (which, change), message = TAMPERED[tampered]
    database, backup = backed_up
    change(which(backup))
    done = run("restore", str(backup), "--yes", "--db", str(database))
    assert done.returncode == 1 and message in done.stderr and "nothing was written" in done.stderr, done.stderr
    history = json.loads(run("history", "--json", "--db", str(database)).stdout)
    assert history[0]["file_name"] == "later.csv"  # the upload after the backup is still there
