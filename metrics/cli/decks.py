"""Commands about meeting decks: deck (the standard deck, or a saved one, as PowerPoint) and decks (the saved ones)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..analysis.collection import default_years
from ..domain.i18n import Refused, Text
from ..store import releases
from ..store.cities import list_cities
from ..store.database import Database
from ..store.releases import Release
from ..store.saved_decks import deck_release, list_decks, named_deck, pinned_release
from ..store.transactions import Cursor
from .common import (
    EXIT_OK,
    EXIT_REFUSED,
    UsageError,
    add_release,
    checked_cities,
    checked_years,
    print_json,
    reading_database,
    shown_data,
    write_out,
)

SAVED_ALONE = Text(
    "--saved 的演示稿自带图表和所固定的发布，不能再加 --city、--from、--to 或 --release。",
    "A saved deck (--saved) has its own charts and release: leave out --city, --from, --to and --release.",
)
NOTHING = Text(
    "数据库中还没有试点和数据，无法生成演示文稿。",
    "The database holds no pilots or figures yet; there is nothing to present.",
)
WROTE = Text("已生成演示文稿 {f}（{n} 张图表）。", "Wrote the deck {f} ({n} charts).")
WITHDRAWN_NOTE = Text(
    "注意：演示稿“{deck}”固定的发布“{name}”已于 {when} 撤回（{why}）；仍按该发布生成，并标明已撤回。",
    "Note: the release “{name}” the deck “{deck}” is pinned to was withdrawn on {when} ({why}); the deck shows it, "
    "marked withdrawn.",
)
NONE_IN_FORCE = Text(
    "注意：演示稿“{deck}”始终用最新发布，但现在没有可用的发布；按工作数据生成，并如此标明。",
    "Note: the deck “{deck}” follows the latest release, and no release is in force; it shows the working data, "
    "named as such.",
)


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register deck and decks."""
    deck = commands.add_parser(
        "deck",
        parents=[common],
        help="the meeting deck as an editable PowerPoint file",
        description="the meeting deck: pilots, the four core indicators, the five leading cities on agreements, the "
        "map; with `--city`, each city's core indicators against its batch median (and, for several, a comparison of "
        "them) instead of the leaders; in the language of `--lang`. With `--release`, the figures as that release "
        "published them. With `--saved NAME`, the deck saved under that name on the Deck page, over the release it "
        "is pinned to (or the latest release): the same slides and numbers every time. The title slide and every "
        "slide's notes name the data shown",
    )
    deck.add_argument("--out", required=True, metavar="FILE.pptx", help="file to write")
    deck.add_argument("--city", action="extend", nargs="+", metavar="CODE", help="add these cities' slides")
    deck.add_argument("--from", dest="from_year", type=int, metavar="YEAR", help="first year")
    deck.add_argument(
        "--to",
        dest="to_year",
        type=int,
        metavar="YEAR",
        help="last year (default: the latest year not still being collected)",
    )
    add_release(deck)
    deck.add_argument("--saved", metavar="NAME", help="the saved deck NAME (see `decks`), over its own release")
    deck.set_defaults(run=run_deck)

    listed = commands.add_parser(
        "decks",
        parents=[common],
        help="the saved meeting decks",
        description='the decks saved on the Deck page, newest first; `--json` prints `[{"name", "charts", '
        '"pinned_release", "latest", "shows", "withdrawn", "saved_by", "saved_at"}]`: `pinned_release` the release '
        "it is pinned to (null when it follows the latest), `shows` the release it shows now (null: the working "
        "data), `withdrawn` whether that release was withdrawn",
    )
    listed.add_argument("--json", action="store_true", help="print JSON")
    listed.set_defaults(run=run_decks)


def run_deck(args: argparse.Namespace, lang: str) -> int:
    """deck: the standard meeting deck (or the named cities'), or a saved deck, as a PowerPoint file."""
    from ..present import deck  # python-pptx is needed by this command only

    if args.saved is not None:
        return _saved_deck(args, lang)
    out = Path(args.out)
    with shown_data(args, lang) as (cur, release):
        if list_cities(cur).empty:
            print(NOTHING(lang), file=sys.stderr)
            return EXIT_REFUSED
        codes = checked_cities(cur, args.city)
        years = checked_years(cur, args, default_years(cur))  # not a year still being collected, unless asked
        specs = deck.standard_specs(cur, years, codes)
        content = deck.build(cur, specs, lang, release=release)
    write_out(out, content)
    print(WROTE.format(f=out, n=len(specs))(lang))
    print(deck.data_line(release)(lang))
    return EXIT_OK


def _saved_deck(args: argparse.Namespace, lang: str) -> int:
    """deck --saved NAME: the saved deck's charts over the release it shows now."""
    from ..present import deck
    from ..present.deck_link import saved_specs

    if args.city or args.from_year is not None or args.to_year is not None or args.release:
        raise UsageError(SAVED_ALONE)
    database = reading_database(args, lang)
    with database.cursor() as cur:
        try:
            saved = named_deck(cur, args.saved)
        except Refused as exc:  # a name that is not there, as an unknown release or city is
            raise UsageError(exc.text) from None
        try:
            specs = saved_specs(saved)
            release = deck_release(cur, saved)
        except Refused as exc:
            print(exc.text(lang), file=sys.stderr)
            return EXIT_REFUSED
    if release is None:
        print(NONE_IN_FORCE.format(deck=saved.name)(lang), file=sys.stderr)
    elif release.withdrawn:
        when, why = f"{release.withdrawn_at:%Y-%m-%d}", release.withdrawn_reason or "—"
        print(WITHDRAWN_NOTE.format(deck=saved.name, name=release.name, when=when, why=why)(lang), file=sys.stderr)
    with _reading(database, release) as cur:
        content = deck.build(cur, specs, lang, release=release)
    write_out(Path(args.out), content)
    print(WROTE.format(f=args.out, n=len(specs))(lang))
    print(deck.data_line(release)(lang))
    return EXIT_OK


@contextmanager
def _reading(database: Database, release: Release | None) -> Iterator[Cursor]:
    """A cursor on a release, or on a snapshot of the working data for None."""
    if release is None:
        with database.snapshot() as cur:
            yield cur
        return
    with database.cursor() as cur, releases.frozen(cur, release.release_id) as frozen:
        yield frozen


def run_decks(args: argparse.Namespace, lang: str) -> int:
    """decks: the saved decks, newest first, with the release each is pinned to and shows now."""
    from ..present.deck_link import saved_specs

    with reading_database(args, lang).snapshot() as cur:
        saved, known = list_decks(cur), releases.list_releases(cur)
    records = []
    for kept in saved:
        try:
            charts: int | None = len(saved_specs(kept))
            shows = pinned_release(kept, known)
        except Refused:
            charts, shows = None, None
        pinned = next((r.name for r in known if r.release_id == kept.release_id), None)
        records.append({
            "name": kept.name, "charts": charts, "pinned_release": pinned, "latest": kept.latest,
            "shows": None if shows is None else shows.name, "withdrawn": bool(shows and shows.withdrawn),
            "saved_by": kept.saved_by, "saved_at": kept.saved_at.isoformat(timespec="seconds"),
        })  # fmt: skip
    if args.json:
        print_json(records)
        return EXIT_OK
    latest_word = Text("最新发布", "latest release")(lang)
    for r in records:
        data = r["shows"] or Text("工作数据", "working data")(lang)
        pin = f"{latest_word} → {data}" if r["latest"] else data
        marked = Text("（已撤回）", " (withdrawn)")(lang) if r["withdrawn"] else ""
        print(f"{str(r['saved_at'])[:16]}  {r['saved_by']:<10}  {r['name']}  [{pin}{marked}]  {r['charts'] or '?'}")
    return EXIT_OK
