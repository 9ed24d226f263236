"""A range of years, from the first to the last (both included): checked, clamped and written in one place."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .i18n import Problem, Text
from .programme import MIN_YEAR, max_year

INVALID = Text(
    "年份范围 {a}—{b} 无效：应在 {lo} 至 {hi} 之间，且起始年不晚于截止年。",
    "Invalid years {a}-{b}: they must lie between {lo} and {hi}, the first not after the last.",
)
UNREADABLE = Text(
    "年份范围“{raw}”无法识别：应写作 2018-2025。", "Cannot read the years '{raw}': write them as 2018-2025."
)


class InvalidYears(Problem, ValueError):
    """A range of years that cannot be: outside MIN_YEAR to this year, or its first year after its last."""


@dataclass(frozen=True, order=True)
class YearRange:
    """The years `first` to `last`, both included (first <= last; `checked` also bounds them to valid years)."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise InvalidYears(_invalid(self.first, self.last))

    @classmethod
    def parse(cls, raw: str) -> YearRange:
        """The URL form `2018-2025`; InvalidYears with a message for anything else."""
        try:
            first, last = (int(part) for part in raw.split("-"))
        except ValueError:  # not two parts, or not numbers
            raise InvalidYears(UNREADABLE.format(raw=raw)) from None
        return cls(first, last)

    @classmethod
    def of(cls, pair: tuple[int, int] | YearRange) -> YearRange:
        """A range from a (first, last) pair (or the range itself)."""
        return pair if isinstance(pair, YearRange) else cls(int(pair[0]), int(pair[1]))

    def checked(self) -> YearRange:
        """This range if its years are valid (MIN_YEAR to this calendar year), else InvalidYears saying why."""
        if not MIN_YEAR <= self.first <= self.last <= max_year():
            raise InvalidYears(_invalid(self.first, self.last))
        return self

    def clamp(self, span: YearRange) -> YearRange:
        """This range with each end moved into `span` (the data's years)."""
        return YearRange.clamped(self.first, self.last, span)

    @staticmethod
    def clamped(first: int, last: int, span: YearRange) -> YearRange:
        """The years `first` to `last`, each end moved into `span`; the whole span if the first comes after the
        last (a hand-edited link, a range the data has moved past)."""
        first, last = min(max(first, span.first), span.last), min(max(last, span.first), span.last)
        return YearRange(first, last) if first <= last else span

    def within(self, span: YearRange) -> bool:
        """Whether every year of this range lies in `span`."""
        return span.first <= self.first and self.last <= span.last

    def __contains__(self, year: object) -> bool:
        return isinstance(year, int) and self.first <= year <= self.last

    def __iter__(self) -> Iterator[int]:  # first, last = years
        return iter((self.first, self.last))

    @property
    def pair(self) -> tuple[int, int]:
        """(first, last), as chart specs and the store's cache keys hold them."""
        return self.first, self.last

    @property
    def years(self) -> range:
        """Every year of the range, in order."""
        return range(self.first, self.last + 1)

    @property
    def url(self) -> str:
        """The form in links and file names: `2018-2025`."""
        return f"{self.first}-{self.last}"

    def label(self) -> Text:
        """How a page writes it: 2018—2025 年, 2018–2025."""
        return Text(f"{self.first}—{self.last} 年", f"{self.first}–{self.last}")

    def __str__(self) -> str:
        return self.url


def _invalid(first: int, last: int) -> Text:
    return INVALID.format(a=first, b=last, lo=MIN_YEAR, hi=max_year())
