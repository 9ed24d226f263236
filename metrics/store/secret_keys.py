"""Secret keys kept by the server: given in an environment variable (the same on every machine that needs it), else a
random one in a file beside the database, made the first time it is needed.

A key is never empty or short (32 bytes or more), a key file is readable by its owner only (checked on every read),
and a new key file appears whole or not at all: a full disk or a crash never leaves an empty or partial key behind.
"""

from __future__ import annotations

import os
import secrets
import stat
import uuid
from pathlib import Path

from ..domain.i18n import Text
from . import durable
from .database import DatabaseError

MIN_KEY_BYTES = 32
_MAX_FILE_BYTES = 4096  # a key file holds a line of text; anything larger is not one
_NEW_KEY_HINT = "python -c 'import secrets; print(secrets.token_hex(32))'"


class SecretKeyError(DatabaseError):
    """A key that is set but cannot be used (empty, short, readable by others) or cannot be read or written; the
    message says how to fix it."""


def key(folder: Path | str, env_name: str, file_name: str) -> bytes:
    """The key: $env_name if set, else the file `file_name` in folder, made (random, mode 0600) when missing."""
    found = existing_key(folder, env_name, file_name)
    return found if found is not None else _create(Path(folder) / file_name, env_name)


def existing_key(folder: Path | str, env_name: str, file_name: str) -> bytes | None:
    """The key if $env_name is set or its file exists; None if neither (nothing is made)."""
    given = os.environ.get(env_name)
    if given is not None:
        value = given.strip().encode()
        if len(value) < MIN_KEY_BYTES:
            raise SecretKeyError(
                Text(
                    "环境变量 {v} 已设置，但只有 {n} 字节：密钥至少须 {m} 字节。请设为更长的随机值（如 {h} 的输出），"
                    "或取消该变量以使用密钥文件。",
                    "{v} is set but holds {n} bytes; a key needs {m} or more. Set it to a longer random value (such as "
                    "the output of {h}), or unset it to use the key file.",
                ).format(v=env_name, n=len(value), m=MIN_KEY_BYTES, h=_NEW_KEY_HINT)
            )
        return value
    return _read(Path(folder) / file_name, env_name)


def _read(path: Path, env_name: str) -> bytes | None:
    """A key file's key; None when there is no such file."""
    try:
        # not through a link: whoever could plant one could make the key a file whose content they know
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _unreadable(path, exc) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_FILE_BYTES:
            raise SecretKeyError(
                Text(
                    "密钥文件 {p} 不是普通的小文件，未读取。请删除它（将生成新密钥），或在 {v} 中给出密钥。",
                    "The key file {p} is not a small plain file and was not read. Delete it (a new key is then made) "
                    "or give the key in {v}.",
                ).format(p=path, v=env_name)
            )
        if os.name == "posix" and info.st_mode & 0o077:
            raise SecretKeyError(
                Text(
                    "密钥文件 {p} 的权限为 {m}，同组或其他用户可以读取，因此不再使用。请运行 chmod 600 {p} 后再试。",
                    "The key file {p} has mode {m}: other users may read it, so it is not used. Run chmod 600 {p} and "
                    "try again.",
                ).format(p=path, m=oct(stat.S_IMODE(info.st_mode)))
            )
        with os.fdopen(os.dup(fd), "rb") as handle:
            value = handle.read(_MAX_FILE_BYTES + 1).strip()
    except OSError as exc:
        raise _unreadable(path, exc) from None
    finally:
        os.close(fd)
    if len(value) < MIN_KEY_BYTES:
        raise SecretKeyError(
            Text(
                "密钥文件 {p} 只有 {n} 字节（至少须 {m} 字节），可能是磁盘满时留下的。请删除它，程序会生成新密钥；"
                "用旧密钥签名的备份此后须确认来源才能恢复。",
                "The key file {p} holds {n} bytes (a key needs {m} or more): perhaps left by a full disk. Delete it "
                "and a new key is made; backups signed with an older key then restore only once you confirm where "
                "they came from.",
            ).format(p=path, n=len(value), m=MIN_KEY_BYTES)
        )
    return value


def _create(path: Path, env_name: str) -> bytes:
    """A new random key in path, written whole (temp file, fsync, link into place) or not at all; if another process
    made one meanwhile, that one."""
    value = secrets.token_hex(32).encode()  # 64 hex characters: 256 random bits
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        if not path.parent.is_dir():  # a PostgreSQL database's files folder, before its first file
            path.parent.mkdir(parents=True, exist_ok=True)
            durable.sync(path.parent.parent)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)  # whatever the umask
            written = 0
            while written < len(value):
                written += os.write(fd, value[written:])
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temp, path)  # never replaces a key another process made meanwhile
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links: a rename (the loser of a race then reads the winner's)
            if not path.exists():
                os.replace(temp, path)
        durable.sync(path.parent)
    except OSError as exc:
        raise SecretKeyError(
            Text(
                "无法写入密钥文件 {p}：{e}。未留下任何密钥文件；请腾出空间或修正权限后再试。",
                "Cannot write the key file {p}: {e}. No key file was left behind; free some space or fix the "
                "permissions and try again.",
            ).format(p=path, e=exc.strerror or exc)
        ) from None
    finally:
        temp.unlink(missing_ok=True)
    found = _read(path, env_name)
    if found is None:  # removed at once by someone else: never sign with a key nobody keeps
        vanished = Text("密钥文件 {p} 刚写入即消失。", "The key file {p} vanished as it was made.")
        raise SecretKeyError(vanished.format(p=path))
    return found


def _unreadable(path: Path, exc: OSError) -> SecretKeyError:
    return SecretKeyError(
        Text("无法读取密钥文件 {p}：{e}。", "Cannot read the key file {p}: {e}.").format(p=path, e=exc.strerror or exc)
    )
