"""Releases: named, frozen publications of the data (every figure, target, city and event, and what decides which
years were complete), each kept in release_<table> and never changed; an admin may withdraw one (kept, marked).

A release is read with the same SQL as the working data: `frozen` gives a cursor whose tables are the release's
(temporary views named like the tables, which an engine looks up before the database's own), so every read of the
store, analysis and charts shows the release without knowing it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..domain.i18n import Refused, Text
from ..domain.roles import Actor, require
from .catalogue import quoted
from .database import Database
from .meta import bump_records_version, data_version, is_sample
from .reads import Reads, declare
from .schema import FROZEN_TABLES
from .transactions import Cursor, dialect, one_value, transaction

MAX_NAME = 80
WORKING_NAME = "working"  # what a link says for the working data (release=working): no release may take it
SOURCE = Text("数据：{name}，{date} 发布", "Data: {name}, published {date}")
WITHDRAWN = Text("（已撤回）", " (withdrawn)")
WORKING = Text("数据：工作数据（未发布）", "Data: working data (not published)")


@dataclass(frozen=True)
class Release:
    """A published release: its name, note, who published it and when, the data version it froze, and whether an
    admin has withdrawn it (who, when, why)."""

    release_id: int
    name: str
    note: str | None
    published_by: str
    published_at: dt.datetime
    data_version: int
    sample: bool = False
    withdrawn_by: str | None = None
    withdrawn_at: dt.datetime | None = None
    withdrawn_reason: str | None = None

    @property
    def withdrawn(self) -> bool:
        """Whether an admin has withdrawn it (it still opens, marked)."""
        return self.withdrawn_at is not None

    @property
    def stamp(self) -> str:
        """What names this release's rows for ever: its id and the moment it was published (a restore of another
        database's backup cannot give the same stamp to other rows)."""
        return f"r{self.release_id}@{self.published_at.isoformat()}"

    def source(self) -> Text:
        """The source line naming it: 数据：2025年度数据（第1版），2026-03-04 发布, marked if withdrawn."""
        line = SOURCE.format(name=self.name, date=f"{self.published_at:%Y-%m-%d}")
        return line.then(WITHDRAWN) if self.withdrawn else line


_COLUMNS = """release_id, name, note, published_by, published_at, data_version, sample, withdrawn_by, withdrawn_at,
              withdrawn_reason"""


@declare(lambda: Reads(frozenset({"releases"})))
def list_releases(cur: Cursor) -> tuple[Release, ...]:
    """Every release, newest first (withdrawn ones too)."""
    rows = cur.execute(f"SELECT {_COLUMNS} FROM releases ORDER BY release_id DESC").fetchall()
    return tuple(Release(*row) for row in rows)


def find(cur: Cursor, name: str) -> Release | None:
    """The release of that name (names are unique), or None."""
    return next((r for r in list_releases(cur) if r.name == name.strip()), None)


@declare(lambda: Reads(frozenset({"releases"})))
def latest(cur: Cursor) -> Release | None:
    """The newest release not withdrawn: what a viewer sees by default once there is one."""
    return next((r for r in list_releases(cur) if not r.withdrawn), None)


NAME_MISSING = Text("请填写发布名称。", "Give the release a name.")
NAME_TOO_LONG = Text("发布名称最长 {n} 个字符。", "A release's name is at most {n} characters.")
NAME_RESERVED = Text(
    "“{name}”是保留名称（链接中用它表示工作数据），请另起名称。",
    "“{name}” is reserved (a link uses it for the working data); give the release another name.",
)
NAME_TAKEN = Text(
    "已有名为“{name}”的发布（{who}，{when}）：发布不能修改，请另起名称（例如下一版）。",
    "There is already a release named “{name}” ({who}, {when}): a release is never changed; give this one "
    "another name (its next edition, say).",
)
UNKNOWN = Text("没有名为“{name}”的发布。已有：{known}", "There is no release named “{name}”. Releases: {known}")
NO_REASON = Text("撤回发布须写明原因。", "Say why the release is withdrawn.")
ALREADY_WITHDRAWN = Text(
    "发布“{name}”已于 {when} 由 {who} 撤回。", "The release “{name}” was withdrawn by {who} on {when} already."
)


def publish(database: Database, name: str, note: str | None, by: Actor | None) -> Release:
    """Freeze the working data as it stands as a release named `name` (an editor); Refused for an empty, too long,
    taken or reserved (WORKING_NAME) name. Nothing else changes: the working data, its version and every cache of it
    stay as they are."""
    actor = require(by, "edit")
    name = " ".join(name.split())
    if not name:
        raise Refused(NAME_MISSING)
    if len(name) > MAX_NAME:
        raise Refused(NAME_TOO_LONG.format(n=MAX_NAME))
    if name.casefold() == WORKING_NAME:
        raise Refused(NAME_RESERVED.format(name=name))
    with database.write_lock, database.cursor() as cur, transaction(cur):
        taken = find(cur, name)
        if taken is not None:
            raise Refused(NAME_TAKEN.format(name=name, who=taken.published_by, when=f"{taken.published_at:%Y-%m-%d}"))
        freeze(cur, name, note, actor.name)
        bump_records_version(cur, [("releases", None)])
        release = find(cur, name)
    assert release is not None
    return release


def freeze(cur: Cursor, name: str, note: str | None, published_by: str) -> int:
    """Copy every frozen table as it stands into a new release of that (checked, free) name, in the caller's
    transaction; returns its id. `publish` checks who and what name; `init` calls it for the sample's release."""
    release_id = int(one_value(cur, "SELECT nextval('release_id_seq')"))
    cur.execute(
        """INSERT INTO releases (release_id, name, note, published_by, published_at, data_version, sample)
           VALUES ($id, $name, $note, $by, now()::TIMESTAMP, $version, $sample)""",
        {"id": release_id, "name": name, "note": (note or "").strip() or None, "by": published_by,
         "version": data_version(cur), "sample": is_sample(cur)},
    )  # fmt: skip
    for table in FROZEN_TABLES:
        cur.execute(f"INSERT INTO {quoted('release_' + table)} SELECT $id, * FROM {quoted(table)}", {"id": release_id})
    return release_id


def withdraw(database: Database, name: str, reason: str, by: Actor | None) -> Release:
    """Mark a release withdrawn (an admin, with a reason): it is kept, still opens by its link, marked; Refused
    for an unknown name, no reason or a release withdrawn already."""
    actor = require(by, "admin")
    reason = reason.strip()
    if not reason:
        raise Refused(NO_REASON)
    with database.write_lock, database.cursor() as cur, transaction(cur):
        release = named(cur, name)
        if release.withdrawn:
            raise Refused(
                ALREADY_WITHDRAWN.format(
                    name=release.name, who=release.withdrawn_by, when=f"{release.withdrawn_at:%Y-%m-%d}"
                )
            )
        cur.execute(
            """UPDATE releases SET withdrawn_by = $by, withdrawn_at = now()::TIMESTAMP, withdrawn_reason = $reason
               WHERE release_id = $id""",
            {"by": actor.name, "reason": reason, "id": release.release_id},
        )
        bump_records_version(cur, [("releases", None)])
        withdrawn = find(cur, name)
    assert withdrawn is not None
    return withdrawn


def named(cur: Cursor, name: str) -> Release:
    """The release of that name; Refused (listing the releases there are) when there is none."""
    release = find(cur, name)
    if release is None:
        known = "、".join(r.name for r in list_releases(cur)) or "—"
        raise Refused(UNKNOWN.format(name=name, known=known))
    return release


_SHOWING: dict[int, Release] = {}  # a cursor inside frozen(), by id -> the release it reads


def shown(cur: Cursor) -> Release | None:
    """The release `cur` reads (inside frozen), or None when it reads the working data: what a chart's source line
    names, whoever made the cursor."""
    return _SHOWING.get(id(cur))


_COLUMN_NAMES: dict[str, tuple[str, ...]] = {}  # table -> its columns (the schema is fixed while a process runs)


def _columns(cur: Cursor, table: str) -> tuple[str, ...]:
    if table not in _COLUMN_NAMES:
        _COLUMN_NAMES[table] = tuple(cur.execute(f"SELECT * FROM {quoted(table)} WHERE false").df().columns)
    return _COLUMN_NAMES[table]


@contextmanager
def frozen(cur: Cursor, release_id: int) -> Iterator[Cursor]:
    """`cur`, inside a transaction of its own, reading the release instead of the working data: every table the
    release froze is a temporary view of its rows (the engine looks temporary names up first); rolled back
    afterwards, so nothing of it outlives the block. Read only through it; `shown(cur)` is the release meanwhile."""
    # On PostgreSQL, a statement psycopg prepared earlier on this connection keeps the plan it made then, on the
    # working tables: it would not see the views below. None is prepared or reused while the release is read.
    connection = getattr(cur, "connection", None) if dialect(cur) == "postgres" else None
    threshold = connection.prepare_threshold if connection is not None else None
    if connection is not None:
        connection.prepare_threshold = None
    cur.execute("BEGIN TRANSACTION")
    try:
        for table in FROZEN_TABLES:
            columns = ", ".join(quoted(c) for c in _columns(cur, table))
            cur.execute(
                f"CREATE TEMPORARY VIEW {quoted(table)} AS SELECT {columns} FROM {quoted('release_' + table)} "
                f"WHERE release_id = {int(release_id)}"  # a view's text takes no parameters
            )
        row = cur.execute(f"SELECT {_COLUMNS} FROM releases WHERE release_id = $id", {"id": release_id}).fetchone()
        _SHOWING[id(cur)] = Release(*row)
        yield cur
    finally:
        _SHOWING.pop(id(cur), None)
        cur.execute("ROLLBACK")
        if connection is not None:
            connection.prepare_threshold = threshold
