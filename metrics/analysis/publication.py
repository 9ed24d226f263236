"""Before publishing a release: the name the next one would take (2025年度数据（第2版）after 第1版), and what to know
first (a year still being collected, pilots not yet approved)."""

from __future__ import annotations

import re

from ..domain.i18n import Text
from ..store.approvals import settled_by_year
from ..store.releases import list_releases
from ..store.reporting import reporters_by_year
from ..store.rounds import round_states
from ..store.transactions import Cursor
from .collection import collection

NAME = Text("{y}年度数据（第{n}版）", "{y} annual data, edition {n}")
_EDITION = re.compile(r"第\s*(\d+)\s*版|edition\s*(\d+)", re.IGNORECASE)
COLLECTING = Text(
    "{y} 年仍在报送中（已报送 {n}/{m} 个试点）：发布后，该年在此版本中同样标为“报送中”（临时数）。",
    "{y} is still being collected ({n} of {m} pilots so far): in this release too it will be marked as being "
    "collected (provisional).",
)
NOT_APPROVED = Text(
    "{y} 年已审核（或标记未报送）{a}/{m} 个试点：其余试点的数字发布后如有更正，只能进入下一版。",
    "{y}: {a} of {m} pilots approved (or marked as not reported); a correction to the others after publishing can "
    "only go into the next release.",
)


def suggested_name(cur: Cursor, lang: str) -> str:
    """The name the next release would take: the latest complete year's, one edition after any release of that
    year already published (withdrawn ones count: a name is never used twice)."""
    shown = collection(cur)
    year = shown.latest_complete or shown.span.last
    editions = [edition(r.name) for r in list_releases(cur) if str(year) in r.name]
    return NAME.format(y=year, n=max(editions, default=0) + 1)(lang)


def edition(name: str) -> int:
    """The edition a release's name gives (第2版, edition 2), 1 when it names none."""
    found = _EDITION.search(name)
    return int(found.group(1) or found.group(2)) if found else 1


def cautions(cur: Cursor) -> tuple[Text, ...]:
    """What to know before publishing the working data now: each year still being collected, and each year of a
    round whose designated pilots are not all approved or marked as not reported."""
    being = collection(cur).collecting
    said = [COLLECTING.format(y=c.year, n=c.reported, m=c.designated) for c in being]
    settled = settled_by_year(cur)
    designated = {int(r.year): int(r.designated) for r in reporters_by_year(cur).itertuples()}
    collecting = {c.year for c in being}
    for year in sorted(round_states(cur)):
        pilots = designated.get(year, 0)
        if year not in collecting and settled.get(year, 0) < pilots:
            said.append(NOT_APPROVED.format(y=year, a=settled.get(year, 0), m=pilots))
    return tuple(said)
