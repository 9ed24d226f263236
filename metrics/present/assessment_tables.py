"""The assessment's tables for display and download, headed in the language: a year's index, ranks under two
methods side by side, ranks over the years, the ranking by targets achieved, and one pilot's targets."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ..analysis import index as composite
from ..analysis import targets as achievement
from ..domain import registry
from ..domain.formatting import format_value
from ..domain.i18n import Text
from ..domain.index_method import NOT_ENOUGH_DATA, Method, group, method_label
from ..domain.programme import Scope
from ..store.cities import CITIES_READ, city_names, list_cities
from ..store.reads import declare, up_to
from ..store.transactions import Cursor
from .tables import METHOD_MOVE, MOVE, STATUS, rank_move

RANK = Text("位次", "Rank")
CITY = Text("城市", "City")
GROUP = Text("分组", "Group")
INDEX = Text("综合指数", "Index")
RELATIVE = Text("相当于平均（%）", "Of the mean (%)")
REPORTED = Text("所报指标", "Indicators reported")


def _group(key, lang: str) -> str:
    return group(key).label(lang) if isinstance(key, str) else ""  # a pilot without an index has no group


def index_ranking_table(
    pilots: pd.DataFrame, result: composite.IndexResult, names: dict[str, str], lang: str
) -> pd.DataFrame:
    """A year's index (pilots: composite.with_movement), best first: rank, city, group, index (headed with its
    method), share of the mean, move on the year before, indicators reported, and each indicator's score (0–100)."""
    table = pd.DataFrame(
        {
            RANK(lang): pilots["rank"].astype("Int64").to_numpy(),
            CITY(lang): [names[c] for c in pilots["city_code"].tolist()],
            GROUP(lang): [_group(g, lang) for g in pilots["group"].tolist()],
            Text("{i}（{m}）", "{i} ({m})").format(i=INDEX, m=method_label(result.method.name))(lang): pilots["index"]
            .round(1)
            .to_numpy(),
            RELATIVE(lang): (pilots["relative"] * 100).round(0).to_numpy(),
            MOVE(lang): [rank_move(c) for c in pilots["rank_change"]],
            REPORTED(lang): [f"{int(n)}/{len(result.method.keys)}" for n in pilots["reported"]],
        }
    )
    for key in result.method.keys:
        label = Text("{i}得分", "{i}, score").format(i=registry.get(key).label(lang))(lang)
        table[label] = result.scores[key].reindex(pilots["city_code"]).round(1).to_numpy()
    return table


def index_standing(result: composite.IndexResult, code: str, lang: str) -> str | None:
    """A pilot's index in a sentence: '2025 年综合指数（默认方法）：82.2（领先，第 1 位，共 61 个）', or that it has not
    enough data; None when it was not yet a pilot that year."""
    pilots = result.pilots.set_index("city_code")
    if code not in pilots.index:
        return None
    mine = pilots.loc[code]
    if pd.isna(mine["index"]):
        standing = NOT_ENOUGH_DATA(lang)
    else:
        standing = Text("{i:.1f}（{g}，第 {r} 位，共 {n} 个）", "{i:.1f} ({g}, rank {r} of {n})").format(
            i=mine["index"], g=group(mine["group"]).label, r=int(mine["rank"]), n=int(pilots["index"].notna().sum())
        )(lang)
    line = Text("{y} 年综合指数（{m}）：{s}", "Composite index {y} ({m}): {s}")
    return line.format(y=result.year, m=method_label(result.method.name), s=standing)(lang)


def ranks_side_by_side(
    before: composite.IndexResult, after: composite.IndexResult, names: dict[str, str], lang: str
) -> pd.DataFrame:
    """Each pilot's rank and index under two methods, in the second's order, with the move between them (what
    changes when the weights change)."""
    a = before.pilots.set_index("city_code")
    b = after.pilots.set_index("city_code")
    codes = list(b.index)
    first, second = method_label(before.method.name)(lang), method_label(after.method.name)(lang)
    ranks = a["rank"].reindex(codes).astype("Int64")
    change = (ranks - b["rank"].reindex(codes)).astype("Int64")
    return pd.DataFrame(
        {
            CITY(lang): [names[c] for c in codes],
            Text("位次（{m}）", "Rank ({m})").format(m=first)(lang): ranks.to_numpy(),
            Text("位次（{m}）", "Rank ({m})").format(m=second)(lang): b["rank"].astype("Int64").to_numpy(),
            METHOD_MOVE(lang): [rank_move(c) for c in change],
            Text("指数（{m}）", "Index ({m})").format(m=first)(lang): a["index"].reindex(codes).round(1).to_numpy(),
            Text("指数（{m}）", "Index ({m})").format(m=second)(lang): b["index"].round(1).to_numpy(),
            Text("分组（{m}）", "Group ({m})").format(m=second)(lang): [_group(g, lang) for g in b["group"]],
        }
    )


def rank_history(
    table: pd.DataFrame, codes: tuple[str, ...], names: dict[str, str], method: Method, lang: str
) -> pd.DataFrame:
    """Chosen pilots' ranks by year under `method` (table: composite.index_table), a column per year, with the last
    year's move."""
    chosen = table[table["city_code"].isin(codes)]
    ranks = chosen.pivot(index="city_code", columns="year", values="rank").reindex(list(codes))
    last = int(table["year"].max()) if len(table) else None
    moves = chosen[chosen["year"] == last].set_index("city_code")["rank_change"].reindex(list(codes))
    heading = Text("城市 · 位次（{m}）", "City · rank ({m})").format(m=method_label(method.name))(lang)
    out = pd.DataFrame({heading: [names[c] for c in codes]})
    for year in ranks.columns:
        out[str(year)] = ranks[year].astype("Int64").to_numpy()
    out[MOVE(lang)] = [rank_move(c) for c in moves]
    return out


def achievement_table(ranked: pd.DataFrame, names: dict[str, str], lang: str) -> pd.DataFrame:
    """The ranking by targets achieved (achievement.ranking): rank, city, status, mean share (%), targets met."""
    statuses = achievement.status_labels(lang)
    return pd.DataFrame(
        {
            RANK(lang): ranked["rank"].astype("Int64").to_numpy(),
            CITY(lang): [names[c] for c in ranked["city_code"].tolist()],
            STATUS(lang): [statuses[s] for s in ranked["status"].tolist()],
            Text("平均完成率（%）", "Mean share achieved (%)")(lang): (ranked["mean_share"].astype(float) * 100)
            .round(0)
            .to_numpy(),
            Text("完成的目标", "Targets met")(lang): [
                f"{int(m)}/{int(n)}" for m, n in zip(ranked["met"], ranked["targets"], strict=True)
            ],
        }
    )


def targets_table(achieved: pd.DataFrame, lang: str, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Targets against actuals (achievement.achievement), one row per target: (city,) indicator, target, actual,
    完成率 and status; values written with their units."""
    if achieved.empty:
        return pd.DataFrame([])
    indicators = {key: registry.get(key) for key in achieved["indicator"].unique()}
    keys = achieved["indicator"].tolist()

    def written(values: list[float]) -> list[str]:
        # Many targets are the same round numbers: each (value, indicator) written once.
        pairs = list(zip(values, keys, strict=True))
        shown = {pair: format_value(pair[0], indicators[pair[1]], lang, compact=False) for pair in dict.fromkeys(pairs)}
        return list(map(shown.__getitem__, pairs))

    statuses = achievement.status_labels(lang)
    columns: dict[str, list] = {}
    if names is not None:
        columns[CITY(lang)] = [names[c] for c in achieved["city_code"].tolist()]
    labels = {key: ind.label(lang) for key, ind in indicators.items()}
    columns[Text("指标", "Indicator")(lang)] = [labels[k] for k in keys]
    for heading, column in ((Text("目标", "Target"), "target"), (Text("实际", "Actual"), "actual")):
        columns[heading(lang)] = written(achieved[column].tolist())
    columns[Text("完成率（%）", "Achieved (%)")(lang)] = [None if math.isnan(s) else round(s * 100)
                                                      for s in achieved["share"].astype(float).tolist()]  # fmt: skip
    columns[STATUS(lang)] = [statuses[s] for s in achieved["status"].tolist()]
    return pd.DataFrame(columns)


# --- straight from the database (what the Assessment page caches) -----------------------------------------------


@declare(lambda year, scope, lang: up_to(year))
def year_targets_table(cur: Cursor, year: int, scope: Scope | None, lang: str) -> pd.DataFrame:
    """Every target of a year against its actual (targets_table), of the pilots in scope."""
    return targets_table(achievement.year_achievement(cur, year, scope), lang, city_names(cur, lang))


def index_rank_history(
    cur: Cursor, codes: tuple[str, ...], method: Method, years: tuple[int, int], lang: str
) -> pd.DataFrame:
    """Chosen pilots' ranks by year under a method (rank_history)."""
    return rank_history(composite.index_table(cur, method, years), codes, city_names(cur, lang), method, lang)


def reweighted(cur: Cursor, year: int, method: Method, edited: Method, lang: str) -> pd.DataFrame:
    """Every pilot's rank and index under a method and under an edited one, side by side (ranks_side_by_side)."""
    before, after = composite.year_index(cur, year, method), composite.year_index(cur, year, edited)
    return ranks_side_by_side(before, after, city_names(cur, lang), lang)


@declare(lambda code, year, lang: up_to(year))
def pilot_index_line(cur: Cursor, code: str, year: int, lang: str) -> str | None:
    """A pilot's composite index of a year in a sentence (index_standing, default method); None when it was not yet
    a pilot, or when nobody has an index that year (its figures have yet to come in)."""
    result = composite.year_index(cur, year)
    return index_standing(result, code, lang) if result.mean_index is not None else None


@declare(lambda code, year, lang: up_to(year))
def pilot_targets(cur: Cursor, code: str, year: int, lang: str) -> tuple[str | None, pd.DataFrame]:
    """A pilot's status against its targets of a year (None when it had none) and the table of them."""
    achieved = achievement.year_achievement(cur, year, Scope(cities=(code,)))
    status = achievement.ranking(achieved)["status"].iloc[0] if len(achieved) else None
    return status, targets_table(achieved, lang)


@dataclass(frozen=True)
class Pilots:
    """Pilots as the assessment's pickers offer them: in order (`codes`), and as a set to test a choice against."""

    codes: tuple[str, ...]
    known: frozenset[str]


def _pilots(codes) -> Pilots:
    chosen = tuple(codes)
    return Pilots(chosen, frozenset(chosen))


@dataclass(frozen=True)
class YearGroups:
    """A year's index as the page's cards and pickers use it: pilots per group (GROUPS keys), the five with the
    highest index (best first), and every pilot designated by the year in the index's order."""

    counts: dict[str, int]
    leaders: tuple[str, ...]
    pilots: Pilots


def year_groups(cur: Cursor, year: int, method: Method) -> YearGroups:
    """The year's groups, leaders and pilots (composite.year_index), worked out once per data version, not on every
    rerun."""
    pilots = composite.year_index(cur, year, method).pilots
    counts = pilots["group"].value_counts() if "group" in pilots else pd.Series(dtype="int64")
    leaders = pilots.dropna(subset=["index"])["city_code"].head(5).tolist()
    return YearGroups({k: int(n) for k, n in counts.items()}, tuple(leaders), _pilots(pilots["city_code"]))


@declare(lambda year: CITIES_READ)
def designated_by(cur: Cursor, year: int) -> Pilots:
    """Every pilot designated by the year, in the store's order."""
    cities = list_cities(cur)
    return _pilots(cities.loc[cities["designated_year"] <= year, "city_code"])
