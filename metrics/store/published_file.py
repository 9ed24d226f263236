"""Where the published copy of a DuckDB file lies, and when it was written: what database.py, which opens the copy
for reading, and published.py, which writes it, share."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

SUFFIX = ".published.duckdb"


def path_of(db_path: Path) -> Path:
    """Where the published copy of the DuckDB file at db_path is."""
    return db_path.with_name(db_path.stem + SUFFIX)


def published_at(copy: Path) -> datetime:
    """When a published copy was written."""
    return datetime.fromtimestamp(copy.stat().st_mtime, UTC)
