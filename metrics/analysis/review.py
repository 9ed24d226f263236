"""The review queue of a year being checked: every outlier (analysis/outliers.py) and every broken validation rule,
each with the decision stored on it (confirmed with a comment, sent back to the pilot with a reason) while its value
is unchanged; a changed value opens the flag again."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..domain import registry
from ..domain.i18n import Refused, Text
from ..domain.roles import Actor, require
from ..domain.rules import keys, number
from ..store.cities import pilot_names
from ..store.database import Database
from ..store.figures import years_values
from ..store.flags import decisions, save_decisions
from ..store.transactions import Cursor, transaction
from .outliers import THRESHOLDS, Thresholds, outliers
from .validation import check_stored, named

STATUSES = {"open": Text("待核实", "open"), "confirmed": Text("已确认", "confirmed"),
            "returned": Text("已退回", "returned")}  # fmt: skip
WHY = {
    "own_history": Text("与本试点前 {n} 年中位数 {m} 相比偏离（z = {z}）",
                        "far from the pilot's median of {m} over {n} years before (z = {z})"),
    "peers": Text("与本年 {n} 个试点中位数 {m} 相比偏离（z = {z}）",
                  "far from the median of {m} of {n} pilots that year (z = {z})"),
}  # fmt: skip
NO_FLAG = Text("{c} {y} 年没有可处理的待核实项{i}。", "{c} has no flags for {y} to decide{i}.")
NO_COMMENT = Text("请写明理由（确认的依据或退回的原因）。", "Say why (what confirms it, or why it goes back).")
BACK = 3  # the pilot's years shown beside a flagged value
KEY = ["city_code", "indicator", "reason", "rule_id"]


def _figures(cur: Cursor, year: int, t: Thresholds) -> pd.DataFrame:
    """The stored figures from the earliest year compared with to `year`, values as floats."""
    frame = years_values(cur, year - max(t.history_years, BACK), year)
    for ind in registry.BASE_INDICATORS:
        frame[ind.key] = pd.to_numeric(frame[ind.column].astype("object"), errors="coerce").astype("float64")
    frame["year"] = frame["year"].astype("int64")
    frame["city_code"] = frame["city_code"].astype(str)
    return frame


def current_flags(cur: Cursor, year: int, t: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """The year's flags as the figures stand: city_code, year, indicator, reason, rule_id ('' but for rules), value,
    z (None for rules), message (Text), and the pilot's values of the BACK years before as `back_1`…"""
    figures = _figures(cur, year, t)
    found = outliers(figures, year, t)
    found["rule_id"] = ""
    found["message"] = [
        WHY[r].format(n=int(n), m=number(round(m, 2)), z=f"{z:.1f}")
        for r, n, m, z in zip(found["reason"], found["n"], found["reference"], found["z"], strict=True)
    ]
    now = figures[figures["year"] == year].set_index("city_code")
    names = pilot_names(cur)
    broken = []
    for v in check_stored(cur, year):
        read = {k for k, _ in keys(v.rule.left)} or {k for k, _ in v.rule.reads()}
        key = next(i.key for i in registry.BASE_INDICATORS if i.key in read)
        value = now[key].get(v.city_code, np.nan) if key in now else np.nan
        broken.append({"city_code": v.city_code, "year": year, "indicator": key, "reason": "rule",
                       "rule_id": v.rule.id, "value": value, "z": np.nan,
                       "message": v.message(named(names, v.city_code))})  # fmt: skip
    frame = pd.concat([found.drop(columns=["reference", "n"]), pd.DataFrame(broken)], ignore_index=True)
    if frame.empty:
        return pd.DataFrame(columns=["year", *KEY, "value", "z", "message", *(f"back_{b}" for b in range(1, 4))])
    for b in range(1, BACK + 1):
        before = figures[figures["year"] == year - b].melt(
            id_vars="city_code", value_vars=list(registry.BASE_KEYS), var_name="indicator", value_name=f"back_{b}"
        )
        frame = frame.merge(before, on=["city_code", "indicator"], how="left")
    return frame


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Whether two columns of values are the same figure (both not reported counts as the same)."""
    x, y = a.to_numpy(dtype="float64"), b.to_numpy(dtype="float64")
    return (np.isnan(x) & np.isnan(y)) | np.isclose(x, y, rtol=1e-9, atol=0)


def review(cur: Cursor, year: int, t: Thresholds = THRESHOLDS) -> pd.DataFrame:
    """The year's review queue: each current flag with the pilot's names, its status (open unless decided on this
    very value), comment, decided_by, decided_at, and `reopened` (decided on a value since changed); open first."""
    flags = current_flags(cur, year, t)
    stored = decisions(cur, year).drop(columns=["year", "z"]).rename(columns={"value": "decided_value"})
    queue = flags.merge(stored, on=KEY, how="left")
    decided = queue["status"].notna().to_numpy()
    same = _same(queue["value"], queue["decided_value"])
    queue["reopened"] = decided & ~same
    stands = decided & same
    queue["status"] = np.where(stands, queue["status"], "open")
    for column in ("comment", "decided_by", "decided_at"):
        queue[column] = queue[column].where(stands, None)
    names = pilot_names(cur)
    queue["name_zh"] = [named(names, c).zh for c in queue["city_code"]]
    queue["name_en"] = [named(names, c).en for c in queue["city_code"]]
    order = queue["status"].map({"open": 0, "returned": 1, "confirmed": 2})
    return queue.assign(order=order).sort_values(["order", "city_code", "indicator", "reason"]).drop(
        columns=["order", "decided_value"]
    ).reset_index(drop=True)  # fmt: skip


def decide(database: Database, year: int, city_code: str, indicators: tuple[str, ...] | None, status: str,
           comment: str, by: Actor | None) -> int:  # fmt: skip
    """Confirm (status "confirmed") or send back ("returned") a pilot's flags of a year, those of `indicators` (None:
    every flag not yet confirmed), with a comment; how many. Refused without a comment or a flag to decide."""
    actor = require(by, "edit")
    if not comment.strip():
        raise Refused(NO_COMMENT)
    with database.write_lock, database.cursor() as cur, transaction(cur):
        queue = review(cur, year)
        mine = queue[queue["city_code"] == city_code]
        mine = mine[mine["indicator"].isin(indicators)] if indicators else mine[mine["status"] != "confirmed"]
        if mine.empty:
            which = Text("（{i}）", " ({i})").format(i="、".join(indicators)) if indicators else Text("", "")
            raise Refused(NO_FLAG.format(c=city_code, y=year, i=which))
        return save_decisions(cur, mine.to_dict("records"), status, comment.strip(), actor.name)


def returned_pilots(cur: Cursor, year: int) -> dict[str, list[str]]:
    """The pilots whose figures of the year are sent back and still unchanged since: the reasons given, by city."""
    stored = decisions(cur, year)
    stored = stored[stored["status"] == "returned"]
    if stored.empty:
        return {}
    now = _figures(cur, year, THRESHOLDS)
    now = now[now["year"] == year].melt(id_vars="city_code", value_vars=list(registry.BASE_KEYS),
                                         var_name="indicator", value_name="now")  # fmt: skip
    joined = stored.merge(now, on=["city_code", "indicator"], how="left")
    joined = joined[_same(joined["value"], joined["now"])]
    found: dict[str, list[str]] = {}
    for code, comment in zip(joined["city_code"], joined["comment"], strict=True):
        reasons = found.setdefault(code, [])
        if comment and comment not in reasons:
            reasons.append(comment)
    return found
