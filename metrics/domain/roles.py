"""Who may do what: the roles, the person acting on the data, and the check made before every write.

With no account at all the app runs in local single-user mode (whoever opens it may change data). Once an account
exists, people sign in; a viewer sees everything and changes nothing, an editor uploads and undoes, an admin also
manages accounts. The CLI runs with the rights of whoever can open the database file, as an admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import Refused, Text

ROLES = ("viewer", "editor", "admin")  # who may look, who may change figures, who manages accounts
ROLE_NAMES = {"viewer": Text("查看者", "viewer"), "editor": Text("编辑", "editor"), "admin": Text("管理员", "admin")}
ABILITIES = {"view": frozenset(ROLES), "edit": frozenset({"editor", "admin"}), "admin": frozenset({"admin"})}


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


# The names the program records for its own doings, as the reader's language shows them (what is stored is unchanged).
SYSTEM_NAMES = {
    "init": Text("系统（初始化）", "system (set-up)"),
    "local": Text("本机用户", "this computer's user"),
    "cli": Text("命令行", "the command line"),  # a command run where $USER is not set (cli_actor's fallback)
}


def shown_name(name: object, lang: str) -> str:
    """A recorded person as shown: the program's own names in the reader's language, blank for none."""
    if not isinstance(name, str):
        return ""
    return SYSTEM_NAMES[name](lang) if name in SYSTEM_NAMES else name


def person(name: object) -> Text:
    """A recorded person as shown, in both languages (for a message that names them)."""
    return Text(shown_name(name, "zh"), shown_name(name, "en"))


def cli_actor(name: str) -> Actor:
    """The CLI's user: whoever can open the database file can change it anyway."""
    return Actor(name, "admin", "cli")


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
