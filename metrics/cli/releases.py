"""Commands of releases: `release publish` (an editor freezes the data as it stands under a name), `release list`
and `release withdraw` (an admin, with a reason; the release is kept and still reads, marked). Reading commands take
`--release NAME` (common.add_release)."""

from __future__ import annotations

import argparse
import sys

from ..analysis.collection import years_being_collected
from ..domain.i18n import Refused, Text
from ..store import releases
from ..store.cities import list_cities
from ..store.database import open_database
from ..store.releases import Release
from ..store.series import year_span
from .common import EXIT_OK, EXIT_REFUSED, Parser, UsageError, actor, add_by, print_json, reading_database


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register release publish, list and withdraw."""
    what = "releases: named, frozen publications of the data, which reading commands show with `--release NAME`"
    release = commands.add_parser("release", help=what, description=what)
    steps = release.add_subparsers(dest="step", required=True, metavar="STEP", parser_class=Parser)
    publish = steps.add_parser(
        "publish",
        parents=[common],
        help="freeze the data as it stands under a name (an editor)",
        description="publish a release: every figure, target, city and event as they stand (and the rounds, "
        "approvals, flags and rules that decide which years are complete), frozen under NAME (at most "
        f"{releases.MAX_NAME} characters, e.g. 2025年度数据（第1版）); never changed afterwards, corrections go into "
        "the next release; exits 1 for an empty, too long or taken name (nothing written)",
    )
    publish.add_argument("name", metavar="NAME", help="the release's name, shown as it is in both languages")
    publish.add_argument("--note", metavar="TEXT", help="what it holds or why it was published")
    add_by(publish, "publishes")
    publish.set_defaults(run=run_publish)
    listed = steps.add_parser(
        "list",
        parents=[common],
        help="every release, newest first",
        description='every release, newest first, withdrawn ones too: `[{"name", "note", "published_by", '
        '"published_at", "data_version", "sample", "withdrawn", "withdrawn_by", "withdrawn_at", '
        '"withdrawn_reason"}, …]`',
    )
    listed.add_argument("--json", action="store_true", help="print one JSON array")
    listed.set_defaults(run=run_list)
    withdraw = steps.add_parser(
        "withdraw",
        parents=[common],
        help="withdraw a release, with a reason (admin)",
        description="mark a release withdrawn, with a reason (admin): it is kept and still reads by its name, marked "
        "withdrawn everywhere it is shown; exits 1 for an empty reason or a release withdrawn already, 2 for a name "
        "that is no release",
    )
    withdraw.add_argument("name", metavar="NAME")
    withdraw.add_argument("--reason", required=True, metavar="TEXT", help="why (shown with the release)")
    add_by(withdraw, "withdraws it")
    withdraw.set_defaults(run=run_withdraw)


PUBLISHED = Text(
    "已发布“{name}”（{who}，{when}）：冻结了 {c} 个试点、{y} 年的数据。用 --release “{name}” 查看。",
    "Published the release “{name}” ({who}, {when}): the figures of {c} pilots over {y} frozen. Read it with "
    "--release “{name}”.",
)
PROVISIONAL = Text(
    "注意：{years} 年仍在报送中，发布中这些年份的数字为临时数（标为报送中）。",
    "Note: {years} still being collected: the release holds provisional figures for it, marked as such.",
)


def run_publish(args: argparse.Namespace, lang: str) -> int:
    """release publish: freeze the working data as it stands as a release named NAME."""
    database = open_database(args.db)
    try:
        release = releases.publish(database, args.name, args.note, actor(args))
    except Refused as exc:
        print(exc.text(lang), file=sys.stderr)
        return EXIT_REFUSED
    with database.cursor() as cur, releases.frozen(cur, release.release_id) as shown:
        cities, (first, last) = len(list_cities(shown)), year_span(shown)
        collecting = [str(c.year) for c in years_being_collected(shown)]
    years = f"{first}–{last}" if cities else "—"
    when = f"{release.published_at:%Y-%m-%d %H:%M}"
    print(PUBLISHED.format(name=release.name, who=release.published_by, when=when, c=cities, y=years)(lang))
    if collecting:
        print(PROVISIONAL.format(years="、".join(collecting))(lang), file=sys.stderr)
    return EXIT_OK


def _listed(release: Release) -> dict:
    """One release as plain data (`release list --json`)."""
    return {
        "name": release.name, "note": release.note, "published_by": release.published_by,
        "published_at": release.published_at.isoformat(timespec="seconds"), "data_version": release.data_version,
        "sample": release.sample, "withdrawn": release.withdrawn, "withdrawn_by": release.withdrawn_by,
        "withdrawn_at": release.withdrawn_at.isoformat(timespec="seconds") if release.withdrawn_at else None,
        "withdrawn_reason": release.withdrawn_reason,
    }  # fmt: skip


SAMPLE = Text("示例数据", "sample data")
WITHDRAWN = Text("已于 {when} 由 {who} 撤回：{why}", "withdrawn by {who} on {when}: {why}")
NONE_YET = Text(
    "还没有任何发布。用 `release publish NAME` 发布当前数据。",
    "There is no release yet. Publish the data as it stands with `release publish NAME`.",
)


def run_list(args: argparse.Namespace, lang: str) -> int:
    """release list: every release, newest first, withdrawn ones marked."""
    with reading_database(args, lang).snapshot() as cur:
        found = releases.list_releases(cur)
    if args.json:
        print_json([_listed(r) for r in found])
        return EXIT_OK
    if not found:
        print(NONE_YET(lang), file=sys.stderr)
    for r in found:
        marks = [SAMPLE(lang)] if r.sample else []
        if r.withdrawn:
            marks.append(WITHDRAWN.format(when=f"{r.withdrawn_at:%Y-%m-%d}", who=r.withdrawn_by,
                                          why=r.withdrawn_reason)(lang))  # fmt: skip
        print(f"{r.name}\t{r.published_at:%Y-%m-%d %H:%M}\t{r.published_by}\t{'; '.join(marks)}")
        if r.note:
            print(f"    {r.note}")
    return EXIT_OK


def run_withdraw(args: argparse.Namespace, lang: str) -> int:
    """release withdraw: mark a release withdrawn with a reason (admin); it is kept and still reads."""
    database = open_database(args.db)
    with database.cursor() as cur:
        try:
            releases.named(cur, args.name)
        except Refused as exc:  # a name that is no release: a usage error, as --release NAME gives
            raise UsageError(exc.text) from None
    try:
        release = releases.withdraw(database, args.name, args.reason, actor(args))
    except Refused as exc:
        print(exc.text(lang), file=sys.stderr)
        return EXIT_REFUSED
    done = Text(
        "已撤回发布“{name}”：它仍保留并可查阅，处处标为已撤回。",
        "Withdrew the release “{name}”: it is kept and still reads, marked withdrawn wherever it is shown.",
    )
    print(done.format(name=release.name)(lang))
    return EXIT_OK
