"""Accounts and kept backups for display (never a password hash)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..domain.i18n import Text
from ..domain.roles import ROLE_NAMES, shown_name
from ..store.accounts import list_users
from ..store.backups import Manifest
from ..store.transactions import Cursor


def users(cur: Cursor, lang: str) -> pd.DataFrame:
    """The accounts table, straight from the database."""
    return users_table(list_users(cur), lang)


def users_table(users: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The accounts for display (never their password hashes)."""
    how = {True: Text("密码", "password"), False: Text("身份提供方", "identity provider")}
    return pd.DataFrame(
        {
            Text("账户", "Account")(lang): users["name"],
            Text("角色", "Role")(lang): users["role"].map(lambda r: ROLE_NAMES[r](lang)),
            Text("登录方式", "Signs in with")(lang): users["has_password"].map(lambda p: how[bool(p)](lang)),
            Text("创建", "Created")(lang): users["created_at"].dt.strftime("%Y-%m-%d %H:%M").fillna(""),
            Text("创建人", "Created by")(lang): users["created_by"].map(lambda n: shown_name(n, lang)),
            Text("修改", "Changed")(lang): users["changed_at"].dt.strftime("%Y-%m-%d %H:%M").fillna(""),  # not "None"
            Text("修改人", "Changed by")(lang): users["changed_by"].map(lambda n: shown_name(n, lang)),
        }
    )


def sessions(running: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The sessions running now for display (times in UTC): whose, since when, last used, from where, which browser."""
    return pd.DataFrame(
        {
            Text("账户", "Account")(lang): running["account"],
            Text("登录时间（UTC）", "Signed in (UTC)")(lang): running["created_at"].dt.strftime("%Y-%m-%d %H:%M"),
            Text("最近使用（UTC）", "Last used (UTC)")(lang): running["last_seen"].dt.strftime("%Y-%m-%d %H:%M"),
            Text("有效至（UTC）", "Ends by (UTC)")(lang): running["expires_at"].dt.strftime("%Y-%m-%d %H:%M"),
            Text("地址", "Address")(lang): running["address"].fillna("").replace("", "—"),  # none: this machine
            Text("浏览器", "Browser")(lang): running["user_agent"].fillna("").str.slice(0, 80),
        }
    )


def session_label(running: pd.DataFrame, session_id: str) -> str:
    """A session as a list names it: whose, from where, since when."""
    row = running.set_index("session_id").loc[session_id]
    return f"{row['account']} · {row['address'] or '—'} · {row['created_at']:%Y-%m-%d %H:%M}"


def backups_table(kept: list[tuple[Path, Manifest]], lang: str) -> pd.DataFrame:
    """Kept backups for display: (folder, manifest) pairs, newest first."""
    return pd.DataFrame(
        {
            Text("备份", "Backup")(lang): [path.name for path, _ in kept],
            Text("时间（UTC）", "Taken (UTC)")(lang): [m.created_at[:19].replace("T", " ") for _, m in kept],
            Text("数据表", "Tables")(lang): [len(m.tables) for _, m in kept],
            Text("行数", "Rows")(lang): [m.rows for _, m in kept],
            Text("原始文件", "Raw files")(lang): [len(m.raw_files) for _, m in kept],
            Text("数据版本", "Data version")(lang): [m.data_version for _, m in kept],
        }
    )
