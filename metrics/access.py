"""Who may do what: roles, accounts with argon2-hashed passwords, and identities from a sign-in provider.

With no account at all the app runs in local single-user mode (whoever opens it may change data). Once an account
exists, people sign in; a viewer sees everything and changes nothing, an editor uploads and undoes, an admin also
manages accounts. The CLI runs with the rights of whoever can open the database file, as an admin.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from dataclasses import dataclass

import argon2

from . import queries
from .db import Database
from .i18n import ROLE_NAMES, Problem, Text

ROLES = queries.ROLES
ABILITIES = {"view": frozenset(ROLES), "edit": frozenset({"editor", "admin"}), "admin": frozenset({"admin"})}
MIN_PASSWORD = 8
_NAME = re.compile(r"^[\w.@+-]{1,64}$")  # letters (any script), digits and . @ + - _: also fits e-mail addresses


@dataclass(frozen=True)
class Actor:
    """Someone acting on the data: a name (recorded with every change), a role and how they signed in."""

    name: str
    role: str
    via: str  # "local" (no accounts), "password", "oidc" (the identity provider) or "cli"
    stamp: str = ""  # the account's credentials when signed in: a new password or a re-made account ends the session

    def may(self, ability: str) -> bool:
        """Whether this role has the ability ('view', 'edit' or 'admin')."""
        return self.role in ABILITIES[ability]


def local_actor(name: str = "") -> Actor:
    """The one user of local single-user mode (no accounts configured), named as they typed it."""
    return Actor(name.strip() or "local", "admin", "local")


def cli_actor(name: str) -> Actor:
    """The CLI's user: whoever can open the database file can change it anyway."""
    return Actor(name, "admin", "cli")


class Refused(Problem):
    """An account change or an action was refused; nothing was written."""


class Forbidden(Refused):
    """The actor's role does not allow this."""


def require(actor: Actor | None, ability: str) -> Actor:
    """The actor, if their role has the ability; otherwise Forbidden (checked on the server before every write)."""
    if actor is None or not actor.may(ability):
        who = Text("未登录用户", "someone not signed in") if actor is None else _who(actor)
        raise Forbidden(
            Text("{who}无权执行此操作，未做任何改动。", "{who} may not do this; nothing was changed.").format(who=who)
        )
    return actor


def _who(actor: Actor) -> Text:
    return Text("{n}（{r}）", "{n} ({r})").format(n=actor.name, r=ROLE_NAMES[actor.role])


_HASHER = argon2.PasswordHasher()
# Verified against when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")
_CHECKING = threading.BoundedSemaphore(2)  # each check takes 64 MiB and ~0.2 s: at most two at once
MAX_FAILURES, FAILURE_WINDOW_S = 5, 15 * 60  # then that name is refused until the window has passed
_FAILURES: dict[str, list[float]] = {}
_FAILURES_LOCK = threading.Lock()


def accounts_configured(database: Database) -> bool:
    """Whether any account exists (otherwise: local single-user mode)."""
    with database.cursor() as cur:
        return queries.user_count(cur) > 0


def sign_in(database: Database, name: str, password: str) -> Actor | None:
    """The account's actor if the name and password match, else None (also after too many recent failures)."""
    name = name.strip()
    if _recent_failures(name) >= MAX_FAILURES:
        return None
    with database.cursor() as cur:
        user = queries.get_user(cur, name)
    stored = user["password_hash"] if user and user["password_hash"] else _DUMMY_HASH
    try:
        with _CHECKING:
            _HASHER.verify(stored, password)
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
        user = queries.get_user(cur, email.strip().lower())
    if user is None or user["password_hash"]:  # a password account is never entered without its password
        return None
    return Actor(user["name"], user["role"], "oidc", _stamp(user))


def current(database: Database, actor: Actor) -> Actor | None:
    """The actor with the role their account has now; None once the account is removed, re-made or its password
    changed. Local and CLI actors as they are."""
    if actor.via in ("local", "cli"):
        return actor
    with database.cursor() as cur:
        user = queries.get_user(cur, actor.name)
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
    with database.write_lock, database.cursor() as cur, queries.transaction(cur):
        if queries.get_user(cur, name):
            raise Refused(Text("账户 {n} 已存在。", "The account {n} already exists.").format(n=name))
        if queries.user_count(cur) == 0 and role != "admin":
            raise Refused(
                Text(
                    "第一个账户必须是管理员，否则无人能管理账户。",
                    "The first account must be an admin, or nobody could manage accounts.",
                )
            )
        queries.insert_user(cur, name, role, hashed, by.name)


def set_role(database: Database, name: str, role: str, by: Actor) -> None:
    """Give an account another role (the last admin keeps theirs)."""
    require(by, "admin")
    _check_role(role)
    with database.write_lock, database.cursor() as cur, queries.transaction(cur):
        _check_not_last_admin(cur, name, losing=role != "admin")
        if not queries.update_user(cur, name, by.name, role=role):
            raise _unknown(name)


def set_password(database: Database, name: str, password: str, by: Actor) -> None:
    """Set a new password for an account (an admin for anyone, anyone for themselves)."""
    if by.name != name or by.via != "password":
        require(by, "admin")
    hashed = _hashed(password)
    with database.write_lock, database.cursor() as cur, queries.transaction(cur):
        if not queries.update_user(cur, name, by.name, password_hash=hashed):
            raise _unknown(name)


def remove_user(database: Database, name: str, by: Actor) -> None:
    """Remove an account (never the last admin while other accounts remain)."""
    require(by, "admin")
    with database.write_lock, database.cursor() as cur, queries.transaction(cur):
        _check_not_last_admin(cur, name, losing=True)
        if not queries.delete_user(cur, name):
            raise _unknown(name)


def _check_not_last_admin(cur: queries.Cursor, name: str, *, losing: bool) -> None:
    users = queries.list_users(cur)
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
    return _HASHER.hash(password)


def _unknown(name: str) -> Refused:
    return Refused(Text("没有名为 {n} 的账户。", "There is no account named {n}.").format(n=name))
