"""The raw uploaded files, kept in uploads/ in the database's folder (beside a DuckDB file): named by their
content, written crash-safely."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from .durable import write_durably

FOLDER = "uploads"
# <sha256>.<format>; anything else in the folder (such as the temp file of an interrupted write) is not a raw file.
_NAME = re.compile(r"^([0-9a-f]{64})\.[a-z0-9]{1,8}$")


def folder_of(database_folder: Path) -> Path:
    """The folder that holds the raw files of a database, given its folder (Database.folder)."""
    return Path(database_folder) / FOLDER


def name_for(sha256: str, file_format: str | None) -> str:
    """A raw file's name: its sha256 and format, never the uploaded name (which must not become a path)."""
    return f"{sha256}.{file_format or 'bin'}"


def is_raw_name(name: str) -> bool:
    """Whether a file name has the form of a raw file's name."""
    return _NAME.match(name) is not None


def intact_content(path: Path) -> bytes | None:
    """The file's content if it has the sha256 its name carries; None if it does not, or cannot be read."""
    match = _NAME.match(path.name)
    try:
        data = path.read_bytes() if match else b""
    except OSError:
        return None
    return data if match and hashlib.sha256(data).hexdigest() == match.group(1) else None


def is_intact(path: Path) -> bool:
    """Whether the file exists and its content has the sha256 its name carries."""
    return intact_content(path) is not None


def stored(folder: Path) -> list[Path]:
    """The raw files in a folder, by name (none when it does not exist)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if is_raw_name(p.name) and p.is_file())


def keep(folder: Path, name: str, data: bytes) -> Path:
    """Store data as folder/name unless an intact copy is there already; a torn or altered copy is replaced."""
    target = folder / name
    if not is_intact(target):
        write_durably(target, data, create_folder=True)
    return target
