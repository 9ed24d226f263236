"""The command line: `python -m metrics COMMAND …` (see DESIGN.md for the contract).

Exit status: 0 success; 1 the input was refused and nothing was written; 2 usage or environment problem.
"""

from __future__ import annotations

import argparse
import difflib
import getpass
import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from . import access, backup, exports, files, queries, registry, sample, store, tables, uploads
from .db import DatabaseError, open_database
from .i18n import SAMPLE_NOTICE, Problem, Text, default_lang

EXIT_OK, EXIT_REFUSED, EXIT_ENVIRONMENT = 0, 1, 2


class UsageError(Problem):
    """A command was asked for something that does not exist (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage problems exit 2 with argparse's own message, as documented
        self.print_usage(sys.stderr)
        self.exit(EXIT_ENVIRONMENT, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="database file (default: $PILOT_DB or data/pilot_cities.duckdb)")
    common.add_argument("--lang", choices=("zh", "en"), help="language of messages (default: from $PILOT_LANG/$LANG)")

    parser = _Parser(prog="python -m metrics", description="Pilot-city innovation dashboard: data tools.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    init = commands.add_parser("init", parents=[common], help="create the database (with the built-in sample)")
    init.add_argument("--empty", action="store_true", help="create the schema only, without the sample")
    init.add_argument("--force", action="store_true", help="replace an existing database (deletes its data)")
    init.add_argument(
        "--scale",
        type=int,
        default=1,
        metavar="N",
        help=f"a sample N times the size: N x 65 units, synthetic copies after the first (1-{sample.MAX_SCALE})",
    )

    indicators = commands.add_parser("indicators", parents=[common], help="list the indicator registry")
    indicators.add_argument("--json", action="store_true", help="print JSON")
    indicators.add_argument("--markdown", action="store_true", help="print the README's Markdown table")

    series = commands.add_parser("series", parents=[common], help="the yearly series of one indicator")
    series.add_argument("indicator", help="indicator key (see `indicators`)")
    _add_selection(series)
    series.add_argument("--json", action="store_true", help="print JSON")
    imp = commands.add_parser("import", parents=[common], help="validate and load a yearly-figures or cities file")
    imp.add_argument("file", help="CSV/TXT or XLSX file")
    imp.add_argument("--dry-run", action="store_true", help="validate and show what would change; write nothing")
    imp.add_argument("--json", action="store_true", help="print one JSON object")
    imp.add_argument("--by", default=None, help="who is loading it (default: $USER)")

    history = commands.add_parser("history", parents=[common], help="committed uploads, newest first")
    history.add_argument("--json", action="store_true", help="print JSON")

    export = commands.add_parser("export", parents=[common], help="a table or an indicator as CSV or XLSX for Excel")
    export.add_argument(
        "name", metavar="TABLE_OR_INDICATOR", help=f"one of {', '.join(queries.EXPORT_TABLES)} or an indicator key"
    )
    export.add_argument("--format", choices=exports.FORMATS, help="csv or xlsx (default: from the --out extension)")
    export.add_argument("--out", required=True, metavar="PATH", help="file to write")
    export.add_argument(
        "--indicator", action="store_true", help="read the name as an indicator key (agreements is both)"
    )
    _add_selection(export)

    deck = commands.add_parser("deck", parents=[common], help="the meeting deck as an editable PowerPoint file")
    deck.add_argument("--out", required=True, metavar="FILE.pptx", help="file to write")
    deck.add_argument("--city", action="extend", nargs="+", metavar="CODE", help="add these cities' slides")
    deck.add_argument("--from", dest="from_year", type=int, metavar="YEAR", help="first year")
    deck.add_argument("--to", dest="to_year", type=int, metavar="YEAR", help="last year")

    undo = commands.add_parser("undo", parents=[common], help="restore every cell an upload changed")
    undo.add_argument("upload_id", type=int, help="the upload's id (see `history`)")
    undo.add_argument("--json", action="store_true", help="print JSON")
    undo.add_argument("--by", default=None, help="who is undoing it (default: $USER)")

    user = commands.add_parser("user", help="manage the accounts that may sign in to the app")
    actions = user.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=_Parser)
    add = actions.add_parser("add", parents=[common], help="add an account")
    add.add_argument("name", help="account name; with --oidc, the e-mail address the identity provider reports")
    add.add_argument("--role", required=True, choices=access.ROLES, help="viewer, editor or admin")
    add.add_argument("--oidc", action="store_true", help="signs in through the identity provider (no password)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    actions.add_parser("list", parents=[common], help="list the accounts").add_argument(
        "--json", action="store_true", help="print JSON"
    )
    role = actions.add_parser("role", parents=[common], help="change an account's role")
    role.add_argument("name")
    role.add_argument("role", choices=access.ROLES)
    password = actions.add_parser("password", parents=[common], help="set an account's password")
    password.add_argument("name")
    password.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    actions.add_parser("remove", parents=[common], help="remove an account").add_argument("name")
    back = commands.add_parser("backup", parents=[common], help="back up every table and the raw upload files")
    back.add_argument("--out", required=True, metavar="DIR", help="folder to create (must not exist, or be empty)")

    restore = commands.add_parser("restore", parents=[common], help="replace all data with a backup's")
    restore.add_argument("dir", metavar="DIR", help="a folder written by `backup`")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    return parser


def _add_selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--city", action="extend", nargs="+", metavar="CODE", help="city codes (--city A B …)")
    parser.add_argument("--from", dest="from_year", type=int, metavar="YEAR", help="first year")
    parser.add_argument("--to", dest="to_year", type=int, metavar="YEAR", help="last year")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status; user mistakes print a message, never a traceback."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed by argparse
        return int(exc.code or 0)
    lang = args.lang or default_lang()
    try:
        return _COMMANDS[args.command](args, lang)
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return EXIT_OK
    except UsageError as exc:
        print(exc.text(lang), file=sys.stderr)
        return EXIT_ENVIRONMENT
    except DatabaseError as exc:
        print(exc.text(lang), file=sys.stderr)
        return EXIT_REFUSED if isinstance(exc, store.AlreadyExists) else EXIT_ENVIRONMENT


def _init(args, lang: str) -> int:
    if not 1 <= args.scale <= sample.MAX_SCALE or (args.empty and args.scale != 1):
        raise UsageError(
            Text(
                "--scale 应为 1 至 {m} 的整数，且不能与 --empty 同用。",
                "--scale must be from 1 to {m}, without --empty.",
            ).format(m=sample.MAX_SCALE)
        )
    database = store.initialise(args.db, with_sample=not args.empty, force=args.force, scale=args.scale)
    with database.cursor() as cur:
        cities = len(queries.list_cities(cur))
    what = Text("含示例数据，{n} 个试点城市和园区", "with the built-in sample, {n} pilot cities and parks").format(
        n=cities
    )
    if args.scale > 1:
        what = Text(
            "含 {s} 倍示例数据，{n} 个试点单位（原样本之外为合成副本，用于性能测试）",
            "with the built-in sample {s} times over, {n} pilot units (synthetic copies beyond the first, for "
            "benchmarks)",
        ).format(s=args.scale, n=cities)
    if args.empty:
        what = Text("空库", "empty")
    print(
        Text("已创建数据库 {path}（{what}）。", "Created the database {path} ({what}).").format(
            path=database.path, what=what(lang)
        )(lang)
    )
    return EXIT_OK


def _indicators(args, lang: str) -> int:
    if args.json:
        _print_json([i.model_dump() for i in registry.INDICATORS])
        return EXIT_OK
    if args.markdown:
        print(tables.indicator_markdown())
        return EXIT_OK
    width = max(len(i.key) for i in registry.INDICATORS)
    for i in registry.INDICATORS:
        print(f"{i.key:<{width}}  {i.kind:<10}  {i.title(lang)}")
    return EXIT_OK


def _indicator(key: str) -> registry.Indicator:
    """The registry entry for key, or a usage error suggesting close keys."""
    _known(key, registry.KEYS, Text("指标", "indicator"))
    return registry.get(key)


def _known(name: str, choices: Sequence[str], what: Text) -> None:
    """A usage error for a name not among choices, suggesting the closest ones."""
    if name in choices:
        return
    close = difflib.get_close_matches(name, choices, n=3, cutoff=0.5)
    hint = (
        Text("您是否要找：{keys}", "Did you mean: {keys}").format(keys=", ".join(close))
        if close
        else Text("全部指标见 `python -m metrics indicators`。", "See `python -m metrics indicators` for all.")
    )
    raise UsageError(
        Text("未知{what}“{key}”。{hint}", "Unknown {what} '{key}'. {hint}").format(what=what, key=name, hint=hint)
    )


def _checked_cities(cur: queries.Cursor, codes: Sequence[str] | None) -> tuple[str, ...]:
    """The city codes asked for, each known, or a usage error naming the unknown ones."""
    known = set(queries.list_cities(cur)["city_code"])
    unknown = [c for c in codes or () if c not in known]
    if unknown:
        raise UsageError(Text("未知城市代码：{codes}", "Unknown city code: {codes}").format(codes=", ".join(unknown)))
    return tuple(dict.fromkeys(codes or ()))


def _checked_years(cur: queries.Cursor, args) -> tuple[int, int]:
    """--from/--to, defaulting to the data's years, or a usage error for an impossible range."""
    first, last = queries.year_span(cur)
    years = (first if args.from_year is None else args.from_year, last if args.to_year is None else args.to_year)
    if not queries.MIN_YEAR <= years[0] <= years[1] <= queries.max_year():
        raise UsageError(
            Text(
                "年份范围 {a}—{b} 无效：应在 {lo} 至 {hi} 之间，且起始年不晚于截止年。",
                "Invalid years {a}-{b}: they must lie between {lo} and {hi}, the first not after the last.",
            ).format(a=years[0], b=years[1], lo=queries.MIN_YEAR, hi=queries.max_year())
        )
    return years


def _series(args, lang: str) -> int:
    ind = _indicator(args.indicator)
    database = open_database(args.db)
    with database.cursor() as cur:
        codes = _checked_cities(cur, args.city)
        years = _checked_years(cur, args)
        cities = queries.list_cities(cur).set_index("city_code")
        scope = queries.Scope(cities=codes) if codes else queries.Scope()
        frame = queries.series(cur, ind.key, scope, per_city=bool(codes), years=years)
        sample_data = queries.is_sample(cur)

    points = [
        {
            "city_code": row.city_code,
            "name": None if row.city_code is None else cities.at[row.city_code, f"name_{lang}"],
            "year": int(row.year),
            "value": _json_number(row.value, ind.decimals),
            "cities_reporting": int(row.reporting),
        }
        for row in frame.itertuples()
    ]
    if args.json:
        _print_json(
            {
                "indicator": ind.key,
                "label": ind.label(lang),
                "unit": ind.unit(lang),
                "scope": "cities" if args.city else "programme",
                "cities": list(args.city or []),
                "sample_data": sample_data,
                "series": points,
            }
        )
        return EXIT_OK
    if sample_data:
        print(f"# {SAMPLE_NOTICE(lang)}", file=sys.stderr)
    print(ind.title(lang))
    for p in points:
        who = p["name"] or Text("全部试点", "programme")(lang)
        value = "—" if p["value"] is None else f"{p['value']:,.{ind.decimals}f}"
        print(f"{who}\t{p['year']}\t{value}")
    return EXIT_OK


def _json_number(value: float, decimals: int):
    """Counts as integers; other values unrounded but for float noise (displays round to `decimals`)."""
    if value is None or math.isnan(value):
        return None
    return round(float(value)) if decimals == 0 else round(float(value), 9)


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def _import(args, lang: str) -> int:
    path = Path(args.file)
    try:
        with path.open("rb") as handle:  # one byte past the limit is enough to refuse a file that is too large
            data = handle.read(files.MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(
            Text("无法读取文件 {f}：{e}", "Cannot read the file {f}: {e}").format(f=path, e=exc.strerror)
        ) from None
    database = open_database(args.db)
    upload_id = None
    if args.dry_run:
        prepared = uploads.prepare(database, data, path.name)
    else:
        prepared, upload_id = uploads.load(database, data, path.name, _actor(args))
    report = prepared.report
    counts = prepared.counts if report.ok else {"inserted": 0, "updated": 0, "unchanged": 0}
    issues = [i.as_dict(lang) for i in report.sorted_issues()]
    result = {
        "ok": report.ok,
        "kind": report.kind,
        "errors": [i for i in issues if i["level"] == "error"],
        "warnings": [i for i in issues if i["level"] == "warning"],
        **counts,
        "upload_id": upload_id,
        "dry_run": args.dry_run,
    }
    if args.json:
        _print_json(result)
    else:
        for issue in issues:
            where = Text("第 {r} 行", "row {r}").format(r=issue["row"])(lang) if issue["row"] else ""
            column = f" [{issue['column']}]" if issue["column"] else ""
            print(f"{issue['level'].upper()} {where}{column}: {issue['message']}", file=sys.stderr)
        if report.ok:
            done = (
                Text("未写入（试运行）", "Not written (dry run)")
                if args.dry_run
                else Text("已导入，上传编号 {i}", "Loaded as upload {i}").format(i=upload_id)
            )
            print(
                Text(
                    "{d}：新增 {a} 行，修改 {b} 行，未变 {c} 行。", "{d}: {a} new, {b} changed, {c} unchanged rows."
                ).format(d=done, a=counts["inserted"], b=counts["updated"], c=counts["unchanged"])(lang)
            )
            if "removed" in counts:
                print(
                    Text("事件列表中删除 {n} 项。", "{n} events removed from the list.").format(n=counts["removed"])(
                        lang
                    )
                )
        else:
            print(
                Text("文件被拒绝，未写入任何数据。", "The file was refused; nothing was written.")(lang),
                file=sys.stderr,
            )
    return EXIT_OK if report.ok else EXIT_REFUSED


def _history(args, lang: str) -> int:
    with open_database(args.db).cursor() as cur:
        frame = queries.upload_history(cur)
    records = [
        {k: None if pd.isna(v) else v.isoformat() if hasattr(v, "isoformat") else v for k, v in r.items()}
        for r in frame.to_dict("records")
    ]
    if args.json:
        _print_json(records)
        return EXIT_OK
    for r in records:
        print(
            f"{r['upload_id']:>5}  {r['created_at'][:19]}  {r['status']:<9}  {r['kind']:<7}  "
            f"{r['created_by'] or '':<10}  +{r['rows_inserted']} ~{r['rows_updated']} ={r['rows_unchanged']}  "
            f"{r['file_name']}"
        )
    return EXIT_OK


def _export(args, lang: str) -> int:
    out = Path(args.out)
    file_format = args.format or out.suffix.lower().lstrip(".")
    if file_format not in exports.FORMATS:
        raise UsageError(
            Text("请用 --format csv 或 xlsx 指定格式。", "Say --format csv or xlsx (or end --out with .csv or .xlsx).")
        )
    if args.indicator:
        _indicator(args.name)
    else:
        _known(args.name, exports.export_names(), Text("表或指标", "table or indicator"))
    as_table = args.name in queries.EXPORT_TABLES and not args.indicator
    with open_database(args.db).cursor() as cur:
        codes = _checked_cities(cur, args.city)
        years = None if as_table else _checked_years(cur, args)
        frame = exports.export_frame(cur, args.name, codes, years, as_table=as_table)
    try:
        exports.write_file(out, exports.to_bytes(frame, file_format, sheet=args.name))
    except OSError as exc:
        raise UsageError(
            Text("无法写入 {f}：{e}", "Cannot write {f}: {e}").format(f=out, e=exc.strerror or exc)
        ) from None
    print(Text("已导出 {n} 行到 {f}。", "Wrote {n} rows to {f}.").format(n=len(frame), f=out)(lang))
    return EXIT_OK


def _deck(args, lang: str) -> int:
    from . import deck  # python-pptx is needed by this command only

    out = Path(args.out)
    with open_database(args.db).cursor() as cur:
        if queries.list_cities(cur).empty:
            print(Text("数据库中还没有试点和数据，无法生成演示文稿。", "The database holds no pilots or figures yet; "
                       "there is nothing to present.")(lang), file=sys.stderr)  # fmt: skip
            return EXIT_REFUSED
        codes = _checked_cities(cur, args.city)
        years = _checked_years(cur, args)
        specs = deck.standard_specs(cur, years, codes)
        content = deck.build(cur, specs, lang)
    try:
        exports.write_file(out, content)
    except OSError as exc:
        raise UsageError(
            Text("无法写入 {f}：{e}", "Cannot write {f}: {e}").format(f=out, e=exc.strerror or exc)
        ) from None
    print(
        Text("已生成演示文稿 {f}（{n} 张图表）。", "Wrote the deck {f} ({n} charts).").format(f=out, n=len(specs))(lang)
    )
    return EXIT_OK


def _undo(args, lang: str) -> int:
    database = open_database(args.db)
    try:
        cells = uploads.undo(database, args.upload_id, _actor(args))
    except uploads.Refused as exc:
        if args.json:
            _print_json({"ok": False, "upload_id": args.upload_id, "message": exc.text(lang)})
        print(exc.text(lang), file=sys.stderr)
        return EXIT_REFUSED
    if args.json:
        _print_json({"ok": True, "upload_id": args.upload_id, "cells_restored": cells})
    else:
        print(Text("已撤销上传 {i}，恢复了 {n} 个单元格。", "Undid upload {i}; {n} cells restored.").format(
            i=args.upload_id, n=cells)(lang))  # fmt: skip
    return EXIT_OK


def _actor(args) -> access.Actor:
    return access.cli_actor(getattr(args, "by", None) or os.environ.get("USER") or "cli")


def _password(args, lang: str) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError(Text("请用 --password-stdin 从标准输入提供密码。", "Give the password with --password-stdin."))
    first = getpass.getpass(Text("密码：", "Password: ")(lang))
    if getpass.getpass(Text("再输入一次：", "Again: ")(lang)) != first:
        raise UsageError(Text("两次输入的密码不一致。", "The two passwords differ."))
    return first


def _user_list(database, args, lang: str) -> int:
    with database.cursor() as cur:
        frame = queries.list_users(cur)
    if args.json:
        _print_json([{"name": r.name, "role": r.role, "password": bool(r.has_password)} for r in frame.itertuples()])
        return EXIT_OK
    if frame.empty:
        print(Text("没有账户：应用以本机单用户模式运行。", "No accounts: the app runs in single-user mode.")(lang))
    for r in frame.itertuples():
        how = Text("密码", "password") if r.has_password else Text("身份提供方", "identity provider")
        print(f"{r.name}\t{access.ROLE_NAMES[r.role](lang)}\t{how(lang)}")
    return EXIT_OK


def _user(args, lang: str) -> int:
    database = open_database(args.db)
    by = _actor(args)
    try:
        if args.action == "list":
            return _user_list(database, args, lang)
        if args.action == "add":
            access.add_user(database, args.name, args.role, None if args.oidc else _password(args, lang), by)
            done = Text("已添加账户 {n}（{r}）。", "Added the account {n} ({r}).")
        elif args.action == "role":
            access.set_role(database, args.name, args.role, by)
            done = Text("账户 {n} 的角色改为{r}。", "The account {n} is now {r}.")
        elif args.action == "password":
            access.set_password(database, args.name, _password(args, lang), by)
            done = Text("已为账户 {n} 设置新密码。", "Set a new password for {n}.")
        else:
            access.remove_user(database, args.name, by)
            done = Text("已删除账户 {n}。", "Removed the account {n}.")
    except access.Refused as exc:
        print(exc.text(lang), file=sys.stderr)
        return EXIT_REFUSED
    role = access.ROLE_NAMES.get(getattr(args, "role", None) or "", Text("", ""))
    print(done.format(n=args.name, r=role)(lang))
    return EXIT_OK


def _backup(args, lang: str) -> int:
    database = open_database(args.db)
    try:
        manifest = backup.create(database, args.out)
    except backup.BackupError as exc:
        return _backup_failed(exc, lang)
    done = Text(
        "已备份到 {d}：{t} 张表（{r} 行，数据版本 {v}）和 {f} 个上传原始文件。",
        "Backed up {t} tables ({r} rows, data version {v}) and {f} raw upload files to {d}.",
    )
    tables_, files = len(manifest.tables), len(manifest.raw_files)
    print(done.format(d=args.out, t=tables_, r=manifest.rows, v=manifest.data_version, f=files)(lang))
    return EXIT_OK


def _restore(args, lang: str) -> int:
    database = open_database(args.db)
    try:
        manifest = backup.verify(database, args.dir)  # a bad backup is refused before anyone is asked
        if not args.yes and not _restore_confirmed(database, manifest, lang):
            print(Text("未恢复，未写入任何数据。", "Not restored; nothing was written.")(lang), file=sys.stderr)
            return EXIT_REFUSED
        manifest = backup.restore(database, args.dir, _actor(args))
    except backup.BackupError as exc:
        return _backup_failed(exc, lang)
    done = Text(
        "已从 {d} 恢复 {c} 的备份：{t} 张表，{r} 行。", "Restored the backup of {c} from {d}: {t} tables, {r} rows."
    )
    print(done.format(d=args.dir, c=manifest.created_at, t=len(manifest.tables), r=manifest.rows)(lang))
    return EXIT_OK


def _restore_confirmed(database, manifest: backup.Manifest, lang: str) -> bool:
    if not sys.stdin.isatty():
        refusal = Text("恢复会替换全部数据：请加 --yes 确认。", "A restore replaces all data: add --yes to confirm.")
        print(refusal(lang), file=sys.stderr)
        return False
    uploads_table = manifest.tables.get("uploads")
    question = Text(
        "这将用 {c} 的备份（{u} 次上传，共 {r} 行）替换 {db} 中的全部数据。继续吗？[y/N] ",
        "This replaces all data in {db} with the backup of {c} ({u} uploads, {r} rows in all). Continue? [y/N] ",
    ).format(db=database.path, c=manifest.created_at, u=uploads_table.rows if uploads_table else 0, r=manifest.rows)
    try:
        return input(question(lang)).strip().lower() in ("y", "yes", "是")
    except EOFError:
        return False


def _backup_failed(exc: backup.BackupError, lang: str) -> int:
    print(exc.text(lang), file=sys.stderr)
    return EXIT_REFUSED if isinstance(exc, backup.Refused) else EXIT_ENVIRONMENT


_COMMANDS = {
    "init": _init,
    "indicators": _indicators,
    "series": _series,
    "import": _import,
    "history": _history,
    "undo": _undo,
    "export": _export,
    "deck": _deck,
    "user": _user,
    "backup": _backup,
    "restore": _restore,
}
