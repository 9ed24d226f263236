"""Tables of standing for display and download: localised headers, values formatted for the language."""

from __future__ import annotations

import pandas as pd

from ..analysis import reporting, standing
from ..domain import registry
from ..domain.cells import is_missing
from ..domain.formatting import format_change, format_value
from ..domain.i18n import Text
from ..domain.programme import Scope
from ..store.cities import city_names
from ..store.reads import declare, up_to
from ..store.transactions import Cursor

MOVE = Text("较上年", "Vs year before")  # a column of rank moves on the year before
METHOD_MOVE = Text("方法间位次变化", "Move between methods")  # a column of rank moves from one index method to another
MOVES = (MOVE, METHOD_MOVE)  # the columns of rank moves, whose gains and losses the dashboard colours
STATUS = Text("完成情况", "Status")  # the column of targets' statuses (the dashboard colours them)


def rank_move(change: float | None) -> str:
    """'↑2', '↓1', '→' or '' when there is no previous rank."""
    if change is None or is_missing(change):
        return ""
    return "→" if change == 0 else f"{'↑' if change > 0 else '↓'}{abs(int(change))}"


def profile_table(profile: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A city's standing (from standing.profile) as a display table."""

    rows = []
    for row in profile.itertuples():
        ind = registry.get(row.key)
        growth = "—"
        if not is_missing(row.change_pct):
            growth = Text("{c}（{s}—{e}年，年均 {a}）", "{c} ({s}–{e}, {a} a year)").format(
                c=format_change(row.change_pct, lang),
                s=int(row.since_year),
                e=int(row.until_year),
                a=format_change(row.annual_pct, lang),
            )(lang)
        rows.append(
            {
                Text("指标", "Indicator")(lang): ind.label(lang),  # the value carries its unit
                Text("数值", "Value")(lang): format_value(row.value, ind, lang, compact=False),
                Text("位次", "Rank")(lang): "—" if is_missing(row.rank) else f"{int(row.rank)} / {row.ranked}",
                MOVE(lang): rank_move(row.rank_change),
                Text("命名以来增长", "Growth since designation")(lang): growth,
            }
        )
    return pd.DataFrame(rows)


def ranking_table(ranking: pd.DataFrame, names: dict[str, str], ind: registry.Indicator, lang: str) -> pd.DataFrame:
    """Cities ranked (from standing.ranks), values kept numeric so the table sorts correctly."""

    return pd.DataFrame(
        {
            Text("位次", "Rank")(lang): ranking["rank"].astype(int),
            Text("城市", "City")(lang): ranking["city_code"].map(names),
            Text("数值（{u}）", "Value ({u})").format(u=ind.unit(lang))(lang): ranking["value"].round(ind.decimals),
            MOVE(lang): ranking["rank_change"].map(rank_move),
        }
    )


@declare(lambda key, year, scope, lang: up_to(year))
def ranking(cur: Cursor, key: str, year: int, scope: Scope | None, lang: str) -> pd.DataFrame:
    """The ranking table of an indicator in a year over the pilots in scope, straight from the database."""
    return ranking_table(standing.ranks(cur, key, year, scope), city_names(cur, lang), registry.get(key), lang)


@declare(lambda city_code, year, lang: up_to(year))
def profile(cur: Cursor, city_code: str, year: int, lang: str) -> pd.DataFrame:
    """A city's standing table in a year, straight from the database."""
    return profile_table(standing.profile(cur, city_code, year), lang)


def completeness(cur: Cursor, scope: Scope, years: tuple[int, int], lang: str) -> pd.DataFrame:
    """The share-reporting table over the pilots in scope, straight from the database."""
    return completeness_table(reporting.completeness_summary(cur, scope, years), lang)


def completeness_table(summary: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Share of pilots reporting (from reporting.completeness_summary), indicators titled in the language, the years
    in order as the grid beside it and every chart has them."""
    table = summary.round(0).astype("Int64")
    table.index = [registry.get(k).title(lang) for k in summary.index]
    table.columns = [str(c) for c in summary.columns]
    return table
