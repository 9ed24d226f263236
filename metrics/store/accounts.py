"""Accounts: who may sign in with which role, passwords as argon2 hashes, identities from a sign-in provider.

No account at all means local single-user mode (see domain/roles.py). Every account change is checked against the
role of whoever makes it, and advances the records version that cached account lists key on.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re
import secrets
import threading
import time
from pathlib import Path

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
# Five failures for a name from one place (a browser's address), then that place is refused for that name until the
# window has passed; someone guessing from elsewhere does not lock the account's owner out. Fifty for a name from
# everywhere bounds guessing spread over many places.
MAX_FAILURES, MAX_NAME_FAILURES, FAILURE_WINDOW_S = 5, 50, 15 * 60
_FAILURES: dict[tuple[str, str], list[float]] = {}
_FAILURES_LOCK = threading.Lock()


def accounts_configured(database: Database) -> bool:
    """Whether any account exists (otherwise: local single-user mode)."""
    with database.cursor() as cur:
        return user_count(cur) > 0


def sign_in(database: Database, name: str, password: str, source: str = "") -> Actor | None:
    """The account's actor if the name (in any case) and password match, else None (also after too many recent
    failures for that name from `source`, the address signing in, or from everywhere)."""
    name = name.strip()
    key = name.casefold()
    if _recent_failures(source, key) >= MAX_FAILURES or _recent_failures(None, key) >= MAX_NAME_FAILURES:
        return None
    with database.cursor() as cur:
        user = get_user(cur, name)
    stored = user["password_hash"] if user and user["password_hash"] else _dummy_hash()
    try:
        with _CHECKING:
            _hasher().verify(stored, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        _note_failure(source, key)
        return None
    if user is None or not user["password_hash"]:
        return None
    return Actor(user["name"], user["role"], "password", _stamp(user))


def _recent_failures(source: str | None, name: str) -> int:
    """Failures for a name within the window: from one source, or (None) from all."""
    with _FAILURES_LOCK:
        now = time.monotonic()
        for k in [k for k in _FAILURES if k[1] == name]:
            _FAILURES[k] = [t for t in _FAILURES[k] if now - t < FAILURE_WINDOW_S]
        return sum(len(v) for k, v in _FAILURES.items() if k[1] == name and source in (None, k[0]))


def _note_failure(source: str, name: str) -> None:
    with _FAILURES_LOCK:
        _FAILURES.setdefault((source, name), []).append(time.monotonic())


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
        name = _stored_name(cur, name)
        _check_not_last_admin(cur, name, losing=role != "admin")
        update_user(cur, name, by.name, role=role)


def set_password(database: Database, name: str, password: str, by: Actor) -> None:
    """Set a new password for an account (an admin for anyone, anyone for themselves)."""
    if by.name.casefold() != name.strip().casefold() or by.via != "password":
        require(by, "admin")
    hashed = _hashed(password)
    with database.write_lock, database.cursor() as cur, transaction(cur):
        update_user(cur, _stored_name(cur, name), by.name, password_hash=hashed)


def remove_user(database: Database, name: str, by: Actor) -> None:
    """Remove an account (never the last admin while other accounts remain)."""
    require(by, "admin")
    with database.write_lock, database.cursor() as cur, transaction(cur):
        name = _stored_name(cur, name)
        _check_not_last_admin(cur, name, losing=True)
        delete_user(cur, name)


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


def _stored_name(cur: Cursor, name: str) -> str:
    """An account's name as stored, found whatever the case it is given in; Refused when there is none."""
    user = get_user(cur, name.strip())
    if user is None:
        raise _unknown(name)
    return str(user["name"])


def _unknown(name: str) -> Refused:
    return Refused(Text("没有名为 {n} 的账户。", "There is no account named {n}.").format(n=name))


# --- the users table ---------------------------------------------------------------------------------------


def user_count(cur: Cursor) -> int:
    """How many accounts there are (none: local single-user mode)."""
    return int(one_value(cur, "SELECT count(*) FROM users"))


def get_user(cur: Cursor, name: str) -> dict | None:
    """One account (name, role, password_hash, created_at), its name matched in any case, or None."""
    rows = cur.execute(
        """SELECT name, role, password_hash, created_at FROM users WHERE lower(name) = lower($name)
           ORDER BY name = $name DESC LIMIT 1""",
        {"name": name},
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


# --- remembered sign-ins ----------------------------------------------------------------------------------------
# A signed-in browser keeps a token (a cookie) that signs it in again after a reload, until it expires: the
# account's name, the expiry and an HMAC over both and the account's stamp, so that a new password, a re-made
# account or a removed one ends it at once. The key is $PILOT_SESSION_KEY (the same on every machine that serves
# the app), else a random one kept in the database's folder.
SESSION_KEY_FILE = ".session-key"


def session_key(database: Database) -> bytes:
    """The key remembered sign-ins are signed with."""
    given = os.environ.get("PILOT_SESSION_KEY")
    if given:
        return given.encode()
    path = Path(database.folder) / SESSION_KEY_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        key = secrets.token_hex(32).encode()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # only this user may read it
        with os.fdopen(fd, "wb") as out:
            out.write(key)
        return key
    except FileExistsError:  # another process made it first
        return path.read_bytes()


def session_token(database: Database, actor: Actor, hours: float, now: float | None = None) -> str:
    """A token that signs `actor` (a password account) in again for `hours`."""
    with database.cursor() as cur:
        user = get_user(cur, actor.name)
    if user is None:
        raise _unknown(actor.name)
    expiry = int((now or time.time()) + hours * 3600)
    body = f"{user['name']}|{expiry}"
    return f"{body}|{_signature(database, body, _stamp(user))}"


def token_actor(database: Database, token: str, now: float | None = None) -> Actor | None:
    """The password account a token signs in, while it has not expired and the account is as it was; else None."""
    try:
        name, expiry, signature = token.rsplit("|", 2)
        if int(expiry) < (now or time.time()):
            return None
    except ValueError:
        return None
    with database.cursor() as cur:
        user = get_user(cur, name)
    if user is None or not user["password_hash"] or user["name"] != name:
        return None
    if not hmac.compare_digest(signature, _signature(database, f"{name}|{expiry}", _stamp(user))):
        return None
    return Actor(user["name"], user["role"], "password", _stamp(user))


def _signature(database: Database, body: str, stamp: str) -> str:
    return hmac.new(session_key(database), f"{body}|{stamp}".encode(), hashlib.sha256).hexdigest()
