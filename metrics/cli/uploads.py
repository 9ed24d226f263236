"""Commands about uploads: import a file of any kind, the history of uploads, undo one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from ..domain.i18n import Refused, Text
from ..ingest import batch, kinds, uploads
from ..ingest.reader import is_archive
from ..ingest.table import MAX_FILE_BYTES
from ..store.database import Database, open_database
from ..store.uploads import upload_history
from .common import EXIT_OK, EXIT_REFUSED, actor, print_json, read_in, reading_database


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register import, history and undo."""
    what = ", ".join(kind.what.en for kind in reversed(kinds.KINDS))
    imp = commands.add_parser("import", parents=[common], help=f"validate and load files: {what}")
    imp.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="CSV/TXT, or .xlsx, .xls, .xlsb or .ods workbooks (each one's kind told from its headers), or a zip of "
        "them; with several, each is checked and loaded on its own (exit 1 when any was refused)",
    )
    imp.add_argument("--sheet", default=None, help="the workbook sheet to read (default: the one that holds a table)")
    imp.add_argument("--dry-run", action="store_true", help="validate and show what would change; write nothing")
    imp.add_argument("--json", action="store_true", help="print one JSON object")
    imp.add_argument("--by", default=None, help="who is loading it (default: $USER)")
    imp.set_defaults(run=run_import)

    history = commands.add_parser("history", parents=[common], help="committed uploads, newest first")
    history.add_argument("--json", action="store_true", help="print JSON")
    history.set_defaults(run=run_history)

    undo = commands.add_parser("undo", parents=[common], help="restore every cell an upload changed")
    undo.add_argument("upload_id", type=int, help="the upload's id (see `history`)")
    undo.add_argument("--json", action="store_true", help="print JSON")
    undo.add_argument("--by", default=None, help="who is undoing it (default: $USER)")
    undo.set_defaults(run=run_undo)


def run_import(args: argparse.Namespace, lang: str) -> int:
    """import: check each file and load it whole, or refuse it whole (exit 1 if any was refused) saying where and
    why; a refused yearly-figures file is recorded for the collection round's tracker."""
    files = [
        (Path(f).name, read_in(Path(f), MAX_ARCHIVE_BYTES if f.lower().endswith(".zip") else MAX_FILE_BYTES))
        for f in args.files
    ]
    database = open_database(args.db)
    if len(files) == 1 and not is_archive(files[0][1]):
        return _import_one(args, lang, database, *files[0])
    by = actor(args)
    outcomes = batch.check_files(database, files)
    if not args.dry_run:
        batch.record_refusals(database, outcomes, by)
        batch.load_passed(database, outcomes, by)
    results = [_result(o.prepared, o.upload_id, args.dry_run, lang, o.refusal) for o in outcomes]
    refused = sum(not r["ok"] for r in results)
    if args.json:
        print_json(
            {
                "ok": not refused,
                "loaded": sum(r["upload_id"] is not None for r in results),
                "refused": refused,
                "dry_run": args.dry_run,
                "files": results,
            }
        )
        return EXIT_REFUSED if refused else EXIT_OK
    for result in results:  # a line per file; each file's every issue is in --json, or in an import of it alone
        print(_batch_line(result, lang))
        for issue in result["errors"]:
            print(f"    {_issue_line(issue, lang)}")
    summary = Text(
        "共 {n} 个文件：导入 {a} 个，无改动 {u} 个，拒绝 {b} 个。", "{n} files: {a} loaded, {u} unchanged, {b} refused."
    )
    unchanged = sum(o.status == "unchanged" for o in outcomes)
    print(
        summary.format(n=len(results), a=sum(r["upload_id"] is not None for r in results), u=unchanged, b=refused)(lang)
    )
    return EXIT_REFUSED if refused else EXIT_OK


MAX_ARCHIVE_BYTES = 10 * MAX_FILE_BYTES  # a zip of a round's forms


def _import_one(args: argparse.Namespace, lang: str, database: Database, name: str, data: bytes) -> int:
    upload_id = None
    if args.dry_run:
        prepared = uploads.prepare(database, data, name, args.sheet)
    else:
        prepared, upload_id = uploads.load(database, data, name, actor(args), args.sheet)
        uploads.record_refusal(database, prepared, actor(args))
    result = _result(prepared, upload_id, args.dry_run, lang)
    if args.json:
        del result["file"], result["city_code"], result["year"]  # the one-file object as it has always been
        print_json(result)
        return EXIT_OK if prepared.report.ok else EXIT_REFUSED
    _print_report(prepared, result, args.dry_run, lang)
    return EXIT_OK if prepared.report.ok else EXIT_REFUSED


def _result(
    prepared: uploads.Prepared, upload_id: int | None, dry_run: bool, lang: str, refusal: Text | None = None
) -> dict[str, Any]:
    """One file's outcome as `import --json` prints it."""
    report = prepared.report
    ok = report.ok and refusal is None
    counts = prepared.counts if ok else {"inserted": 0, "updated": 0, "unchanged": 0}
    issues = [i.as_dict(lang) for i in report.sorted_issues()]
    if refusal is not None:
        issues.insert(0, {"sheet": None, "row": None, "column": None, "level": "error", "message": refusal(lang)})
    code, year = prepared.pilot
    return {
        "file": prepared.file_name,
        "city_code": code,
        "year": year,
        "ok": ok,
        "kind": report.kind,
        "sheet": prepared.sheet,
        "read": [note(lang) for note in report.read],
        "errors": [i for i in issues if i["level"] == "error"],
        "warnings": [i for i in issues if i["level"] == "warning"],
        **counts,
        "upload_id": upload_id,
        "dry_run": dry_run,
    }


def _batch_line(result: dict, lang: str) -> str:
    """One file of several: its name, its pilot, and what became of it."""
    pilot = f" ({result['city_code']})" if result["city_code"] else ""
    if not result["ok"]:
        return Text("拒绝  {f}{p}：{n} 个错误", "REFUSED  {f}{p}: {n} errors").format(
            f=result["file"], p=pilot, n=len(result["errors"])
        )(lang)
    done = (
        Text("通过（试运行，未写入）", "passed (dry run, not written)")
        if result["dry_run"]
        else Text("无改动，未再导入", "changes nothing, not loaded again")
        if result["upload_id"] is None
        else Text("已导入，上传编号 {i}", "loaded as upload {i}").format(i=result["upload_id"])
    )
    warned = (
        Text("，{n} 条提醒", ", {n} warnings").format(n=len(result["warnings"])) if result["warnings"] else Text("", "")
    )
    return Text(
        "成功  {f}{p}：{d}（新增 {a}，修改 {b}，未变 {c}）{w}",
        "OK  {f}{p}: {d} ({a} new, {b} changed, {c} unchanged){w}",
    ).format(
        f=result["file"], p=pilot, d=done, a=result["inserted"], b=result["updated"], c=result["unchanged"], w=warned
    )(lang)


def _issue_line(issue: dict, lang: str) -> str:
    """An issue as the CLI prints it: LEVEL sheet row [column]: message."""
    where = Text("第 {r} 行", "row {r}").format(r=issue["row"])(lang) if issue["row"] else ""
    if issue["sheet"]:
        where = Text("工作表“{s}”{w}", "sheet '{s}' {w}").format(s=issue["sheet"], w=where)(lang).strip()
    column = f" [{issue['column']}]" if issue["column"] else ""
    place = f" {where}{column}" if where or column else ""
    return f"{str(issue['level']).upper()}{place}: {issue['message']}"


def _print_report(prepared: uploads.Prepared, result: dict, dry_run: bool, lang: str) -> None:
    """A file's notes and issues on stderr, what it did on stdout."""
    for note in result["read"]:
        print(note, file=sys.stderr)
    for issue in [*result["errors"], *result["warnings"]]:
        print(_issue_line(issue, lang), file=sys.stderr)
    if not result["ok"]:
        print(Text("文件被拒绝，未写入任何数据。", "The file was refused; nothing was written.")(lang), file=sys.stderr)
        return
    done = (
        Text("未写入（试运行）", "Not written (dry run)")
        if dry_run
        else Text("已导入，上传编号 {i}", "Loaded as upload {i}").format(i=result["upload_id"])
    )
    print(
        Text("{d}：新增 {a} 行，修改 {b} 行，未变 {c} 行。", "{d}: {a} new, {b} changed, {c} unchanged rows.").format(
            d=done, a=result["inserted"], b=result["updated"], c=result["unchanged"]
        )(lang)
    )
    if "removed" in result:
        print(Text("事件列表中删除 {n} 项。", "{n} events removed from the list.").format(n=result["removed"])(lang))


def run_history(args: argparse.Namespace, lang: str) -> int:
    """history: every upload, newest first."""
    with reading_database(args, lang).snapshot() as cur:
        frame = upload_history(cur)
    records = [
        {k: None if pd.isna(v) else v.isoformat() if hasattr(v, "isoformat") else v for k, v in r.items()}
        for r in frame.to_dict("records")
    ]
    if args.json:
        print_json(records)
        return EXIT_OK
    for r in records:
        print(
            f"{r['upload_id']:>5}  {str(r['created_at'])[:19]}  {r['status']:<9}  {r['kind']:<7}  "
            f"{r['created_by'] or '':<10}  +{r['rows_inserted']} ~{r['rows_updated']} ={r['rows_unchanged']}  "
            f"{r['file_name']}"
        )
    return EXIT_OK


def run_undo(args: argparse.Namespace, lang: str) -> int:
    """undo: put back what an upload changed (exit 1 when it cannot be undone)."""
    database = open_database(args.db)
    try:
        restored = uploads.undo(database, args.upload_id, actor(args))
    except Refused as exc:
        if args.json:
            print_json({"ok": False, "upload_id": args.upload_id, "message": exc.text(lang)})
        print(exc.text(lang), file=sys.stderr)
        return EXIT_REFUSED
    if args.json:
        print_json({"ok": True, "upload_id": args.upload_id, "cells_restored": restored})
    else:
        print(
            Text("已撤销上传 {i}，恢复了 {n} 个单元格。", "Undid upload {i}; {n} cells restored.").format(
                i=args.upload_id, n=restored
            )(lang)
        )
    return EXIT_OK
