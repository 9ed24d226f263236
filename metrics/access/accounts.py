"""Changing accounts: who may add, re-role, re-password and remove them, and what each change ends (every session of
the account, and on a new password the browsers trusted for it)."""

from __future__ import annotations

import pandas as pd

from ..domain.account_names import account_key, checked_name
from ..domain.i18n import Refused, Text
from ..domain.roles import ROLES, Actor, require
from ..store import sessions, sign_ins
from ..store.accounts import (
    delete_user,
    get_user,
    insert_user,
    list_users,
    name_taken,
    settle_name_keys,
    update_user,
    user_count,
)
from ..store.database import Database
from ..store.transactions import Cursor, transaction
from . import clock
from .passwords import hashed
from .sessions import token_hash


def accounts_configured(database: Database) -> bool:
    """Whether any account exists (otherwise: local single-user mode)."""
    with database.cursor() as cur:
        return user_count(cur) > 0


def add_user(database: Database, name: str, role: str, password: str | None, by: Actor) -> None:
    """Add an account: with a password, or none for an identity that signs in through the identity provider. A name
    that compares equal to another's (in any case or width) is refused."""
    require(by, "admin")
    name = checked_name(name, identity=password is None)
    _check_role(role)
    hash_ = hashed(password) if password is not None else None
    with database.write_lock, database.cursor() as cur, transaction(cur):
        if name_taken(cur, name):
            raise Refused(Text("账户 {n} 已存在。", "The account {n} already exists.").format(n=name))
        if user_count(cur) == 0 and role != "admin":
            raise Refused(
                Text(
                    "第一个账户必须是管理员，否则无人能管理账户。",
                    "The first account must be an admin, or nobody could manage accounts.",
                )
            )
        insert_user(cur, name, role, hash_, by.name)


def set_role(database: Database, name: str, role: str, by: Actor) -> None:
    """Give an account another role (the last admin keeps theirs); its sessions end, so it signs in as what it is."""
    require(by, "admin")
    _check_role(role)
    with database.write_lock, database.cursor() as cur, transaction(cur):
        name = _stored_name(cur, name)
        _check_not_last_admin(cur, name, losing=role != "admin")
        if update_user(cur, name, by.name, role=role):
            sessions.end_account(cur, name, "role", clock.now())


def set_password(database: Database, name: str, password: str, by: Actor, device: str | None = None) -> None:
    """Set a new password for an account (an admin for anyone, anyone for themselves): every session of it ends, and
    the browsers trusted for it are strangers again, except `device` (the browser's device cookie) when someone sets
    their own: changing a password under attack must not take away the browser that lets its owner in."""
    own = account_key(by.name) == account_key(name) and by.via == "password"
    if not own:
        require(by, "admin")
    hash_ = hashed(password)
    with database.write_lock, database.cursor() as cur, transaction(cur):
        name = _stored_name(cur, name)
        update_user(cur, name, by.name, password_hash=hash_)
        sessions.end_account(cur, name, "password", clock.now())
        keep = token_hash(device) if own and device else ""
        sign_ins.forget_devices(cur, clock.now(), account_key(name), keep=keep)


def sign_out_everywhere(database: Database, name: str, by: Actor) -> int:
    """End every session of an account (an admin for anyone, anyone for themselves); how many were ended."""
    if account_key(by.name) != account_key(name):
        require(by, "admin")
    with database.write_lock, database.cursor() as cur, transaction(cur):
        return sessions.end_account(cur, _stored_name(cur, name), "everywhere", clock.now())


def remove_user(database: Database, name: str, by: Actor) -> None:
    """Remove an account (never the last admin while other accounts remain), and end its sessions."""
    require(by, "admin")
    with database.write_lock, database.cursor() as cur, transaction(cur):
        name = _stored_name(cur, name)
        _check_not_last_admin(cur, name, losing=True)
        delete_user(cur, name)
        settle_name_keys(cur)  # a name that compared equal to this one's is found as any name is again
        sessions.end_account(cur, name, "removed", clock.now())
        sign_ins.forget_devices(cur, clock.now(), account_key(name))


def exact_names_notice(users: pd.DataFrame) -> Text | None:
    """What to tell an admin about accounts found only by their exact names (list_users), or None."""
    names = list(users.loc[users["exact_name_only"].astype(bool), "name"]) if not users.empty else []
    if not names:
        return None
    return Text(
        "以下账户的名称只差大小写或全角半角，是在名称按此比较之前建立的：在只留下其中一个之前，每个账户只能用与其完全相同的名称"
        "登录，以免一个被当作另一个。请删除多余的账户：{n}",
        "These accounts' names differ only in case or width (they were made before names were compared so): until "
        "all but one of them are removed, each signs in only by its name typed exactly as shown, so that neither is "
        "ever taken for the other. Remove the ones not wanted: {n}",
    ).format(n=Text("、".join(names), ", ".join(names)))


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


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise Refused(Text("角色须为 {r} 之一。", "The role must be one of {r}.").format(r=", ".join(ROLES)))


def _stored_name(cur: Cursor, name: str) -> str:
    """An account's name as stored, found by its name as compared; Refused when there is none."""
    user = get_user(cur, name)
    if user is None:
        raise Refused(Text("没有名为 {n} 的账户。", "There is no account named {n}.").format(n=name))
    return str(user["name"])
