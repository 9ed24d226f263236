"""What a result reads, declared beside the function that computes it: its tables and years, so that a cache keys it
on the versions of those alone (versions.py) and a write elsewhere leaves it warm.

A function declares itself with `@declare(lambda *its_arguments: Reads(...))`; the lambda takes the function's own
arguments after the cursor. A function that declares nothing is keyed on every write (the safe default). A
declaration may name more than the function reads, never less: a table or year left out serves a stale result.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from ..domain import registry

ALL_YEARS = (0, 9999)

# Tables with a year column: a write sets the version of each year it changed.
YEARLY_TABLES: tuple[str, ...] = (
    *registry.VALUE_TABLES, "targets", "approvals", "approval_events", "flags", "rounds", "attempts", "cell_history",
)  # fmt: skip

# The programme's data: every table a figure, a chart or an assessment may be computed from (the yearly tables, the
# pilots, the events, the index methods and the rules). Not the upload history, the accounts, the releases or the
# saved decks, which only the pages listing them read.
FIGURES: frozenset[str] = frozenset((*YEARLY_TABLES, "cities", "events", "index_methods", "rule_overrides"))


@dataclass(frozen=True)
class Reads:
    """Tables read, and the years read of those with years (the others are read whole)."""

    tables: frozenset[str]
    years: tuple[int, int] = ALL_YEARS


def up_to(last: int | None, tables: frozenset[str] = FIGURES) -> Reads:
    """The tables in every year up to `last` (a year's figures with the years before them: growth, running totals,
    a pilot's own history); in every year when `last` is None."""
    return Reads(tables, ALL_YEARS if last is None else (ALL_YEARS[0], int(last)))


def every_year(tables: frozenset[str] = FIGURES) -> Reads:
    """The tables in all their years."""
    return Reads(tables)


def indicator_tables(key: str) -> frozenset[str]:
    """The value tables an indicator is computed from (none for the count of pilots, which reads `cities`; every
    one for a key that is not a series, such as the composite index)."""
    ind = registry.get(key) if key in registry.KEYS else None
    if isinstance(ind, registry.BaseIndicator):
        return frozenset((ind.table,))
    if isinstance(ind, registry.RunningTotal | registry.Growth):
        return frozenset((registry.base(ind.base).table,))
    if isinstance(ind, registry.Ratio):
        return frozenset((registry.base(ind.numerator).table, registry.base(ind.denominator).table))
    if isinstance(ind, registry.PilotCount):
        return frozenset()
    return frozenset(registry.VALUE_TABLES)


F = TypeVar("F", bound=Callable[..., Any])
_DECLARED: dict[Callable, Callable[..., Reads]] = {}
_KEPT: dict[str, Callable[..., Reads]] = {}


def declare(reads: Callable[..., Reads]) -> Callable[[F], F]:
    """Declare what a function of a cursor reads: `reads(*args, **kwargs)`, given the function's arguments after the
    cursor."""

    def declared(function: F) -> F:
        _DECLARED[function] = reads
        return function

    return declared


def reads_of(function: Callable, args: tuple, kwargs: tuple) -> Reads | None:
    """What function(cur, *args, **dict(kwargs)) reads, as declared; None when it declares nothing (everything)."""
    declared = _DECLARED.get(function)
    return None if declared is None else declared(*args, **dict(kwargs))


def declare_kept(name: str, reads: Callable[..., Reads]) -> None:
    """Declare what a read kept under `name` in READ_CACHE reads, given the arguments it is kept by."""
    _KEPT[name] = reads


def kept_reads(name: str, args: tuple) -> Reads | None:
    """What the read kept under `name` with `args` reads, as declared; None when undeclared (everything)."""
    declared = _KEPT.get(name)
    return None if declared is None else declared(*args)


# A read-through cache the app installs for the code that reads one snapshot (ui/data.py): memo(name, args, compute)
# returns compute()'s result for (name, args) as of the data that snapshot shows. With it, `series` reads each
# indicator's whole span once and serves any years within it as a slice (a chart over new years, a ranking of two
# years, the headlines), and the pilots are read once, without asking the database again; without it, every call is
# a query, as in the CLI.
READ_CACHE: ContextVar[Callable[[str, tuple, Callable[[], Any]], Any] | None] = ContextVar("read_cache", default=None)


def kept(name: str, args: tuple, compute: Callable[[], Any]) -> Any:
    """`compute()`, kept for the data it was read from where the caller keeps reads (READ_CACHE: the app), so that
    the pieces of one page asking for the same thing compute it once; the result is shared, so never changed."""
    memo = READ_CACHE.get()
    return compute() if memo is None else memo(name, args, compute)
