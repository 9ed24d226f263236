"""Writes to the database: creating it and loading the built-in sample."""

from __future__ import annotations

from pathlib import Path

from . import queries, registry, sample
from .db import Database, DatabaseError, open_database
from .i18n import Text


class AlreadyExists(DatabaseError):
    """init was asked to create a database where one already is."""


def initialise(path: Path | str | None = None, *, with_sample: bool = True, force: bool = False) -> Database:
    """Create the schema at path and load the built-in sample unless with_sample is False.

    Refuses (AlreadyExists) to touch a database that holds data unless force; with force, replaces it.
    """
    database = open_database(path, create=True)
    with database.cursor() as cur:
        if queries.has_schema(cur):
            if not force:
                raise AlreadyExists(
                    Text(
                        f"数据库 {database.path} 已存在，未做任何改动。如需重建（会删除现有数据），请加 --force。",
                        f"The database {database.path} already exists; nothing was changed. "
                        "Add --force to rebuild it (this deletes its data).",
                    )
                )
            cur.execute("BEGIN TRANSACTION")
            queries.drop_everything(cur)
            cur.execute("COMMIT")
        queries.create_schema(cur)
        if with_sample:
            load_sample(cur)
    return database


def load_sample(cur: queries.Cursor, end_year: int | None = None) -> int:
    """Load the generated sample in one transaction, as an upload of kind 'sample'; returns its id."""
    frames = sample.generate(end_year)
    cur.execute("BEGIN TRANSACTION")
    try:
        rows = sum(len(f) for f in frames.values())
        upload_id = queries.record_upload(
            cur, file_name="built-in sample", kind="sample", created_by="init", inserted=rows
        )
        queries.insert_cities(cur, frames["cities"], upload_id)
        for table in registry.VALUE_TABLES:
            queries.insert_values(cur, table, frames[table], upload_id)
        queries.set_meta(cur, "sample_data", "true")
        queries.bump_data_version(cur)
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    return upload_id
