"""Accounts: who may sign in with which role, passwords as argon2 hashes, identities from a sign-in provider.

No account at all means local single-user mode (see domain/roles.py). Every account change is checked against the
role of whoever makes it, and advances the records version that cached account lists key on.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import threading
import time

import argon2
import argon2.profiles
import pandas as pd

from ..domain.i18n import Refused, Text
from ..domain.roles import ROLES, Actor, require
from .database import Database
from .meta import bump_records_version
from .transactions import Cursor, one_value, transaction

MIN_PASSWORD = 8
_NAME = re.compile(r"^[\w.@+-]{1,64}$")  # letters (any script), digits and . @ + - _: also fits e-mail addresses


@functools.cache
def _hasher() -> argon2.PasswordHasher:
    """argon2's recommended parameters, or the profile $PILOT_ARGON2_PROFILE names (the tests use CHEAPEST, so that a
    hash takes microseconds). A stored hash carries its parameters, so hashes made under either verify alike."""
    profile = os.environ.get("PILOT_ARGON2_PROFILE")
    if not profile:
        return argon2.PasswordHasher()
    return argon2.PasswordHasher.from_parameters(getattr(argon2.profiles, profile.upper()))


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so a wrong name takes as long as a wrong password (made when first
    needed: hashing at import cost every CLI start a quarter of a second)."""
    return _hasher().hash("not a password of anyone")


_CHECKING = threading.BoundedSemaphore(2)  # each check takes 64 MiB and ~0.2 s: at most two at once
MAX_FAILURES, FAILURE_WINDOW_S = 5, 15 * 60  # then that name is refused until the window has passed
_FAILURES: dict[str, list[float]] = {}
_FAILURES_LOCK = threading.Lock()


def accounts_configured(database: Database) -> bool:
    """Whether any account exists (otherwise: local single-user mode)."""
    with database.cursor() as cur:
        return user_count(cur) > 0


def sign_in(database: Database, name: str, password: str) -> Actor | None:
    """The account's actor if the name and password match, else None (also after too many recent failures)."""
    name = name.strip()
    if _recent_failures(name) >= MAX_FAILURES:
        return None
    with database.cursor() as cur:
        user = get_user(cur, name)
    stored = user["password_hash"] if user and user["password_hash"] else _dummy_hash()
    try:
        with _CHECKING:
            _hasher().verify(stored, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        _note_failure(name)
        return None
    if user is None or not user["password_hash"]:
        return None
    return Actor(user["name"], user["role"], "password", _stamp(user))


def _recent_failures(name: str) -> int:
    with _FAILURES_LOCK:
        now = time.monotonic()
        _FAILURES[name] = [t for t in _FAILURES.get(name, []) if now - t < FAILURE_WINDOW_S]
        return len(_FAILURES[name])


def _note_failure(name: str) -> None:
    with _FAILURES_LOCK:
        _FAILURES.setdefault(name, []).append(time.monotonic())


def identity_actor(database: Database, email: str | None, verified: bool | None = None) -> Actor | None:
    """The actor for someone the identity provider signed in, matched on e-mail to an account without a password;
    None if there is none, or if the provider says the address is not verified."""
    if not email or verified is False:
        return None
    with database.cursor() as cur:
        user = get_user(cur, email.strip().lower())
    if user is None or user["password_hash"]:  # a password account is never entered without its password
        return None
    return Actor(user["name"], user["role"], "oidc", _stamp(user))


def current(database: Database, actor: Actor) -> Actor | None:
    """The actor with the role their account has now; None once the account is removed, re-made or its password
    changed. Local and CLI actors as they are."""
    if actor.via in ("local", "cli"):
        return actor
    with database.cursor() as cur:
        user = get_user(cur, actor.name)
    if user is None or _stamp(user) != actor.stamp:
        return None
    return Actor(user["name"], user["role"], actor.via, actor.stamp)


def _stamp(user: dict) -> str:
    return hashlib.sha256(f"{user['password_hash']}|{user['created_at']}".encode()).hexdigest()[:16]


def add_user(database: Database, name: str, role: str, password: str | None, by: Actor) -> None:
    """Add an account: with a password, or none for an identity that signs in through the identity provider."""
    require(by, "admin")
    name = _checked_name(name, identity=password is None)
    _check_role(role)
    hashed = _hashed(password) if password is not None else None
    with database.write_lock, database.cursor() as cur, transaction(cur):
        if get_user(cur, name):
            raise Refused(Text("账户 {n} 已存在。", "The account {n} already exists.").format(n=name))
        if user_count(cur) == 0 and role != "admin":
            raise Refused(
                Text(
                    "第一个账户必须是管理员，否则无人能管理账户。",
                    "The first account must be an admin, or nobody could manage accounts.",
                )
            )
        insert_user(cur, name, role, hashed, by.name)


def set_role(database: Database, name: str, role: str, by: Actor) -> None:
    """Give an account another role (the last admin keeps theirs)."""
    require(by, "admin")
    _check_role(role)
    with database.write_lock, database.cursor() as cur, transaction(cur):
        _check_not_last_admin(cur, name, losing=role != "admin")
        if not update_user(cur, name, by.name, role=role):
            raise _unknown(name)


def set_password(database: Database, name: str, password: str, by: Actor) -> None:
    """Set a new password for an account (an admin for anyone, anyone for themselves)."""
    if by.name != name or by.via != "password":
        require(by, "admin")
    hashed = _hashed(password)
    with database.write_lock, database.cursor() as cur, transaction(cur):
        if not update_user(cur, name, by.name, password_hash=hashed):
            raise _unknown(name)


def remove_user(database: Database, name: str, by: Actor) -> None:
    """Remove an account (never the last admin while other accounts remain)."""
    require(by, "admin")
    with database.write_lock, database.cursor() as cur, transaction(cur):
        _check_not_last_admin(cur, name, losing=True)
        if not delete_user(cur, name):
            raise _unknown(name)


def _check_not_last_admin(cur: Cursor, name: str, *, losing: bool) -> None:
    users = list_users(cur)
    admins = set(users.loc[users["role"] == "admin", "name"])
    if losing and admins == {name}:  # without an admin nobody could manage accounts; without any account the app
        # would silently open to everyone
        raise Refused(
            Text(
                "{n} 是唯一的管理员，不能移除或降级；请先指定另一位管理员。",
                "{n} is the only admin and cannot be removed or demoted; make someone else an admin first.",
            ).format(n=name)
        )


def _checked_name(name: str, *, identity: bool) -> str:
    name = name.strip()
    if identity:
        name = name.lower()
        if "@" not in name:
            raise Refused(
                Text(
                    "通过身份提供方登录的账户以电子邮件地址为名（{n} 不是）。",
                    "An account that signs in through the identity provider is named by its e-mail address ({n} is "
                    "not one).",
                ).format(n=name)
            )
    if not _NAME.match(name):
        raise Refused(
            Text(
                "账户名“{n}”无效：请用 1–64 个字母、数字或 . @ + - _。",
                "The account name '{n}' is not valid: use 1–64 letters, digits or . @ + - _.",
            ).format(n=name)
        )
    return name


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise Refused(Text("角色须为 {r} 之一。", "The role must be one of {r}.").format(r=", ".join(ROLES)))


def _hashed(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise Refused(
            Text("密码至少需要 {n} 个字符。", "The password needs at least {n} characters.").format(n=MIN_PASSWORD)
        )
    return _hasher().hash(password)


def _unknown(name: str) -> Refused:
    return Refused(Text("没有名为 {n} 的账户。", "There is no account named {n}.").format(n=name))


# --- the users table ---------------------------------------------------------------------------------------


def user_count(cur: Cursor) -> int:
    """How many accounts there are (none: local single-user mode)."""
    return int(one_value(cur, "SELECT count(*) FROM users"))


def get_user(cur: Cursor, name: str) -> dict | None:
    """One account (name, role, password_hash, created_at), or None."""
    rows = cur.execute(
        "SELECT name, role, password_hash, created_at FROM users WHERE name = $name", {"name": name}
    ).fetchall()
    return dict(zip(("name", "role", "password_hash", "created_at"), rows[0], strict=True)) if rows else None


def list_users(cur: Cursor) -> pd.DataFrame:
    """Every account without its password hash, by name."""
    return cur.execute(
        """SELECT name, role, password_hash IS NOT NULL AS has_password, created_at, created_by, changed_at,
                  changed_by
           FROM users ORDER BY name"""
    ).df()


def _accounts_changed(cur: Cursor) -> None:
    """Advance the records version (run_state), inside the transaction that changes the accounts."""
    bump_records_version(cur)


def insert_user(cur: Cursor, name: str, role: str, password_hash: str | None, by: str) -> None:
    """Add an account."""
    cur.execute(
        "INSERT INTO users (name, role, password_hash, created_by) VALUES ($name, $role, $hash, $by)",
        {"name": name, "role": role, "hash": password_hash, "by": by},
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


def delete_user(cur: Cursor, name: str) -> int:
    """Remove an account; returns how many were removed (0 or 1)."""
    removed = len(cur.execute("DELETE FROM users WHERE name = $name RETURNING name", {"name": name}).fetchall())
    if removed:
        _accounts_changed(cur)
    return removed
