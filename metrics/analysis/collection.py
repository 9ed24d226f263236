"""Which years are still being collected: provisional, never a page's, a headline's, a ranking's, the index's or
the deck's default "latest year", and marked as such wherever someone chooses to see them.

years_being_collected() is the one place that decides: a year with a round is complete once an admin closes the
round, or once every designated pilot is approved or marked "did not report" (store/approvals.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.i18n import Text
from ..domain.years import YearRange
from ..store.approvals import settled_by_year
from ..store.reads import READ_CACHE
from ..store.reporting import reporters_by_year
from ..store.rounds import round_states
from ..store.series import year_span
from ..store.transactions import Cursor

# A year loaded without a round (files uploaded the old way) counts as complete once this share of the pilots
# designated by then have reported any figure for it. Whole years loaded from a national summary carry nearly every
# pilot (the sample's latest year: 63 of 65, 97%), while a year caught part-way through collection carries far fewer;
# 80% leaves room for a few pilots that never report without letting a half-loaded year pass as complete.
COMPLETE_SHARE = 0.8

BEING_COLLECTED = Text("（报送中，{n}/{m}）", " (being collected, {n}/{m})")  # after a year, or a heading naming it
PROVISIONAL_NOTE = Text(
    "{y} 年数据仍在报送中（已报送 {n}/{m} 个试点），数字为临时数，会随报送变化。",
    "The {y} figures are still being collected ({n} of {m} pilots so far): they are provisional and will change.",
)


@dataclass(frozen=True)
class YearBeingCollected:
    """A year whose figures are still coming in: how many of the pilots designated by then have reported, and
    whether its round is open (else: too few have reported in a year loaded without a round)."""

    year: int
    reported: int
    designated: int
    round_open: bool

    def label(self) -> Text:
        """How a chart's axis or a card names the year: 2026（报送中，12/65）."""
        return Text(str(self.year), str(self.year)).then(self.mark())

    def mark(self) -> Text:
        """What follows the year, or a heading naming it: （报送中，12/65）."""
        return BEING_COLLECTED.format(n=self.reported, m=self.designated)

    def note(self) -> Text:
        """A sentence saying the year's figures are provisional (slide notes, captions)."""
        return PROVISIONAL_NOTE.format(y=self.year, n=self.reported, m=self.designated)


@dataclass(frozen=True)
class Collection:
    """The data's years and which of them are being collected (read once per data version)."""

    span: YearRange  # every year the data holds
    collecting: tuple[YearBeingCollected, ...] = ()  # oldest first

    @property
    def latest_complete(self) -> int | None:
        """The latest year of the data not being collected (None when every year is)."""
        open_years = {c.year for c in self.collecting}
        return next((y for y in reversed(self.span.years) if y not in open_years), None)

    @property
    def complete_span(self) -> YearRange:
        """The years a page offers by default: the data's, up to the latest complete year (the whole span when no
        year is complete, every one of them then marked)."""
        last = self.latest_complete
        return self.span if last is None or last < self.span.first else YearRange(self.span.first, last)

    def within(self, years: YearRange) -> tuple[YearBeingCollected, ...]:
        """The years being collected among `years`."""
        return tuple(c for c in self.collecting if c.year in years)

    def of(self, year: int) -> YearBeingCollected | None:
        """The year's collection state, if it is being collected."""
        return next((c for c in self.collecting if c.year == year), None)


def years_being_collected(cur: Cursor) -> tuple[YearBeingCollected, ...]:
    """Every year being collected, oldest first: a year whose round is open (until an admin marks it closed, or
    every pilot designated by then is approved or marked "did not report"), and a year with figures but no round
    while fewer than COMPLETE_SHARE of its designated pilots have reported."""
    rounds = round_states(cur)
    settled = settled_by_year(cur)
    counts = {int(r.year): (int(r.reported), int(r.designated)) for r in reporters_by_year(cur).itertuples()}
    out = []
    for year in sorted(set(rounds) | set(counts)):
        reported, designated = counts.get(year, (0, 0))
        if year in rounds:
            if not rounds[year] and not (designated and settled.get(year, 0) >= designated):
                out.append(YearBeingCollected(year, reported, designated, round_open=True))
        elif designated and reported < COMPLETE_SHARE * designated:
            out.append(YearBeingCollected(year, reported, designated, round_open=False))
    return tuple(out)


def collection(cur: Cursor) -> Collection:
    """The data's years and those being collected (kept per data version where the caller keeps reads: every chart
    asks)."""
    memo = READ_CACHE.get()
    if memo is None:
        return Collection(YearRange(*year_span(cur)), years_being_collected(cur))
    return memo("collection", (), lambda: Collection(YearRange(*year_span(cur)), years_being_collected(cur)))


def latest_complete_year(cur: Cursor) -> int | None:
    """The latest year with figures that is not being collected: what pages, the index and the deck default to."""
    return collection(cur).latest_complete


def default_years(cur: Cursor) -> tuple[int, int]:
    """The years a page, the deck or a command shows unless asked for others: the data's, up to the latest
    complete year."""
    return collection(cur).complete_span.pair
