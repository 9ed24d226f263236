"""The key that signs backups: from $PILOT_BACKUP_KEY or its file beside the database, made at the first backup,
refused (saying how to fix it) when short, empty, readable by others or a link; never half written."""

from __future__ import annotations

import errno
import os
import secrets
import stat

import pytest

from metrics.cli import main
from metrics.store import backups, secret_keys

pytestmark = pytest.mark.both_engines


ENV, FILE = "PILOT_TEST_SECRET", ".test-key"
GOOD = "0123456789abcdef" * 4  # 64 characters


# (the variable's value, or None for unset; the refusal's words, or None if it is the key)
ENV_KEYS = [
    ("", "holds 0 bytes"),
    ("k" * 31, "holds 31 bytes"),
    ("k" * 32, None),
    (GOOD, None),
]


@pytest.mark.parametrize(("value", "refused"), ENV_KEYS, ids=lambda v: repr(v)[:12])
def test_a_key_from_the_environment(tmp_path, monkeypatch, value, refused):
    monkeypatch.setenv(ENV, value)
    if refused:
        with pytest.raises(secret_keys.SecretKeyError) as error:
            secret_keys.key(tmp_path, ENV, FILE)
        assert refused in error.value.text.en and ENV in error.value.text.en and error.value.text.zh
    else:
        assert secret_keys.key(tmp_path, ENV, FILE) == value.encode()
    assert not (tmp_path / FILE).exists(), "a key given in the environment makes no file"


# (the file's content, or None for no file; its mode; the refusal's words, or None if it is read or made)
FILE_KEYS = [
    (b"", 0o600, "holds 0 bytes"),  # what a full disk left, in an older version
    (b"0123456789abcdef\n", 0o600, "holds 16 bytes"),
    (GOOD.encode(), 0o644, "chmod 600"),
    (GOOD.encode(), 0o640, "chmod 600"),
    (GOOD.encode(), 0o600, None),
    (GOOD.encode() + b"\n", 0o400, None),  # a key written by hand, with its line's end
    (None, None, None),  # made
]


@pytest.mark.parametrize(("content", "mode", "refused"), FILE_KEYS, ids=lambda v: repr(v)[:10])
def test_a_key_from_its_file(tmp_path, monkeypatch, content, mode, refused):
    monkeypatch.delenv(ENV, raising=False)
    path = tmp_path / FILE
    if content is not None:
        path.write_bytes(content)
        os.chmod(path, mode)
    if refused:
        with pytest.raises(secret_keys.SecretKeyError) as error:
            secret_keys.key(tmp_path, ENV, FILE)
        assert refused in error.value.text.en and str(path) in error.value.text.en and error.value.text.zh
        assert path.read_bytes() == content, "a refused key file is left as it is"
        return
    found = secret_keys.key(tmp_path, ENV, FILE)
    assert found == (content.strip() if content is not None else path.read_bytes())
    if content is None:
        assert len(found) == 64 and int(found, 16) >= 0 and stat.S_IMODE(path.stat().st_mode) == 0o600
        assert secret_keys.key(tmp_path, ENV, FILE) == found, "made once, then read"
        assert sorted(os.listdir(tmp_path)) == [FILE], "no temp file left"


def test_a_key_file_that_is_a_link_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    known = tmp_path / "known"
    known.write_bytes(GOOD.encode())
    known.chmod(0o600)
    (tmp_path / FILE).symlink_to(known)
    with pytest.raises(secret_keys.SecretKeyError) as error:
        secret_keys.key(tmp_path, ENV, FILE)
    assert str(tmp_path / FILE) in error.value.text.en


def _full_disk(real):
    def write(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    return write


def _full_disk_after_some(real):
    calls = []

    def write(fd, data):
        calls.append(1)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data[:10])

    return write


def _failing_flush(real):
    def fsync(fd):
        raise OSError(errno.EIO, "Input/output error")

    return fsync


# (what fails, how)
FAILURES = {
    "nothing written": ("write", _full_disk),
    "part written": ("write", _full_disk_after_some),
    "the flush": ("fsync", _failing_flush),
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_a_full_disk_leaves_no_key_file(tmp_path, monkeypatch, failure):
    monkeypatch.delenv(ENV, raising=False)
    name, broken = FAILURES[failure]
    monkeypatch.setattr(secret_keys.os, name, broken(getattr(os, name)))
    with pytest.raises(secret_keys.SecretKeyError, match="No key file was left behind"):
        secret_keys.key(tmp_path, ENV, FILE)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []
    assert len(secret_keys.key(tmp_path, ENV, FILE)) == 64, "the next try makes one"


def test_two_processes_making_the_key_at_once_use_the_winners(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    winner = secrets.token_hex(32).encode()
    real_link = os.link

    def link_after_another(source, target):
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # the other process got there first
        os.write(fd, winner)
        os.close(fd)
        return real_link(source, target)

    monkeypatch.setattr(secret_keys.os, "link", link_after_another)
    assert secret_keys.key(tmp_path, ENV, FILE) == winner
    assert sorted(os.listdir(tmp_path)) == [FILE]


@pytest.mark.parametrize(("value", "status"), [("short", 2), (GOOD, 0)])
def test_a_backup_with_an_unusable_key_writes_nothing(db, tmp_path, monkeypatch, capsys, value, status):
    monkeypatch.setenv(backups.KEY_ENV, value)
    db.close()
    assert main(["backup", "--out", str(tmp_path / "out"), "--db", db.name, "--lang", "en"]) == status
    assert (tmp_path / "out").exists() is (status == 0)
    if status:
        assert "PILOT_BACKUP_KEY is set but holds 5 bytes" in capsys.readouterr().err
        assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]
