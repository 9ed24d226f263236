"""The composite index's named methods, as officers saved them (the default is the code's, never stored here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..domain.i18n import Refused, Text
from ..domain.index_method import DEFAULT_METHOD, DEFAULT_NAME, Method, method_problems
from ..domain.roles import Actor, require
from .database import Database
from .meta import bump_records_version
from .transactions import Cursor, transaction


@dataclass(frozen=True)
class SavedMethod:
    """A method as saved: the method, who saved it and when."""

    method: Method
    saved_by: str | None
    saved_at: dt.datetime | None


def save_method(database: Database, method: Method, by: Actor | None) -> None:
    """Save a method under its name, replacing one saved before under that name; refused unless `by` is an admin,
    and (Refused, naming every problem method_problems finds) for a faulty method or the default's name."""
    actor = require(by, "admin")
    problems = method_problems(method)
    if problems:
        raise Refused(Text("；".join(p.zh for p in problems), " ".join(p.en for p in problems)))
    with database.write_lock, database.cursor() as cur, transaction(cur):
        cur.execute(
            """INSERT INTO index_methods (name, definition, saved_by) VALUES ($name, $definition, $by)
               ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, saved_by = excluded.saved_by,
                      saved_at = now()::TIMESTAMP""",
            {"name": method.name.strip(), "definition": method.as_json(), "by": actor.name},
        )
        bump_records_version(cur, [("index_methods", None)])


def delete_method(database: Database, name: str, by: Actor | None) -> bool:
    """Remove a saved method (the default is never stored, so never removed); whether there was one."""
    require(by, "admin")
    with database.write_lock, database.cursor() as cur, transaction(cur):
        found = cur.execute("SELECT count(*) FROM index_methods WHERE name = $name", {"name": name}).fetchall()[0][0]
        if found:
            cur.execute("DELETE FROM index_methods WHERE name = $name", {"name": name})
            bump_records_version(cur, [("index_methods", None)])
    return bool(found)


def list_methods(cur: Cursor) -> list[SavedMethod]:
    """Every method: the default first (from the code), then the saved ones by name."""
    rows = cur.execute("SELECT name, definition, saved_by, saved_at FROM index_methods ORDER BY name").fetchall()
    saved = [SavedMethod(Method.from_json(name, definition), by, at) for name, definition, by, at in rows]
    return [SavedMethod(DEFAULT_METHOD, None, None), *saved]


def method_names(cur: Cursor) -> tuple[str, ...]:
    """The names of every method, the default first."""
    rows = cur.execute("SELECT name FROM index_methods ORDER BY name").fetchall()
    return (DEFAULT_NAME, *(r[0] for r in rows))


def get_method(cur: Cursor, name: str | None = None) -> Method | None:
    """The method of this name (the default for None or its own name), or None when none is saved under it."""
    if name is None or name == DEFAULT_NAME:
        return DEFAULT_METHOD
    rows = cur.execute("SELECT definition FROM index_methods WHERE name = $name", {"name": name}).fetchall()
    return Method.from_json(name, rows[0][0]) if rows else None
