"""A PostgreSQL server for the tests and the load benchmark: its URL, and databases on it made afresh from a
template (CREATE DATABASE … TEMPLATE copies one in a fraction of a second)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent


def server_url(start: bool = True) -> str | None:
    """$PILOT_TEST_PG; else, when start, the throwaway server tools/postgres.sh starts; else None."""
    url = os.environ.get("PILOT_TEST_PG")
    if url or not start:
        return url
    done = subprocess.run([str(ROOT / "tools" / "postgres.sh"), "start"], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def database_url(server: str, name: str) -> str:
    """The URL of database `name` on the server."""
    return server.rsplit("/", 1)[0] + "/" + name


def recreate(server: str, name: str, template: str | None) -> str:
    """Drop database `name` on the server (its connections ended) and, given a template, make it again as a copy
    of that; its URL."""
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if template is not None:
            connection.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
            )
    return database_url(server, name)
