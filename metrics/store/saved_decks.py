"""Saved decks: a meeting deck kept on the server under a name (its charts as a deck link writes them), pinned to
a release or to "the latest release", with who saved it and when.

A saved deck is never changed: the same name over the same release is the same slides and numbers every time. Its
saver (while still an editor) or an admin may delete it; the figures it showed stay in the release.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ..domain.account_names import account_key
from ..domain.i18n import Refused, Text
from ..domain.roles import Actor, Forbidden, require
from .database import Database
from .meta import bump_records_version
from .releases import Release, latest, list_releases
from .transactions import Cursor, transaction

MAX_NAME = 80


@dataclass(frozen=True)
class SavedDeck:
    """A deck as saved: its name, its charts (the text a deck link carries), the release it is pinned to (None:
    the latest release), who saved it and when."""

    name: str
    definition: str
    release_id: int | None
    saved_by: str
    saved_at: dt.datetime

    @property
    def latest(self) -> bool:
        """Whether it follows the latest release rather than one release."""
        return self.release_id is None


NAME_MISSING = Text("请为演示稿命名。", "Give the deck a name.")
NAME_TOO_LONG = Text("演示稿名称最长 {n} 个字符。", "A deck's name is at most {n} characters.")
NAME_TAKEN = Text(
    "已有名为“{name}”的演示稿（{who}，{when} 保存）：保存的演示稿不会被覆盖，请另起名称。",
    "There is already a saved deck named “{name}” ({who}, {when}): a saved deck is never overwritten; give this "
    "one another name.",
)
EMPTY = Text("演示稿中没有图表，无需保存。", "The deck has no charts: there is nothing to save.")
UNKNOWN = Text(
    "没有名为“{name}”的已保存演示稿。已有：{known}", "There is no saved deck named “{name}”. Saved decks: {known}"
)
NO_RELEASE = Text(
    "还没有可用的发布（未发布或均已撤回）：保存的演示稿须固定于一个发布。请先发布数据。",
    "There is no release in force (none published, or all withdrawn): a saved deck is pinned to a release. Publish "
    "the data first.",
)
PIN_WITHDRAWN = Text(
    "发布“{name}”已撤回，新保存的演示稿不能固定于它；请选择其他发布或“始终用最新发布”。",
    "The release “{name}” was withdrawn: a deck saved now cannot be pinned to it. Pin it to another release, or to "
    "the latest release.",
)
RELEASE_GONE = Text(
    "演示稿“{name}”固定的发布（编号 {id}）不在此数据库中。",
    "The release the deck “{name}” is pinned to (number {id}) is not in this database.",
)
NOT_YOURS = Text(
    "演示稿“{name}”由 {who} 保存：只有保存者或管理员可以删除。",
    "The deck “{name}” was saved by {who}: only they or an admin may delete it.",
)

_COLUMNS = "name, definition, release_id, saved_by, saved_at"


def list_decks(cur: Cursor) -> tuple[SavedDeck, ...]:
    """Every saved deck, the newest first."""
    rows = cur.execute(f"SELECT {_COLUMNS} FROM saved_decks ORDER BY saved_at DESC, name").fetchall()
    return tuple(SavedDeck(*row) for row in rows)


def find_deck(cur: Cursor, name: str) -> SavedDeck | None:
    """The saved deck of that name (names are unique), or None."""
    rows = cur.execute(f"SELECT {_COLUMNS} FROM saved_decks WHERE name = $name", {"name": _clean(name)}).fetchall()
    return SavedDeck(*rows[0]) if rows else None


def named_deck(cur: Cursor, name: str) -> SavedDeck:
    """The saved deck of that name; Refused (listing the saved decks there are) when there is none."""
    deck = find_deck(cur, name)
    if deck is None:
        known = "、".join(d.name for d in list_decks(cur)) or "—"
        raise Refused(UNKNOWN.format(name=_clean(name), known=known))
    return deck


def pinned_release(deck: SavedDeck, releases: Sequence[Release]) -> Release | None:
    """The release a saved deck shows among `releases` (newest first): the one it is pinned to (withdrawn or not:
    it still opens, marked), or the newest in force for a deck following the latest (None when there is none);
    Refused when its release is not among them."""
    if deck.latest:
        return next((r for r in releases if not r.withdrawn), None)
    found = next((r for r in releases if r.release_id == deck.release_id), None)
    if found is None:
        raise Refused(RELEASE_GONE.format(name=deck.name, id=deck.release_id))
    return found


def deck_release(cur: Cursor, deck: SavedDeck) -> Release | None:
    """The release a saved deck shows now (see pinned_release)."""
    return pinned_release(deck, list_releases(cur))


def save_deck(database: Database, name: str, definition: str, release: Release | None, by: Actor | None) -> SavedDeck:
    """Save a deck's charts (`definition`, as a deck link writes them) under `name`, pinned to `release` or, for
    None, to the latest release (an editor); Refused for an empty, too long or taken name, a deck without charts,
    or a release withdrawn, unknown or (for the latest) none in force."""
    actor = require(by, "edit")
    name = _clean(name)
    if not name:
        raise Refused(NAME_MISSING)
    if len(name) > MAX_NAME:
        raise Refused(NAME_TOO_LONG.format(n=MAX_NAME))
    if not definition:
        raise Refused(EMPTY)
    with database.write_lock, database.cursor() as cur, transaction(cur):
        taken = find_deck(cur, name)
        if taken is not None:
            raise Refused(NAME_TAKEN.format(name=name, who=taken.saved_by, when=f"{taken.saved_at:%Y-%m-%d}"))
        if release is None and latest(cur) is None:
            raise Refused(NO_RELEASE)
        if release is not None:
            stored = next((r for r in list_releases(cur) if r.release_id == release.release_id), None)
            if stored is None:
                raise Refused(RELEASE_GONE.format(name=name, id=release.release_id))
            if stored.withdrawn:
                raise Refused(PIN_WITHDRAWN.format(name=stored.name))
        cur.execute(
            """INSERT INTO saved_decks (name, definition, release_id, latest, saved_by, saved_at)
               VALUES ($name, $definition, $release, $latest, $by, now()::TIMESTAMP)""",
            {"name": name, "definition": definition, "release": None if release is None else release.release_id,
             "latest": release is None, "by": actor.name},
        )  # fmt: skip
        bump_records_version(cur, [("saved_decks", None)])
        saved = find_deck(cur, name)
    assert saved is not None
    return saved


def delete_deck(database: Database, name: str, by: Actor | None) -> SavedDeck:
    """Delete a saved deck (its saver, while an editor, or an admin); the deck deleted. Refused for an unknown
    name, Forbidden for another editor's deck."""
    actor = require(by, "edit")
    with database.write_lock, database.cursor() as cur, transaction(cur):
        deck = named_deck(cur, name)
        if not may_delete(actor, deck):
            raise Forbidden(NOT_YOURS.format(name=deck.name, who=deck.saved_by))
        cur.execute("DELETE FROM saved_decks WHERE name = $name", {"name": deck.name})
        bump_records_version(cur, [("saved_decks", None)])
    return deck


def may_delete(actor: Actor | None, deck: SavedDeck) -> bool:
    """Whether `actor` may delete the deck: an admin, or its saver while an editor."""
    if actor is None or not actor.may("edit"):
        return False
    return actor.may("admin") or account_key(actor.name) == account_key(deck.saved_by)


def _clean(name: str) -> str:
    return " ".join(name.split())
