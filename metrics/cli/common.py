"""What every command shares: exit statuses, usage errors, checking names, cities and years, printing JSON, writing
files out, and who the CLI acts as."""

from __future__ import annotations

import argparse
import difflib
import json
import math
import os
import stat
import sys
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from ..domain import registry
from ..domain.i18n import LANGS, Problem, Refused, Text
from ..domain.roles import Actor, cli_actor
from ..domain.years import InvalidYears, YearRange
from ..store import releases
from ..store.cities import list_cities
from ..store.database import Database, open_for_reading
from ..store.durable import write_durably
from ..store.releases import Release
from ..store.series import year_span
from ..store.transactions import Cursor

EXIT_OK, EXIT_REFUSED, EXIT_ENVIRONMENT = 0, 1, 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage problems exit 2, with argparse's own message
        self.print_usage(sys.stderr)
        self.exit(EXIT_ENVIRONMENT, f"{self.prog}: error: {message}\n")


def common_options() -> argparse.ArgumentParser:
    """The options every command takes (a parent parser): --db and --lang."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", help="database file (default: $PILOT_DB or data/pilot_cities.duckdb)")
    common.add_argument("--lang", choices=LANGS, help="language of messages (default: from $PILOT_LANG/$LANG)")
    return common


class UsageError(Problem):
    """A command was asked for something that does not exist, or cannot read or write a file (exit 2)."""


def reading_database(args: argparse.Namespace, lang: str) -> Database:
    """The database for a command that only reads: while the app holds a DuckDB file, the copy it published, said
    so on stderr (stdout stays the command's output)."""
    database = open_for_reading(args.db)
    if database.published_at is not None:
        when = database.published_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        note = Text(
            "数据库正被运行中的应用占用：以下读自应用在 {t} 发布的副本。",
            "The database is held by the running app: this reads the copy it published at {t}.",
        )
        print(note.format(t=when)(lang), file=sys.stderr)
    return database


def add_release(parser: argparse.ArgumentParser) -> None:
    """--release NAME, for a command that reads: a published release instead of the working data."""
    parser.add_argument(
        "--release", metavar="NAME", help="read the published release NAME (see `release list`), not the working data"
    )


@contextmanager
def shown_data(args: argparse.Namespace, lang: str) -> Iterator[tuple[Cursor, Release | None]]:
    """A cursor on what a reading command shows, and the release it is: the working data (one snapshot; None), or
    the release --release names (a usage error listing the releases there are when there is none of that name)."""
    database = reading_database(args, lang)
    name = getattr(args, "release", None)
    if not name:
        with database.snapshot() as cur:
            yield cur, None
        return
    with database.cursor() as cur:
        try:
            release = releases.named(cur, name)
        except Refused as exc:
            raise UsageError(exc.text) from None
        with releases.frozen(cur, release.release_id) as frozen:
            yield frozen, release


WITHDRAWN_NOTE = Text(
    "此发布已于 {when} 由 {who} 撤回（原因：{why}），仍可查阅，但不应再引用。",
    "This release was withdrawn by {who} on {when} ({why}): it still reads, but should no longer be cited.",
)


def release_json(release: Release | None) -> dict | None:
    """The `"release"` field of a reading command's JSON: which release it shows (null for the working data)."""
    if release is None:
        return None
    return {"name": release.name, "published_at": release.published_at.isoformat(timespec="seconds"),
            "withdrawn": release.withdrawn}  # fmt: skip


def say_release(release: Release | None, lang: str) -> None:
    """Name the release a command's plain output shows, on stderr (stdout stays the output), and say if it was
    withdrawn; nothing for the working data."""
    if release is None:
        return
    print(f"# {release.source()(lang)}", file=sys.stderr)
    if release.withdrawn:
        when = f"{release.withdrawn_at:%Y-%m-%d}"
        print(f"# {WITHDRAWN_NOTE.format(when=when, who=release.withdrawn_by, why=release.withdrawn_reason)(lang)}",
              file=sys.stderr)  # fmt: skip


def add_selection(parser: argparse.ArgumentParser) -> None:
    """--city, --from and --to, as the series, export and deck commands take them."""
    parser.add_argument("--city", action="extend", nargs="+", metavar="CODE", help="city codes (--city A B …)")
    parser.add_argument("--from", dest="from_year", type=int, metavar="YEAR", help="first year")
    parser.add_argument("--to", dest="to_year", type=int, metavar="YEAR", help="last year")


def known(name: str, choices: Collection[str], what: Text) -> None:
    """A usage error for a name not among choices, suggesting the closest ones."""
    if name in choices:
        return
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.5)
    hint = (
        Text("您是否要找：{keys}", "Did you mean: {keys}").format(keys=", ".join(close))
        if close
        else Text("全部指标见 `python -m metrics indicators`。", "See `python -m metrics indicators` for all.")
    )
    raise UsageError(
        Text("未知{what}“{key}”。{hint}", "Unknown {what} '{key}'. {hint}").format(what=what, key=name, hint=hint)
    )


def indicator(key: str) -> registry.Indicator:
    """The registry entry for key, or a usage error suggesting close keys."""
    known(key, registry.KEYS, Text("指标", "indicator"))
    return registry.get(key)


def checked_cities(cur: Cursor, codes: Sequence[str] | None) -> tuple[str, ...]:
    """The city codes asked for, each known, or a usage error naming the unknown ones."""
    stored = set(list_cities(cur)["city_code"])
    unknown = [c for c in codes or () if c not in stored]
    if unknown:
        raise UsageError(Text("未知城市代码：{codes}", "Unknown city code: {codes}").format(codes=", ".join(unknown)))
    return tuple(dict.fromkeys(codes or ()))


def checked_years(cur: Cursor, args: argparse.Namespace, default: tuple[int, int] | None = None) -> tuple[int, int]:
    """--from/--to, defaulting to `default` (else the data's years), or a usage error for an impossible range."""
    first, last = default or year_span(cur)
    try:
        return (
            YearRange(
                first if args.from_year is None else args.from_year, last if args.to_year is None else args.to_year
            )
            .checked()
            .pair
        )
    except InvalidYears as exc:
        raise UsageError(exc.text) from None


def json_number(value: float | None, decimals: int) -> float | int | None:
    """Counts as integers; other values unrounded but for float noise (displays round to `decimals`)."""
    if value is None or math.isnan(value):
        return None
    return round(float(value)) if decimals == 0 else round(float(value), 9)


def print_json(obj: object) -> None:
    """One JSON document on standard output, Chinese as it is."""
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def write_out(path: Path, data: bytes) -> None:
    """Write a file the command made, whole or not at all; a usage error if it cannot be written."""
    try:
        write_durably(path, data)
    except OSError as exc:
        raise UsageError(
            Text("无法写入 {f}：{e}", "Cannot write {f}: {e}").format(f=path, e=exc.strerror or exc)
        ) from None


NOT_A_FILE = Text(
    "{f} 不是普通文件（是文件夹、设备或管道），未读取。请指定要导入的文件。",
    "{f} is not a plain file (it is a folder, a device or a pipe); it was not read. Name the file to import.",
)


def read_in(path: Path, limit: int) -> bytes:
    """A file given to a command, at most one byte past `limit` (enough to refuse one that is too large); a usage
    error for anything but a regular file (a link to one is followed): a folder, a device such as /dev/zero, a pipe
    (opened without waiting for a writer, so it never hangs), a dangling link or a loop of links."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise UsageError(
            Text("无法读取文件 {f}：{e}", "Cannot read the file {f}: {e}").format(f=path, e=exc.strerror or exc)
        ) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UsageError(NOT_A_FILE.format(f=path))
        os.set_blocking(fd, True)  # a regular file: read as usual
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise UsageError(
            Text("无法读取文件 {f}：{e}", "Cannot read the file {f}: {e}").format(f=path, e=exc.strerror or exc)
        ) from None
    finally:
        os.close(fd)


def add_by(parser: argparse.ArgumentParser, doing: str = "does it") -> None:
    """The --by NAME option of a command that writes: who acts (`actor` reads it); `doing` words its help."""
    parser.add_argument("--by", default=None, metavar="NAME", help=f"who {doing} (default: $USER)")


def actor(args: argparse.Namespace) -> Actor:
    """Who the command acts as: --by, else $USER (the CLI may do anything its user can do to the file)."""
    return cli_actor(getattr(args, "by", None) or os.environ.get("USER") or "cli")
