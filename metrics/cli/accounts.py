"""Commands about who may use the data and keeping it safe: user, backup and restore."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TextIO

from ..access import accounts
from ..domain.i18n import Refused, Text
from ..domain.roles import ROLE_NAMES, ROLES
from ..store import backup_creation, backups
from ..store.accounts import list_users
from ..store.database import Database, open_database
from .common import EXIT_ENVIRONMENT, EXIT_OK, EXIT_REFUSED, Parser, UsageError, actor, print_json, reading_database


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register user (with its actions), backup and restore."""
    what = "manage the accounts that may sign in to the app"
    user = commands.add_parser("user", help=what, description=what)
    user.set_defaults(run=run_user)
    actions = user.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=Parser)
    add = actions.add_parser(
        "add",
        parents=[common],
        help="add an account",
        description="add an account (password asked twice on a terminal, or read from standard input); with "
        "`--oidc`, NAME is the e-mail address the identity provider reports and there is no password. The first "
        "account must be an admin",
    )
    add.add_argument("name", help="account name; with --oidc, the e-mail address the identity provider reports")
    add.add_argument("--role", required=True, choices=ROLES, help="viewer, editor or admin")
    add.add_argument("--oidc", action="store_true", help="signs in through the identity provider (no password)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    listed = actions.add_parser(
        "list",
        parents=[common],
        help="list the accounts",
        description='the accounts, a line each with its role and how it signs in; `--json` prints `[{"name", '
        '"role", "password", "exact_name_only"}, …]`, `password` false for an account that signs in through the '
        "identity provider",
    )
    listed.add_argument("--json", action="store_true", help="print JSON")
    role = actions.add_parser(
        "role",
        parents=[common],
        help="change an account's role",
        description="change an account's role (the last admin cannot be demoted); its sessions end",
    )
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
    password = actions.add_parser(
        "password",
        parents=[common],
        help="set an account's password",
        description="set an account's password (asked twice on a terminal, or read from standard input); its "
        "sessions end",
    )
    password.add_argument("name")
    password.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    actions.add_parser(
        "remove",
        parents=[common],
        help="remove an account",
        description="remove an account (never the last admin)",
    ).add_argument("name")

    back = commands.add_parser(
        "backup",
        parents=[common],
        help="back up every table and the raw upload files",
        description="every table (as one consistent moment) and the raw upload files into a new or empty folder, "
        "with a manifest of row counts and SHA-256 signed with the backup key; sign-in state (sessions, failed "
        "sign-ins, trusted browsers) is never backed up",
    )
    back.add_argument("--out", required=True, metavar="DIR", help="folder to create (must not exist, or be empty)")
    back.set_defaults(run=run_backup)

    restore = commands.add_parser(
        "restore",
        parents=[common],
        help="replace all data with a backup's",
        description="replace all data (and the accounts) with a backup's after checking it, saying first what it "
        "does to the accounts (added, removed, roles and passwords changed; who becomes an admin, on stderr too); "
        "exit 1 and nothing written if it is damaged, from another schema version, or not signed with this "
        "database's backup key (made elsewhere, or before backups were signed) unless `--foreign` confirms you know "
        "where it came from; ends every session; asks first unless `--yes`",
    )
    restore.add_argument("dir", metavar="DIR", help="a folder written by `backup`")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    restore.add_argument(
        "--foreign",
        action="store_true",
        help="restore a backup this database's backup key did not sign (made elsewhere, or before backups were "
        "signed), once you know where it came from",
    )
    restore.set_defaults(run=run_restore)


def _password(args: argparse.Namespace, lang: str) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError(Text("请用 --password-stdin 从标准输入提供密码。", "Give the password with --password-stdin."))
    first = getpass.getpass(Text("密码：", "Password: ")(lang))
    if getpass.getpass(Text("再输入一次：", "Again: ")(lang)) != first:
        raise UsageError(Text("两次输入的密码不一致。", "The two passwords differ."))
    return first


def _user_list(database: Database, args: argparse.Namespace, lang: str) -> int:
    with database.cursor() as cur:
        frame = list_users(cur)
    if args.json:
        print_json(
            [
                {
                    "name": r.name,
                    "role": r.role,
                    "password": bool(r.has_password),
                    "exact_name_only": bool(r.exact_name_only),
                }
                for r in frame.itertuples()
            ]
        )
        return EXIT_OK
    if frame.empty:
        print(Text("没有账户：应用以本机单用户模式运行。", "No accounts: the app runs in single-user mode.")(lang))
    for r in frame.itertuples():
        how = Text("密码", "password") if r.has_password else Text("身份提供方", "identity provider")
        print(f"{r.name}\t{ROLE_NAMES[r.role](lang)}\t{how(lang)}")
    if (notice := accounts.exact_names_notice(frame)) is not None:
        print(notice(lang), file=sys.stderr)
    return EXIT_OK


def run_user(args: argparse.Namespace, lang: str) -> int:
    """user add|list|role|password|remove: the accounts that may sign in to the app."""
    if args.action == "list":  # only reads: also while the app holds the file
        return _user_list(reading_database(args, lang), args, lang)
    database = open_database(args.db)
    by = actor(args)
    try:
        if args.action == "add":
            accounts.add_user(database, args.name, args.role, None if args.oidc else _password(args, lang), by)
            done = Text("已添加账户 {n}（{r}）。", "Added the account {n} ({r}).")
        elif args.action == "role":
            accounts.set_role(database, args.name, args.role, by)
            done = Text("账户 {n} 的角色改为{r}。", "The account {n} is now {r}.")
        elif args.action == "password":
            accounts.set_password(database, args.name, _password(args, lang), by)
            done = Text("已为账户 {n} 设置新密码。", "Set a new password for {n}.")
        else:
            accounts.remove_user(database, args.name, by)
            done = Text("已删除账户 {n}。", "Removed the account {n}.")
    except Refused as exc:
        print(exc.text(lang), file=sys.stderr)
        return EXIT_REFUSED
    role = ROLE_NAMES.get(getattr(args, "role", None) or "", Text("", ""))
    print(done.format(n=args.name, r=role)(lang))
    return EXIT_OK


def run_backup(args: argparse.Namespace, lang: str) -> int:
    """backup: every table, as one moment, and the raw upload files, into a new folder."""
    database = reading_database(args, lang)
    try:
        manifest = backup_creation.create(database, args.out)
    except (backups.BackupError, Refused) as exc:
        return _backup_failed(exc, lang)
    done = Text(
        "已备份到 {d}：{t} 张表（{r} 行，数据版本 {v}）和 {f} 个上传原始文件。",
        "Backed up {t} tables ({r} rows, data version {v}) and {f} raw upload files to {d}.",
    )
    tables, files = len(manifest.tables), len(manifest.raw_files)
    print(done.format(d=args.out, t=tables, r=manifest.rows, v=manifest.data_version, f=files)(lang))
    return EXIT_OK


def run_restore(args: argparse.Namespace, lang: str) -> int:
    """restore: replace all data with a backup's, after checking it and saying what it does to the accounts."""
    database = open_database(args.db)
    try:
        checked = backups.verify(database, args.dir, foreign=args.foreign)  # refused before anyone is asked
    except backups.NotSigned as exc:
        print(exc.text(lang), file=sys.stderr)
        _say_accounts(exc.checked, lang, sys.stderr)
        hint = Text(
            "确认来源后，可加 --foreign 恢复它。", "Once you know where it came from, restore it with --foreign."
        )
        print(hint(lang), file=sys.stderr)
        return EXIT_REFUSED
    except (backups.BackupError, Refused) as exc:
        return _backup_failed(exc, lang)
    if not checked.signed:  # --foreign: said, never silent
        print(checked.signature_text().then(FOREIGN_CONFIRMED, zh="", en=" ")(lang), file=sys.stderr)
    _say_accounts(checked, lang, sys.stdout)
    if not args.yes and not _restore_confirmed(database, checked.manifest, lang):
        print(Text("未恢复，未写入任何数据。", "Not restored; nothing was written.")(lang), file=sys.stderr)
        return EXIT_REFUSED
    try:
        checked = backups.restore(
            database, args.dir, actor(args), foreign=args.foreign, expected_accounts=checked.accounts
        )
    except (backups.BackupError, Refused) as exc:
        return _backup_failed(exc, lang)
    manifest = checked.manifest
    done = Text(
        "已从 {d} 恢复 {c} 的备份：{t} 张表，{r} 行。", "Restored the backup of {c} from {d}: {t} tables, {r} rows."
    )
    print(done.format(d=args.dir, c=manifest.created_at, t=len(manifest.tables), r=manifest.rows)(lang))
    carried = checked.releases.text()
    if carried is not None:
        print(carried(lang))
    return EXIT_OK


FOREIGN_CONFIRMED = Text(
    "您已用 --foreign 确认它是在别处制作的。", "You confirmed with --foreign that it was made elsewhere."
)


def _say_accounts(checked: backups.Checked, lang: str, out: TextIO) -> None:
    """What the restore does to the accounts; who becomes an admin also on stderr, so that it is never missed."""
    print(checked.accounts.text()(lang), file=out)
    admins = checked.accounts.admins_text()
    if admins is not None:
        print(admins(lang), file=sys.stderr)


def _restore_confirmed(database: Database, manifest: backups.Manifest, lang: str) -> bool:
    if not sys.stdin.isatty():
        refusal = Text("恢复会替换全部数据：请加 --yes 确认。", "A restore replaces all data: add --yes to confirm.")
        print(refusal(lang), file=sys.stderr)
        return False
    uploads_table = manifest.tables.get("uploads")
    question = Text(
        "这将用 {c} 的备份（{u} 次上传，共 {r} 行）替换 {db} 中的全部数据，账户如上所述。继续吗？[y/N] ",
        "This replaces all data in {db} with the backup of {c} ({u} uploads, {r} rows in all), and the accounts as "
        "said above. Continue? [y/N] ",
    ).format(db=database.location, c=manifest.created_at, u=uploads_table.rows if uploads_table else 0, r=manifest.rows)
    try:
        return input(question(lang)).strip().lower() in ("y", "yes", "是")
    except EOFError:
        return False


def _backup_failed(exc: backups.BackupError | Refused, lang: str) -> int:
    print(exc.text(lang), file=sys.stderr)
    return EXIT_REFUSED if isinstance(exc, Refused) else EXIT_ENVIRONMENT
