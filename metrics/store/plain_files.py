"""Reading a file that someone else could have put there (a backup's): only a plain file, never through a link, never
waiting on a pipe or a device, never more than a limit into memory."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path


class NotPlain(Exception):
    """A file that is not a plain file (a link, a pipe, a device, a folder)."""


def kind_of(path: Path) -> str | None:
    """'plain' for a regular file, 'special' for anything else there (a link is never followed), None if nothing
    is there or it cannot be looked at."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    return "plain" if stat.S_ISREG(mode) else "special"


def size_of(path: Path) -> int:
    """A file's size, not following a link (0 if it cannot be looked at)."""
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0


def open_plain(path: Path) -> int:
    """A file descriptor of a plain file, opened without following a link or waiting on a pipe; NotPlain else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if path.is_symlink():
            raise NotPlain(path) from None
        raise exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotPlain(path)
    return fd


def read_plain(path: Path, limit: int) -> bytes:
    """A plain file's content, refused (OSError) when it is larger than `limit`."""
    fd = open_plain(path)
    try:
        if os.fstat(fd).st_size > limit:
            raise OSError(f"{path.name} is larger than {limit} bytes")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise OSError(f"{path.name} is larger than {limit} bytes")
    return data


def sha256_of_plain(path: Path) -> str:
    """The sha256 of a plain file's content ('' when it is not one, or cannot be read)."""
    try:
        fd = open_plain(path)
    except (OSError, NotPlain):
        return ""
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "rb", closefd=False) as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return ""
    finally:
        os.close(fd)
    return digest.hexdigest()
