"""How the pilots did against their yearly targets: each target with its actual and the share achieved (完成率),
each pilot's overall status, the programme's counts, and a ranking by achievement.

A flow is judged on the year's value, the talent pool (a stock) on its year-end value: both are the value stored
for the year, so the actual is always the pilot's own stored value for that year and indicator.

- share achieved: actual / target; None when there is no actual, and None when the target is 0 (a share of
  nothing means nothing: a target of 0 is met by any reported actual).
- status of a target: met (share >= 100%), nearly (>= 80%), missed (< 80%), no_actual (nothing reported).
- status of a pilot (over all its targets of the year): met when every target is met; otherwise missed when any
  is missed; otherwise no_actual when any has no actual (it cannot be said to have met them all); otherwise nearly
  (every target at least 80%, some below 100%).
- the ranking: each pilot's mean share over its targets, each share capped at SHARE_CAP (so that one target
  overshot many times does not hide the others), a target without an actual counted as 0 and a target of 0 left
  out; equal means share a rank (1, 2, 2, 4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..domain.i18n import Text
from ..domain.programme import Scope
from ..store.cities import list_cities
from ..store.reads import declare, kept, up_to
from ..store.targets import year_targets
from ..store.transactions import Cursor
from .index import competition_ranks, year_values_kept

NEARLY = 0.8  # a share from here to below 100% is nearly met
SHARE_CAP = 1.5  # the most a single target's share adds to the ranking's mean (150%)
STATUSES = {
    "met": Text("已完成", "Met"),
    "nearly": Text("基本完成", "Nearly met"),
    "missed": Text("未完成", "Missed"),
    "no_actual": Text("缺实际值", "No actual"),
}
STATUS_KEYS = tuple(STATUSES)


def status_labels(lang: str) -> dict[str, str]:
    """Each status's name in the language, picked once (tables and charts name thousands of pilots' statuses)."""
    return {key: label(lang) for key, label in STATUSES.items()}


STATUS_RULES = {  # what a pilot's status means (ranking decides it)
    "met": Text("每项目标都已完成", "Every target met"),
    "nearly": Text("每项目标至少完成 80%，有的未到 100%", "Every target at least 80% met, some below 100%"),
    "missed": Text("至少一项目标完成不到 80%", "At least one target below 80%"),
    "no_actual": Text("没有完成不到 80% 的目标，但至少一项尚无实际值", "None below 80%, but at least one without an "
                      "actual yet"),
}  # fmt: skip


def achievement(targets: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """Each target (targets: city_code, indicator, target) with the pilot's actual (figures: city_code and the base
    columns for the year): city_code, indicator, target, actual (NaN: not reported), share (NaN without an actual
    or with a target of 0), status. In the targets' order."""
    out = targets[["city_code", "indicator", "target"]].reset_index(drop=True)
    out = out.assign(target=out["target"].astype(float))
    columns = [c for c in figures.columns if c != "city_code"]
    actuals = figures.melt(id_vars="city_code", value_vars=columns, var_name="indicator", value_name="actual")
    actuals = actuals.astype({"actual": float}).drop_duplicates(["city_code", "indicator"])
    out = out.merge(actuals, on=["city_code", "indicator"], how="left")  # a left merge keeps the targets' order
    out["share"] = (out["actual"] / out["target"]).where(out["target"] > 0)
    # compared to six decimals, so that 92 of 115 is exactly 80%
    actual, target = out["actual"].round(6), out["target"].round(6)
    nearly = actual >= (out["target"] * NEARLY).round(6)
    out["status"] = np.select([out["actual"].isna(), actual >= target, nearly], ["no_actual", "met", "nearly"],
                              "missed")  # fmt: skip
    return out


def ranking(achieved: pd.DataFrame) -> pd.DataFrame:
    """A row per pilot with targets, best first: city_code, targets (how many), met (how many), mean_share (capped
    shares, a missing actual as 0, targets of 0 left out; NaN when none is left), status, rank."""
    if achieved.empty:
        return pd.DataFrame(columns=["city_code", "targets", "met", "mean_share", "status", "rank"])
    frame = achieved.assign(
        capped=achieved["share"].clip(upper=SHARE_CAP).where(achieved["status"] != "no_actual", 0.0),
    )
    frame.loc[frame["target"] <= 0, "capped"] = np.nan
    is_ = {status: (frame["status"] == status).groupby(frame["city_code"], sort=True) for status in STATUS_KEYS}
    grouped = frame.groupby("city_code", sort=True)
    every_met, any_missed, any_missing = is_["met"].all(), is_["missed"].any(), is_["no_actual"].any()
    out = pd.DataFrame(
        {
            "targets": grouped.size(),
            "met": is_["met"].sum().astype(int),
            "mean_share": grouped["capped"].mean(),
            # see the module's docstring
            "status": np.select([every_met, any_missed, any_missing], ["met", "missed", "no_actual"], "nearly"),
        }
    ).rename_axis("city_code")
    out["rank"] = competition_ranks(out["mean_share"])
    out = out.reset_index()
    order = out.assign(missing=out["mean_share"].isna(), neg=-out["mean_share"].fillna(0))
    return out.loc[order.sort_values(["missing", "neg", "city_code"]).index].reset_index(drop=True)


def summary(achieved: pd.DataFrame) -> dict[str, int]:
    """How many pilots met, nearly met or missed their targets, or lack an actual for one (pilot statuses, see the
    module's docstring), and how many pilots had targets at all."""
    return status_counts(ranking(achieved))


def status_counts(ranked: pd.DataFrame) -> dict[str, int]:
    """`summary` of a ranking already made (ranking): how many pilots have each status, and how many there are."""
    statuses = ranked["status"]
    return {**{s: int((statuses == s).sum()) for s in STATUS_KEYS}, "pilots": len(statuses)}


@declare(lambda year, scope=None: up_to(year))
def year_summary(cur: Cursor, year: int, scope: Scope | None = None) -> dict[str, int]:
    """The summary of a year's targets (see `summary`), of the pilots in `scope` when given, from the store."""
    return status_counts(year_ranking(cur, year, scope))


def year_ranking(cur: Cursor, year: int, scope: Scope | None = None) -> pd.DataFrame:
    """The ranking of a year's targets achieved (see `ranking`), of the pilots in `scope` when given, from the store;
    made once where reads are kept (the page's counts and its chart both ask)."""
    return kept("targets_ranking", (year, scope), lambda: ranking(year_achievement(cur, year, scope)))


def shown_year(years_with_targets: tuple[int, ...], year: int) -> int | None:
    """The targets to show beside a year's figures: that year's, else the latest year before it with targets, else
    the earliest with any (None when no year has targets)."""
    if not years_with_targets:
        return None
    return next((y for y in sorted(years_with_targets, reverse=True) if y <= year), min(years_with_targets))


@declare(lambda year, scope=None: up_to(year))
def year_achievement(cur: Cursor, year: int, scope: Scope | None = None) -> pd.DataFrame:
    """Every target of a year against the stored actuals (see `achievement`), ordered by pilot, then indicators in
    the registry's order; of the pilots in `scope` only, when given."""

    def compute() -> pd.DataFrame:
        targets = year_targets(cur, year)
        if scope is not None and scope != Scope():
            targets = targets[targets["city_code"].isin(set(list_cities(cur, scope)["city_code"]))]
        return achievement(targets, year_values_kept(cur, year))

    return kept("year_achievement", (year, scope), compute)  # the page's counts, chart and table all ask
