"""Who has reported: each pilot's status per year, who is missing, and the share of pilots that reported."""

from __future__ import annotations

import pandas as pd

from ..domain import registry
from ..domain.programme import Scope
from ..store.reads import Reads, declare_kept, kept
from ..store.reporting import reporting_rates, reporting_status
from ..store.transactions import Cursor

declare_kept(
    "reporting_status", lambda key, scope, years: Reads(frozenset({registry.base(key).table, "cities"}), years)
)


def completeness(cur: Cursor, key: str, scope: Scope, years: tuple[int, int]) -> pd.DataFrame:
    """Reporting status of every city in scope for every year (columns city_code, year, status), cities in batch order.

    status: 'reported', 'missing' (a pilot that year but no figure) or 'not_designated'. Kept per data version where
    reads are kept (the page's chart and its warning each ask), so shared: never changed.
    """
    years = (int(years[0]), int(years[1]))
    return kept("reporting_status", (key, scope, years), lambda: reporting_status(cur, key, scope, years))


def not_reported(cur: Cursor, key: str, scope: Scope, years: tuple[int, int]) -> tuple[str, ...]:
    """Codes of the pilots in scope, designated by the last of `years`, that have not reported the indicator for it
    (batch order)."""
    status = completeness(cur, key, scope, years)
    return tuple(status.loc[(status["year"] == years[1]) & (status["status"] == "missing"), "city_code"])


def completeness_summary(cur: Cursor, scope: Scope, years: tuple[int, int]) -> pd.DataFrame:
    """Share of pilots that reported each base indicator, per year (rows indicator keys, columns years, 0-100)."""
    rates = reporting_rates(cur, scope, years).set_index("year")
    rates.index.name = None
    return rates.T.astype(float)
