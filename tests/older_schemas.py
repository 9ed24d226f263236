"""Older databases made from a new one: what each migration added, taken away again (the migration tests start from
these)."""

from __future__ import annotations

from metrics.store.schema import FROZEN_TABLES

# What version 7 added (sign-in's tables, the users' name_key), taken away again to make an older database (its index
# first, on its own: DuckDB keeps an index dropped in a transaction until it ends).
# Versions 14 to 7 undone: the saved decks, the releases, the approvals, the review's decisions, the rules' table,
# the rounds' closing, then sign-in's state and the name keys.
ROUND_CLOSED_UNDONE = ("ALTER TABLE rounds DROP COLUMN closed_at", "ALTER TABLE rounds DROP COLUMN closed_by")  # 8
LATER_UNDONE = ("DROP TABLE saved_decks",)  # 14
RELEASES_UNDONE = (*LATER_UNDONE, "DROP TABLE releases", *(f"DROP TABLE release_{t}" for t in FROZEN_TABLES),
                   "DROP SEQUENCE release_id_seq")  # fmt: skip
SIGN_IN_UNDONE = (*RELEASES_UNDONE, "DROP TABLE approvals", "DROP TABLE approval_events",
                  "DROP SEQUENCE approval_event_id_seq", "DROP TABLE flags", "DROP TABLE rule_overrides",
                  *ROUND_CLOSED_UNDONE, "DROP TABLE sessions", "DROP TABLE sign_in_failures",
                  "DROP TABLE trusted_devices", "ALTER TABLE users DROP COLUMN name_key")  # fmt: skip


def drop_name_key_index(db) -> None:
    """Drop version 7's index on the users' name_key, before SIGN_IN_UNDONE."""
    with db.write_lock, db.cursor() as cur:
        cur.execute("DROP INDEX users_name_key")
