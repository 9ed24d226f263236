"""Versions of what results read: a number per table and year (per table, for tables without years), set in the same
transaction as every write that changes them, so that a result cached under the versions of what it read (reads.py)
stays warm when other tables or years change: one pilot's figures for the year being collected leave every result
about earlier years as it was.

Every write takes the next number of one counter and sets it on each (table, year) it changed; so the largest
number over any set of (table, year) moves exactly when something in the set changes, and one number keys a
result however much it read. A write that cannot say what it changed (init, restore) sets it on everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .transactions import Cursor, one_value

if TYPE_CHECKING:
    from .reads import Reads

# Names in the change_versions table besides "table" and "table:year".
COUNTER = "#"  # the last number taken
EVERYTHING = "*"  # the last write that changed everything: part of every result's key

Change = tuple[str, int | None]  # a table and the year changed (None: every year, or a table without years)


def bump(cur: Cursor, changed: Iterable[Change] | None = None) -> int:
    """Take the next number and set it on each (table, year) changed, or (None) on everything; the number. Call
    inside the transaction that makes the change."""
    cur.execute(_SET, {"name": COUNTER, "version": 0})  # the row, before the counter moves on
    cur.execute("UPDATE change_versions SET version = version + 1 WHERE name = $name", {"name": COUNTER})
    number = int(one_value(cur, "SELECT version FROM change_versions WHERE name = $name", {"name": COUNTER}))
    if changed is None:
        names = [EVERYTHING]
    else:
        names = sorted({table if year is None else f"{table}:{year}" for table, year in changed})
    # one statement for all of them: a write of many years names a hundred or more
    cur.execute(_SET_ALL, {"names": names, "version": number})
    return number


_ON_CONFLICT = "ON CONFLICT (name) DO UPDATE SET version = greatest(change_versions.version, excluded.version)"
_SET = f"INSERT INTO change_versions VALUES ($name, $version) {_ON_CONFLICT}"
_SET_ALL = f"INSERT INTO change_versions SELECT unnest($names::VARCHAR[]), $version {_ON_CONFLICT}"


# What meta.run_state reads beside the meta table, in the same statement (names prefixed, apart from meta's keys).
PREFIX = "version:"
ROWS_SQL = f"SELECT '{PREFIX}' || name, CAST(version AS TEXT) FROM change_versions"


class Versions:
    """The versions a run reads its data at: `stamp(reads)` is the number that keys a result reading `reads`."""

    __slots__ = ("_rows", "_stamps", "_tables", "everything", "latest")

    def __init__(self, rows: dict[str, int]):
        self._rows = rows
        self.latest = rows.get(COUNTER, 0)
        self.everything = rows.get(EVERYTHING, 0)
        self._tables: dict[str, list[tuple[int | None, int]]] = {}
        for name, version in rows.items():
            if name in (COUNTER, EVERYTHING):
                continue
            table, _, year = name.partition(":")
            self._tables.setdefault(table, []).append((int(year) if year else None, version))
        self._stamps: dict[Reads, int] = {}

    def __eq__(self, other: object) -> bool:
        # every row, not the counter alone: two databases can share an id (copies of one file) and a counter value
        # while their tables' versions differ, and run_state reuses the stamps of versions equal to the last read
        return isinstance(other, Versions) and other._rows == self._rows

    def __hash__(self) -> int:
        return hash((self.latest, self.everything))

    def __repr__(self) -> str:
        return f"Versions(latest={self.latest})"

    def stamp(self, reads: Reads | None) -> int:
        """The largest version over what `reads` names (None: over everything, the counter itself)."""
        if reads is None:
            return self.latest
        known = self._stamps.get(reads)
        if known is None:
            known = self.everything
            first, last = reads.years
            for table in reads.tables:
                for year, version in self._tables.get(table, ()):
                    if version > known and (year is None or first <= year <= last):
                        known = version
            self._stamps[reads] = known
        return known


def versions_of(meta_rows: dict[str, str]) -> Versions:
    """The versions among the rows meta.run_state read (those named with PREFIX)."""
    return Versions({k[len(PREFIX) :]: int(v) for k, v in meta_rows.items() if k.startswith(PREFIX)})
