"""`changes --from A [--to B]`: every figure revised and every pilot-year new or gone between two releases (without
--to: from a release to the working data), with the programme totals they moved first."""

from __future__ import annotations

import argparse
import numbers
import sys
import unicodedata

import pandas as pd

from ..analysis.changes import Changes, between
from ..domain import registry
from ..domain.cells import is_missing
from ..domain.i18n import Refused, Text
from ..domain.programme import SAMPLE_NOTICE
from ..present import change_tables
from ..store import releases
from ..store.releases import Release
from .common import EXIT_OK, UsageError, json_number, print_json, reading_database


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register changes."""
    changes = commands.add_parser(
        "changes",
        parents=[common],
        help="what changed between two releases, or since one",
        description="every figure revised, added or removed between release A and release B (without --to: the "
        'working data), the programme totals it moved first: `{"from", "to", "counts", "totals", "cells", '
        '"pilot_years", "targets", "cities", "events"}`, each cell with `change` (`revised`, `added`, `removed`), '
        "`old`, `new`, `difference`, `difference_pct`, the `upload` that made the new value (or the `undo`) and the "
        "`review` comment; an unknown release exits 2 naming the releases there are",
    )
    changes.add_argument("--from", dest="from_release", required=True, metavar="A", help="the release compared from")
    changes.add_argument(
        "--to", dest="to_release", metavar="B", help="the release compared to (default: the working data)"
    )
    changes.add_argument("--json", action="store_true", help="print one JSON object")
    changes.set_defaults(run=run_changes)


def run_changes(args: argparse.Namespace, lang: str) -> int:
    """changes: the figures, targets, pilots and events that differ between two releases, totals first."""
    with reading_database(args, lang).snapshot() as cur:
        try:
            old = releases.named(cur, args.from_release)
            new = None if args.to_release is None else releases.named(cur, args.to_release)
        except Refused as exc:
            raise UsageError(exc.text) from None
        found = between(cur, old.release_id, None if new is None else new.release_id)
    if args.json:
        print_json(as_json(found))
        return EXIT_OK
    print_plain(found, lang)
    return EXIT_OK


def _release(release: Release | None) -> dict:
    if release is None:
        return {"name": None, "working_data": True}
    return {"name": release.name, "working_data": False, "published_at": release.published_at.isoformat(),
            "published_by": release.published_by, "withdrawn": release.withdrawn}  # fmt: skip


def _text(value: object) -> object:
    return None if is_missing(value) or value is pd.NaT else value


def _stamp(value: object) -> str | None:
    return None if is_missing(value) or value is pd.NaT else pd.Timestamp(value).isoformat()


def _id(value: object) -> int | None:
    return None if is_missing(value) else int(value)  # type: ignore[call-overload]


def _cell(row: dict) -> dict:
    decimals = registry.get(row["indicator"]).decimals
    side = "old" if row["change"] == "removed" else "new"
    upload = None
    if _id(row[f"{side}_upload_id"]) is not None:
        upload = {"upload_id": _id(row[f"{side}_upload_id"]), "file_name": _text(row[f"{side}_file_name"]),
                  "kind": _text(row[f"{side}_kind"]), "by": _text(row[f"{side}_created_by"]),
                  "at": _stamp(row[f"{side}_created_at"])}  # fmt: skip
    undo = None
    if row["undone"]:
        undo = {"upload_id": _id(row["undone_upload_id"]), "file_name": _text(row["undone_file_name"]),
                "by": _text(row["undone_by"]), "at": _stamp(row["undone_at"])}  # fmt: skip
    review = None
    if isinstance(row["review_status"], str):
        review = {"status": row["review_status"], "comment": row["review_comment"], "by": _text(row["review_by"]),
                  "at": _stamp(row["review_at"])}  # fmt: skip
    return {
        "change": row["change"], "city_code": row["city_code"], "name_zh": row["name_zh"], "name_en": row["name_en"],
        "year": int(row["year"]), "indicator": row["indicator"], "old": json_number(row["old"], decimals),
        "new": json_number(row["new"], decimals), "difference": json_number(row["difference"], decimals),
        "difference_pct": json_number(row["difference_pct"], 1), "upload": upload, "undo": undo, "review": review,
    }  # fmt: skip


def as_json(changes: Changes) -> dict:
    """Every field of what changed, as `changes --json` prints it."""

    def years(change: str) -> list[dict]:
        return [{"city_code": p["city_code"], "name_zh": p["name_zh"], "name_en": p["name_en"], "year": int(p["year"]),
                 "figures": int(p["figures"]), "upload_id": _id(p["upload_id"])}
                for p in changes.pilot_years(change).to_dict("records")]  # fmt: skip

    def number(value: object, indicator: str) -> float | int | None:
        return json_number(value, registry.get(indicator).decimals)  # type: ignore[arg-type]

    return {
        "from": _release(changes.old),
        "to": _release(changes.new),
        "sample_data": bool(changes.old.sample),
        "counts": changes.counts,
        "totals": [
            {
                "indicator": t["indicator"],
                "year": int(t["year"]),
                "before": number(t["before"], t["indicator"]),
                "after": number(t["after"], t["indicator"]),
                "difference": number(t["difference"], t["indicator"]),
            }
            for t in changes.totals.to_dict("records")
        ],
        "cells": [_cell(row) for row in changes.cells.to_dict("records")],
        "pilot_years": {"added": years("added"), "removed": years("removed")},
        "targets": [
            {
                "city_code": t["city_code"],
                "name_zh": t["name_zh"],
                "name_en": t["name_en"],
                "year": int(t["year"]),
                "indicator": t["indicator"],
                "old": json_number(t["old"], 2),
                "new": json_number(t["new"], 2),
                "change": t["change"],
                "upload_id": _id(t["new_upload_id"]),
            }
            for t in changes.targets.to_dict("records")
        ],
        "cities": [{k: _text(v) for k, v in c.items()} for c in changes.cities.to_dict("records")],
        "events": [
            {
                "event_date": f"{pd.Timestamp(e['event_date']):%Y-%m-%d}",
                "title_zh": e["title_zh"],
                "old_title_en": _text(e["old_title_en"]),
                "new_title_en": _text(e["new_title_en"]),
                "change": e["change"],
            }
            for e in changes.events.to_dict("records")
        ],
    }


HEADING = Text("有何变化：{a} → {b}", "What changed: {a} → {b}")
SECTIONS = (
    ("totals", Text("项目合计", "Programme totals")),
    ("revised", Text("修订的数字", "Figures revised")),
    ("added", Text("新增的试点年度", "New pilot-years")),
    ("removed", Text("删除的数字", "Figures removed")),
    ("targets", Text("目标", "Targets")),
    ("cities", Text("试点名单", "Pilots")),
    ("events", Text("项目大事", "Programme events")),
)


def print_plain(changes: Changes, lang: str) -> None:
    """What changed as readable tables, the line of totals first (notes such as the sample's on stderr)."""
    if changes.old.sample:
        print(f"# {SAMPLE_NOTICE(lang)}", file=sys.stderr)
    heading = HEADING.format(a=change_tables.side_label(changes.old, lang),
                             b=change_tables.side_label(changes.new, lang))  # fmt: skip
    print(heading(lang))
    print("  " + " · ".join(change_tables.published(r, lang) for r in (changes.old, changes.new) if r is not None))
    print(change_tables.summary(changes, lang))
    tables = {
        "totals": change_tables.totals_table(changes, lang),
        "revised": change_tables.figures_table(changes, "revised", lang),
        "added": change_tables.pilot_years_table(changes, "added", lang),
        "removed": change_tables.figures_table(changes, "removed", lang),
        "targets": change_tables.targets_table(changes, lang),
        "cities": change_tables.cities_table(changes, lang),
        "events": change_tables.events_table(changes, lang),
    }
    for key, title in SECTIONS:
        table = tables[key].dropna(axis="columns", how="all")
        table = table.loc[:, [c for c in table.columns if (table[c].astype(str) != "").any()]]
        if table.empty:
            continue
        print()
        print(f"{title(lang)}（{len(table)}）" if lang == "zh" else f"{title(lang)} ({len(table)})")
        for line in aligned(table):
            print(f"  {line}")


def _width(text: str) -> int:
    """How many columns a text takes in a terminal (a CJK character two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


SIGNED = {
    change_tables.DIFFERENCE.zh,
    change_tables.DIFFERENCE.en,
    change_tables.PERCENT.zh,
    change_tables.PERCENT.en,
}  # columns of differences: shown with their sign
PLAIN = {change_tables.YEAR.zh, change_tables.YEAR.en}  # numbers shown as they are (2025, not 2,025)


def _shown(value: object, column: str) -> str:
    if is_missing(value):
        return "—"
    if isinstance(value, numbers.Number) and column not in PLAIN:
        number = float(value)  # type: ignore[arg-type]
        decimals = 0 if number.is_integer() else 2 if column not in SIGNED or "%" not in column else 1
        return f"{number:{'+' if column in SIGNED else ''},.{decimals}f}"
    return str(value)


def aligned(table: pd.DataFrame) -> list[str]:
    """A table's header and rows as lines, columns padded to line up (numbers to the right)."""
    names = [str(c) for c in table.columns]
    cells = [[_shown(v, c) for v, c in zip(row, names, strict=True)] for row in table.itertuples(index=False)]
    numeric = [pd.api.types.is_numeric_dtype(table[c]) for c in table.columns]
    widths = [max([_width(str(c)), *(_width(row[i]) for row in cells)]) for i, c in enumerate(table.columns)]

    def line(values: list[str]) -> str:
        padded = [(" " * (w - _width(v)) + v) if right else (v + " " * (w - _width(v)))
                  for v, w, right in zip(values, widths, numeric, strict=True)]  # fmt: skip
        return "  ".join(padded).rstrip()

    return [line([str(c) for c in table.columns]), *(line(row) for row in cells)]
