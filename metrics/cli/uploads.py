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
from .common import EXIT_OK, EXIT_REFUSED, actor, add_by, print_json, read_in, reading_database


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register import, history and undo."""
    what = ", ".join(kind.what.en for kind in reversed(kinds.KINDS))
    imp = commands.add_parser(
        "import",
        parents=[common],
        help=f"validate and load files: {what}",
        description="validate and load yearly-figures, cities, targets or events files (CSV/TXT or workbooks, or a "
        "zip of them), each on its own; a workbook whose several sheets hold tables is a file per sheet "
        "(`book.xlsx › 2024`) unless `--sheet` names one. Each file is checked again against what the ones before it "
        "wrote, and that check is loaded (its warnings printed) or refused; two files giving one figure different "
        "values are both refused. A line per file (loaded, unchanged, refused, not read) and a count of each; exit 0 "
        "only when every file was loaded or unchanged, 1 otherwise (the others still load), 2 for usage or a FILE "
        "that is not a plain file (a folder, device, pipe or broken link); at most 500 files at once. One file: "
        "`--json` prints `ok`, `status`, `kind`, `sheet`, `read` (how the table was read), `errors`, `warnings` (each "
        "`sheet`, `row`, `column`, `level`, `message`), `inserted`, `updated`, `unchanged` (and `removed` for an "
        'events file), `upload_id`; several: `{"ok", "loaded", "unchanged", "ready", "review", "refused", '
        '"not_read", "dry_run", "files": [that object with `file`, `city_code`, `year`, `status`, `rechecked`]}`',
    )
    imp.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="CSV/TXT, or .xlsx, .xls, .xlsb or .ods workbooks (each one's kind told from its headers), or a zip of "
        "them; with several, each is checked and loaded on its own (exit 1 when any was refused)",
    )
    imp.add_argument(
        "--sheet", default=None, metavar="NAME", help="the workbook sheet to read (default: the one that holds a table)"
    )
    imp.add_argument("--dry-run", action="store_true", help="validate and show what would change; write nothing")
    imp.add_argument("--json", action="store_true", help="print one JSON object")
    add_by(imp, "is loading it")
    imp.set_defaults(run=run_import)

    history = commands.add_parser(
        "history",
        parents=[common],
        help="committed uploads, newest first",
        description='the uploads, newest first; `--json` prints `[{"upload_id", "file_name", "sha256", "kind", '
        '"created_at", "created_by", "rows_inserted", "rows_updated", "rows_unchanged", "status", "undone_at", '
        '"undone_by"}, …]`',
    )
    history.add_argument("--json", action="store_true", help="print JSON")
    history.set_defaults(run=run_history)

    undo = commands.add_parser(
        "undo",
        parents=[common],
        help="restore every cell an upload changed",
        description="restore every cell that upload changed (exit 1 if it cannot be undone); `--json` prints "
        '`{"ok", "upload_id", "cells_restored"}`, or `{"ok": false, "upload_id", "message"}` when it is refused',
    )
    undo.add_argument("upload_id", type=int, help="the upload's id (see `history`)")
    undo.add_argument("--json", action="store_true", help="print JSON")
    add_by(undo, "is undoing it")
    undo.set_defaults(run=run_undo)


def run_import(args: argparse.Namespace, lang: str) -> int:
    """import: check each file and load it whole, or refuse it whole (exit 1 if any was refused or not loaded)
    saying where and why; a refused yearly-figures file is recorded for the collection round's tracker."""
    files = [
        (Path(f).name, read_in(Path(f), MAX_ARCHIVE_BYTES if f.lower().endswith(".zip") else MAX_FILE_BYTES))
        for f in args.files
    ]
    database = open_database(args.db)
    if len(files) == 1 and not is_archive(files[0][1]):
        status = _import_one(args, lang, database, *files[0])
        if status is not None:
            return status
    return _import_batch(args, lang, database, files)


MAX_ARCHIVE_BYTES = 10 * MAX_FILE_BYTES  # a zip of a round's forms
MAX_LISTED_WARNINGS = 3  # per file of several; --json lists them all
BATCH_LINES = {  # what became of a file of several: its first line
    "loaded": Text("已导入  {f}{p}：上传编号 {i}（新增 {a}，修改 {b}，未变 {c}）{w}{r}",
                   "LOADED  {f}{p}: upload {i} ({a} new, {b} changed, {c} unchanged){w}{r}"),
    "unchanged": Text("无改动  {f}{p}：所含数值均已在库中（{c} 行），未再导入{r}",
                      "UNCHANGED  {f}{p}: every value it holds is stored already ({c} rows); not loaded again{r}"),
    "ready": Text("通过  {f}{p}：试运行，未写入（将新增 {a}，修改 {b}，未变 {c}）{w}",
                  "PASSED  {f}{p}: dry run, nothing written (would be {a} new, {b} changed, {c} unchanged){w}"),
    "review": Text("未导入  {f}{p}：重新检查后结果不同，需核对", "NOT LOADED  {f}{p}: checked again, it differs"),
    "refused": Text("拒绝  {f}{p}：{n} 个错误", "REFUSED  {f}{p}: {n} errors"),
    "unread": Text("未读取  {f}：{m} 个文件", "NOT READ  {f}: {m} files"),
}  # fmt: skip
RECHECKED = Text("（同批其他文件导入后重新检查）", " (checked again once the batch's other files were loaded)")


def _import_one(args: argparse.Namespace, lang: str, database: Database, name: str, data: bytes) -> int | None:
    """One file checked and (unless a dry run) loaded with no other write in between; None when it is a workbook
    whose several sheets hold tables and no --sheet was given: each sheet is then a file of a batch."""
    upload_id = None
    by = actor(args)
    with database.write_lock:  # as uploads.load: no write between the check and the commit
        prepared = batch.prepared_safely(database, data, name, args.sheet)
        if args.sheet is None and batch.stands_for_sheets(prepared):
            return None
        if not args.dry_run and prepared.report.ok:
            upload_id = uploads.commit(database, prepared, data, by)
    if not args.dry_run:
        uploads.record_refusal(database, prepared, by)
    result = _result(prepared, upload_id, args.dry_run, lang)
    result["status"] = "refused" if not prepared.report.ok else "ready" if args.dry_run else "loaded"
    if args.json:
        del result["file"], result["city_code"], result["year"], result["rechecked"]  # the one-file object
        print_json(result)
        return EXIT_OK if prepared.report.ok else EXIT_REFUSED
    _print_report(prepared, result, args.dry_run, lang)
    return EXIT_OK if prepared.report.ok else EXIT_REFUSED


def _import_batch(args: argparse.Namespace, lang: str, database: Database, files: list[tuple[str, bytes]]) -> int:
    """Several files (a zip's, a workbook's sheets): each checked, then those that passed loaded one by one, each
    checked again against the data the ones before it wrote; a line per file and a count of each outcome."""
    by = actor(args)
    outcomes = batch.check_files(database, files)
    if not args.dry_run:
        batch.record_refusals(database, outcomes, by)
        batch.load_passed(database, outcomes, by, review=False)  # the new check is loaded: no one to show it to
    results = [_outcome_result(o, args.dry_run, lang) for o in outcomes]
    counted = batch.counts(outcomes)
    fine = ("ready", "unchanged") if args.dry_run else ("loaded", "unchanged")
    ok = sum(counted[s] for s in fine) == sum(counted.values())
    if args.json:
        print_json(
            {
                "ok": ok,
                **{"not_read" if s == "unread" else s: n for s, n in counted.items()},
                "dry_run": args.dry_run,
                "files": results,
            }
        )
        return EXIT_OK if ok else EXIT_REFUSED
    for result in results:  # a line per file; each file's every issue is in --json, or in an import of it alone
        print(_batch_line(result, lang))
        for issue in result["errors"]:
            print(f"    {_issue_line(issue, lang)}")
        warnings = result["warnings"] if result["status"] in ("loaded", "ready", "review") else []
        for issue in warnings[:MAX_LISTED_WARNINGS]:  # what a file loaded (or to be) asks to look at
            print(f"    {_issue_line(issue, lang)}")
        if len(warnings) > MAX_LISTED_WARNINGS:
            more = Text("另有 {n} 条提醒（见 --json）", "and {n} more warnings (see --json)")
            print(f"    {more.format(n=len(result['warnings']) - MAX_LISTED_WARNINGS)(lang)}")
    print(_summary(counted, args.dry_run)(lang))
    return EXIT_OK if ok else EXIT_REFUSED


def _summary(counted: dict[str, int], dry_run: bool) -> Text:
    """The batch's last line: how many files, and how many of each outcome (each file counted once)."""
    parts = [
        ("ready", Text("通过 {n} 个", "{n} passed")) if dry_run else ("loaded", Text("导入 {n} 个", "{n} loaded")),
        ("unchanged", Text("无改动 {n} 个", "{n} unchanged")),
        ("refused", Text("拒绝 {n} 个", "{n} refused")),
        ("review", Text("需核对未导入 {n} 个", "{n} not loaded (to review)")),
        ("unread", Text("未读取 {n} 个", "{n} not read")),
    ]
    shown = [text.format(n=counted[s]) for k, (s, text) in enumerate(parts) if counted[s] or k < 3]
    text = Text("共 {n} 个文件：{p}。", "{n} files: {p}.").format(
        n=sum(counted.values()), p=Text("，".join(t.zh for t in shown), ", ".join(t.en for t in shown))
    )
    return Text(text.zh + "（试运行，未写入）", text.en + " (dry run: nothing written)") if dry_run else text


def _outcome_result(outcome: batch.Outcome, dry_run: bool, lang: str) -> dict[str, Any]:
    """One file of several as `import --json` lists it: the one-file object with its file, pilot and status."""
    result = _result(outcome.prepared, outcome.upload_id, dry_run, lang, outcome.refusal, outcome.rechecked)
    result["status"] = outcome.status
    if outcome.status == "unread":
        result["not_read"] = outcome.not_read
    if outcome.status == "review":
        result["differences"] = batch.differences(outcome)(lang)
    return result


def _result(
    prepared: uploads.Prepared,
    upload_id: int | None,
    dry_run: bool,
    lang: str,
    refusal: Text | None = None,
    rechecked: bool = False,
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
        "rechecked": rechecked,
        "dry_run": dry_run,
    }


def _batch_line(result: dict, lang: str) -> str:
    """One file of several: its name, its pilot, and what became of it."""
    warned = Text("，{n} 条提醒", ", {n} warnings").format(n=len(result["warnings"])) if result["warnings"] else ""
    return BATCH_LINES[result["status"]].format(
        f=result["file"],
        p=f" ({result['city_code']})" if result["city_code"] else "",
        i=result["upload_id"],
        a=result["inserted"],
        b=result["updated"],
        c=result["unchanged"],
        n=len(result["errors"]),
        m=result.get("not_read", 0),
        w=warned or Text("", ""),
        r=RECHECKED if result["rechecked"] else Text("", ""),
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
