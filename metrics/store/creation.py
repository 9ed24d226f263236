"""Creating a database: the schema, and the built-in sample loaded as the first upload."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..domain import registry
from ..domain.i18n import Text
from . import sample
from .catalogue import drop_everything, has_tables
from .cities import insert_cities
from .database import Database, DatabaseError, open_database
from .events import insert_events
from .figures import insert_values
from .meta import bump_data_version, set_meta
from .releases import freeze
from .schema import create_schema
from .targets import insert_targets
from .transactions import Cursor, transaction
from .uploads import record_upload


class AlreadyExists(DatabaseError):
    """init was asked to create a database where one already is."""


def initialise(
    path: Path | str | None = None,
    *,
    with_sample: bool = True,
    force: bool = False,
    end_year: int | None = None,
    scale: int = 1,
) -> Database:
    """Create the schema at path and load the built-in sample (to end_year) unless with_sample is False.

    With scale N, the sample holds N x 65 units (sample.scaled), for measuring the dashboard as the programme grows.

    Refuses (AlreadyExists) to touch a database that holds data unless force; with force, replaces it in the same
    transaction that builds the new one, so a failure leaves the old data in place.
    """
    database = open_database(path, create=True)
    frames = sample.generate(end_year, scale) if with_sample else None
    with database.cursor() as cur, transaction(cur):
        if has_tables(cur):
            if not force:
                raise AlreadyExists(
                    Text(
                        f"数据库 {database.location} 已存在，未做任何改动。如需重建（会删除现有数据），请加 --force。",
                        f"The database {database.location} already exists; nothing was changed. "
                        "Add --force to rebuild it (this deletes its data).",
                    )
                )
            drop_everything(cur)
        create_schema(cur)
        if frames is not None:
            _load_sample(cur, frames)
    return database


def _load_sample(cur: Cursor, frames: dict[str, pd.DataFrame]) -> int:
    """Insert the generated sample (its cities, figures and targets) and the sample events as an upload of kind
    'sample', and publish it as the sample's release (in the caller's transaction)."""
    events = sample.load_events()
    rows = sum(len(f) for f in frames.values()) + len(events)
    upload_id = record_upload(cur, file_name="built-in sample", kind="sample", created_by="init", inserted=rows)
    insert_cities(cur, frames["cities"], upload_id)
    for table in registry.VALUE_TABLES:
        insert_values(cur, table, frames[table], upload_id)
    insert_targets(cur, frames["targets"], upload_id)
    insert_events(cur, events.assign(upload_id=upload_id))
    set_meta(cur, "sample_data", "true")
    bump_data_version(cur)
    years = pd.concat([frames[t]["year"] for t in registry.VALUE_TABLES])
    first, last = int(years.min()), int(years.max())
    freeze(cur, sample.RELEASE_NAME.format(year=last), sample.RELEASE_NOTE.format(first=first, year=last),
           sample.RELEASE_BY)  # fmt: skip
    return upload_id
