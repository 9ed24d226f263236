"""The users table: accounts by name (looked up by the name as compared, access/names.py), their roles and password
hashes. What may change them, and how sign-in works, is metrics/access's; this is the SQL.

No account at all means local single-user mode (see domain/roles.py). Every change advances the records version
that cached account lists key on.
"""

from __future__ import annotations

import pandas as pd

from ..domain.account_names import account_key
from .meta import bump_records_version
from .reads import Reads, declare
from .transactions import Cursor, one_value

# --- the users table ---------------------------------------------------------------------------------------


@declare(lambda: Reads(frozenset({"users"})))
def user_count(cur: Cursor) -> int:
    """How many accounts there are (none: local single-user mode)."""
    return int(one_value(cur, "SELECT count(*) FROM users"))


def get_user(cur: Cursor, name: str) -> dict | None:
    """One account (name, role, password_hash, created_at), found by its name as compared (NFKC, case folded), or
    None. An account without a key (its name compares equal to another's: settle_name_keys) is found only by its
    exact name."""
    rows = cur.execute(
        """SELECT name, role, password_hash, created_at FROM users WHERE name_key = $key
           UNION ALL SELECT name, role, password_hash, created_at FROM users WHERE name_key IS NULL AND name = $name""",
        {"key": account_key(name), "name": name.strip()},
    ).fetchall()
    return dict(zip(("name", "role", "password_hash", "created_at"), rows[0], strict=True)) if rows else None


def name_taken(cur: Cursor, name: str) -> bool:
    """Whether an account's name compares equal to this one (a new account would pass for it)."""
    key = account_key(name)
    return get_user(cur, name) is not None or key in {account_key(n) for n in unkeyed_names(cur)}


def unkeyed_names(cur: Cursor) -> list[str]:
    """The accounts found only by their exact names: names that compare equal to another's (made before names were
    compared in any case and width), until all but one of them are removed."""
    return [str(n) for (n,) in cur.execute("SELECT name FROM users WHERE name_key IS NULL ORDER BY name").fetchall()]


def settle_name_keys(cur: Cursor) -> None:
    """Give every account without a key its name as compared, unless another account's name compares equal to it:
    then none of them has one, and each is found only by its exact name (neither is ever taken for the other)."""
    names = [str(n) for (n,) in cur.execute("SELECT name FROM users").fetchall()]
    keys = [account_key(n) for n in names]
    for name in unkeyed_names(cur):
        key = account_key(name)
        if keys.count(key) == 1:
            cur.execute("UPDATE users SET name_key = $key WHERE name = $name", {"key": key, "name": name})


def list_users(cur: Cursor) -> pd.DataFrame:
    """Every account without its password hash, by name; exact_name_only: found only by its exact name (another's
    compares equal, settle_name_keys)."""
    return cur.execute(
        """SELECT name, role, password_hash IS NOT NULL AS has_password, created_at, created_by, changed_at,
                  changed_by, name_key IS NULL AS exact_name_only
           FROM users ORDER BY name"""
    ).df()


def _accounts_changed(cur: Cursor) -> None:
    """Advance the records version (run_state), inside the transaction that changes the accounts."""
    bump_records_version(cur, [("users", None)])


def insert_user(cur: Cursor, name: str, role: str, password_hash: str | None, by: str) -> None:
    """Add an account."""
    cur.execute(
        """INSERT INTO users (name, name_key, role, password_hash, created_by)
           VALUES ($name, $key, $role, $hash, $by)""",
        {"name": name, "key": account_key(name), "role": role, "hash": password_hash, "by": by},
    )
    _accounts_changed(cur)


def update_user(cur: Cursor, name: str, by: str, *, role: str | None = None, password_hash: str | None = None) -> int:
    """Change an account's role and/or password hash (None leaves it); returns how many accounts changed (0 or 1)."""
    row = cur.execute(
        """UPDATE users SET role = coalesce($role, role), password_hash = coalesce($hash, password_hash),
                  changed_at = current_timestamp, changed_by = $by
           WHERE name = $name RETURNING name""",
        {"name": name, "role": role, "hash": password_hash, "by": by},
    ).fetchall()
    if row:
        _accounts_changed(cur)
    return len(row)


def replace_hash(cur: Cursor, name: str, password_hash: str) -> None:
    """Store a password's hash made again with today's parameters (the same password: not an account change)."""
    cur.execute("UPDATE users SET password_hash = $hash WHERE name = $name", {"name": name, "hash": password_hash})


def delete_user(cur: Cursor, name: str) -> int:
    """Remove an account; returns how many were removed (0 or 1)."""
    removed = len(cur.execute("DELETE FROM users WHERE name = $name RETURNING name", {"name": name}).fetchall())
    if removed:
        _accounts_changed(cur)
    return removed
