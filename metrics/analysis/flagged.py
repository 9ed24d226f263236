"""The review queue's flags beside the figures they are about (the city profile's hover, the deck's notes): every
flag of some years, open or decided, once for each figure it concerns (an outlier its own value; a rule each of the
year's values it reads, on either side), with its decision, comment, who and when. Read from the review queue
(analysis/review.py), never from the store a second way; kept per data version where the caller keeps reads."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..store.reads import kept
from ..store.transactions import Cursor
from .review import review

COLUMNS = ["city_code", "year", "key", "indicator", "reason", "rule_id", "message", "status", "comment",
           "decided_by", "decided_at", "name_zh", "name_en"]  # fmt: skip


def figure_flags(cur: Cursor, years: tuple[int, int], cities: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Every flag of the years (first, last) (of `cities` only, when given: a city profile needs one pilot's, still
    judged against every pilot), a row for each figure it is about (`key`: that figure's indicator), by year;
    computed in one pass over the years, and kept per data version where reads are kept (every chart of a city
    profile asks for the same)."""

    def compute() -> pd.DataFrame:
        queue = review(cur, years[0], last=years[1], cities=cities)
        if queue.empty:
            return pd.DataFrame(columns=COLUMNS)
        rows = queue.assign(key=queue["reads"]).explode("key")
        return rows[COLUMNS].reset_index(drop=True)

    return kept("figure_flags", (tuple(years), cities), compute)


def flags_of(flags: pd.DataFrame, keys: Iterable[str], cities: Iterable[str] | None = None,
             years: tuple[int, int] | None = None) -> pd.DataFrame:  # fmt: skip
    """Those of `flags` about the figures of these indicators (and pilots, and years, when given), each flag once,
    by pilot, year and indicator."""
    mask = flags["key"].isin(list(keys))
    if cities is not None:
        mask &= flags["city_code"].isin(list(cities))
    if years is not None:
        mask &= flags["year"].between(*years)
    picked = flags[mask].drop_duplicates(["city_code", "year", "indicator", "reason", "rule_id"])
    return picked.sort_values(["city_code", "year", "indicator", "reason"], kind="stable").reset_index(drop=True)
