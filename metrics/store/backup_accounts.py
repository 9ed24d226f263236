"""What a restore does to the accounts: the backup's users table compared with the database's, said before anything is
written (accounts added, removed, roles and passwords changed; above all, who becomes an admin)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from ..domain.account_names import account_key
from ..domain.i18n import Text
from ..domain.roles import ROLE_NAMES
from .transactions import Cursor

Account = tuple[str, str, str | None]  # name, role, password hash (None: signs in through the identity provider)
COLUMNS = ("name", "role", "password_hash")


class BadAccounts(Exception):
    """A backup's users table that cannot be read as accounts; `text` says why (a clause of a refusal)."""

    def __init__(self, text: Text):
        super().__init__(text.en)
        self.text = text


@dataclass(frozen=True)
class AccountChanges:
    """The accounts a restore adds and removes, whose role or password it changes; each sorted by name."""

    added: tuple[tuple[str, str], ...] = ()  # (name, role)
    removed: tuple[tuple[str, str], ...] = ()  # (name, role)
    roles: tuple[tuple[str, str, str], ...] = ()  # (name, role before, role after)
    passwords: tuple[str, ...] = ()  # names whose password hash changes (or who gain or lose a password)
    none_left: bool = False  # the restore removes every account: the app falls back to single-user mode

    @property
    def admins(self) -> tuple[str, ...]:
        """The names the restore makes admins: added as one, or promoted."""
        return tuple(sorted([n for n, r in self.added if r == "admin"] + [n for n, _, r in self.roles if r == "admin"]))

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.roles or self.passwords)

    def text(self) -> Text:
        """The changes in a sentence (or that there are none)."""
        if not self:
            return Text("账户不变。", "The accounts stay as they are.")
        parts = []
        if self.added:
            parts.append(Text("新增 {a}", "adds {a}").format(a=_joined(_with_role(n, r) for n, r in self.added)))
        if self.removed:
            parts.append(Text("删除 {a}", "removes {a}").format(a=_joined(_with_role(n, r) for n, r in self.removed)))
        if self.roles:
            changed = (
                Text("{n}：{b} → {a}", "{n} {b} → {a}").format(n=n, b=_role(b), a=_role(a)) for n, b, a in self.roles
            )
            parts.append(Text("更改角色 {a}", "changes roles: {a}").format(a=_joined(changed)))
        if self.passwords:
            parts.append(
                Text("将 {a} 的密码改为备份中的", "sets the passwords of {a} to the backup's").format(
                    a=_joined(self.passwords)
                )
            )
        said = Text("恢复对账户的影响：", "What the restore does to the accounts: ").then(
            parts[0].then(*parts[1:], zh="；", en="; "), Text("。", ".")
        )
        if self.none_left:
            said = said.then(
                Text(
                    "恢复后没有任何账户：应用将以本机单用户模式运行。",
                    "No account is left: the app then runs in local single-user mode.",
                ),
                zh="",
                en=" ",
            )
        return said

    def admins_text(self) -> Text | None:
        """Who becomes an admin, said on its own so that it is never missed; None when nobody does."""
        if not self.admins:
            return None
        return Text("注意：此次恢复将使以下账户成为管理员：{n}。", "Note: this restore makes an admin of: {n}.").format(
            n=_joined(self.admins)
        )


def compare(before: Iterable[Account], after: Iterable[Account]) -> AccountChanges:
    """What replacing the accounts `before` with `after` changes; names matched as sign-in matches them."""
    old, new = _matched(list(before), list(after))
    both = sorted(old.keys() & new.keys())
    return AccountChanges(
        added=tuple(sorted((new[k][0], new[k][1]) for k in new.keys() - old.keys())),
        removed=tuple(sorted((old[k][0], old[k][1]) for k in old.keys() - new.keys())),
        roles=tuple(sorted((new[k][0], old[k][1], new[k][1]) for k in both if old[k][1] != new[k][1])),
        passwords=tuple(sorted(new[k][0] for k in both if old[k][2] != new[k][2])),
        none_left=bool(old) and not new,
    )


def in_database(cur: Cursor) -> list[Account]:
    """The accounts a database holds."""
    return [(str(n), str(r), h) for n, r, h in cur.execute("SELECT name, role, password_hash FROM users").fetchall()]


def in_parquet(data: bytes) -> list[Account]:
    """The accounts of a backup's users table (its Parquet file's content). BadAccounts if it lacks their columns, names
    one account twice, or (where it has the column) holds a name_key other than its name as compared: sign-in looks
    accounts up by that key, so a key of another's name would sign someone in as a different account. Names that
    compare equal (made before names were compared so) must have no key: each is found only by its exact name."""
    try:
        # From Arrow's own buffer, in this thread: a Python file read by Arrow's threads aborted the process at exit
        table = pq.read_table(pa.BufferReader(data), use_threads=False)
        names, roles, hashes = (table.column(c).to_pylist() for c in COLUMNS)
        keys = table.column("name_key").to_pylist() if "name_key" in table.column_names else None
    except Exception as exc:  # pyarrow's errors (ArrowInvalid, a missing column's KeyError) for an unreadable file
        raise BadAccounts(
            Text("其账户表无法读取（{e}）", "its users table cannot be read ({e})").format(e=_first_line(exc))
        ) from None
    accounts = [(str(n), str(r), None if h is None else str(h)) for n, r, h in zip(names, roles, hashes, strict=True)]
    compared = [account_key(name) for name, _, _ in accounts]
    shared = {key for key, n in Counter(compared).items() if n > 1}  # names made before they compared as one
    if (keys is None and shared) or len({name for name, _, _ in accounts}) != len(accounts):
        raise BadAccounts(Text("其账户表将同一账户列了两次", "its users table names one account twice"))
    wrong_key = lambda key, name_key: key is not None if name_key in shared else key != name_key  # noqa: E731
    if keys is not None and any(map(wrong_key, keys, compared)):
        raise BadAccounts(
            Text(
                "其账户表中的查找键（name_key）与账户名不符",
                "its users table looks accounts up under keys (name_key) other than their names",
            )
        )
    return accounts


def _matched(before: list[Account], after: list[Account]) -> tuple[dict[str, Account], dict[str, Account]]:
    """Both sides by one key per account: its exact name where the other side has it, else its name as compared
    where that is one account's on each side (Root and root are one account; straße and STRASSE two)."""
    old, new = {a[0]: a for a in before}, {a[0]: a for a in after}
    unmatched = (old.keys() - new.keys(), new.keys() - old.keys())
    old_rest, new_rest = (Counter(account_key(n) for n in names) for names in unmatched)
    for side, names, rest, other in ((old, unmatched[0], old_rest, new_rest), (new, unmatched[1], new_rest, old_rest)):
        for name in names:
            if rest[key := account_key(name)] == 1 == other[key]:
                side[f"~{key}"] = side.pop(name)
    return old, new


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def _with_role(name: str, role: str) -> Text:
    return Text("{n}（{r}）", "{n} ({r})").format(n=name, r=_role(role))


def _role(role: str) -> Text:
    return ROLE_NAMES.get(role, Text(role, role))


def _joined(items: Iterable[Text | str]) -> Text:
    texts = [i if isinstance(i, Text) else Text(i, i) for i in items]
    return Text("、".join(t.zh for t in texts), ", ".join(t.en for t in texts))
