"""The review queue of a year being checked: every outlier (analysis/outliers.py) and every broken validation rule,
each with the decision stored on it (confirmed with a comment, sent back to the pilot with a reason) while the
values it was computed from are unchanged (its `basis`: the flagged value, or every value a rule reads on either
side); a changed value opens the flag again. A pilot's year may also be sent back as a whole, without a flag."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..domain import registry
from ..domain.i18n import Refused, Text
from ..domain.roles import Actor, require
from ..domain.rules import keys, number
from ..store import approvals
from ..store.cities import CITIES_READ, pilot_names
from ..store.database import Database
from ..store.figures import years_values
from ..store.flags import PILOT, decisions, save_decisions
from ..store.reads import declare_kept, kept, up_to
from ..store.series import year_span
from ..store.transactions import Cursor, transaction
from .outliers import THRESHOLDS, Thresholds, outliers, peer_outliers
from .validation import LAST, Violation, check_stored, named

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
NO_FIGURES = Text("{c} 没有 {y} 年数据，无可退回。", "{c} has no {y} figures to send back.")
RETURN_LOCKED = Text(
    "{c} {y} 年数据已审核通过，不能退回：请管理员先撤销审核。",
    "The {y} figures of {c} are approved and cannot be sent back: an admin un-approves them first.",
)
SENT_BACK_WHOLE = Text("整年数据已退回：{r}", "the year's figures sent back: {r}")
BACK = 3  # the pilot's years shown beside a flagged value
KEY = ["city_code", "indicator", "reason", "rule_id"]


def _figures(cur: Cursor, year: int, t: Thresholds, last: int | None = None) -> pd.DataFrame:
    """The stored figures from the earliest year compared with to `year` (or to `last`), values as floats."""
    frame = years_values(cur, year - max(t.history_years, BACK), year if last is None else last)
    for ind in registry.BASE_INDICATORS:
        column = frame[ind.column]
        if column.dtype.kind in "iuf":  # numbers already (NumPy's or nullable): the same floats, without objects
            frame[ind.key] = pd.Series(column.to_numpy(dtype="float64", na_value=np.nan), index=frame.index)
        else:
            frame[ind.key] = pd.to_numeric(column.astype("object"), errors="coerce").astype("float64")
    frame["year"] = frame["year"].astype("int64")
    frame["city_code"] = frame["city_code"].astype(str)
    return frame


def _names(cur: Cursor) -> dict[str, Text]:
    """Every pilot's names, read once per data version where reads are kept (the flags and the queue each name)."""
    return kept("pilot_names", (), lambda: pilot_names(cur))


def basis_of(values: dict[str, float | None]) -> str:
    """The values a flag was computed from, as stored beside a decision: `activities=30.0;agreements=900.0`, last
    year's as `last__KEY`, '' after `=` for one not reported."""
    return ";".join(f"{k}={'' if v is None or pd.isna(v) else repr(float(v))}" for k, v in sorted(values.items()))


def _parsed(basis: str) -> dict[str, float]:
    pairs = (part.split("=", 1) for part in basis.split(";") if part)
    return {k: float(v) if v else np.nan for k, v in pairs}


def same_basis(stored: str, now: str) -> bool:
    """Whether two bases are the same values (not reported on both sides counts as the same)."""
    a, b = _parsed(stored), _parsed(now)
    return a.keys() == b.keys() and bool(_same(pd.Series([a[k] for k in a]), pd.Series([b[k] for k in a])).all())


def _basis_now(figures: pd.DataFrame, code: str, year: int, keys_of: str) -> str:
    """The basis of the same values (the keys of a stored basis) as the figures now stand."""
    rows = figures[figures["city_code"] == code].set_index("year")
    values: dict[str, float | None] = {}
    for key in _parsed(keys_of):
        back, column = (1, key[len(LAST) :]) if key.startswith(LAST) else (0, key)
        found = rows[column].get(year - back, np.nan) if column in rows else np.nan
        values[key] = None if pd.isna(found) else float(found)
    return basis_of(values)


declare_kept("review_figures", lambda year, t, last: up_to(last))
declare_kept("peer_outliers", lambda year, t, last: up_to(last))
declare_kept("pilot_names", lambda: CITIES_READ)

FLAG_COLUMNS = ["year", *KEY, "value", "z", "message", "basis", "reads", *(f"back_{b}" for b in range(1, BACK + 1))]


def current_flags(cur: Cursor, year: int, t: Thresholds = THRESHOLDS, last: int | None = None,
                  cities: tuple[str, ...] | None = None) -> pd.DataFrame:  # fmt: skip
    """The year's flags (or those of each year from `year` to `last`; of `cities` only, when given) as the figures
    stand: city_code, year, indicator, reason, rule_id ('' but for rules), value, z (None for rules), message
    (Text), basis (basis_of the values it was computed from), reads (the indicators of the year it is about: a
    rule's, either side), and the pilot's values of the BACK years before as `back_1`…"""
    last = year if last is None else last
    if year > year_span(cur)[1]:  # a round's year before any file: not the years before it read to find none
        return pd.DataFrame(columns=FLAG_COLUMNS)
    # Every pilot's figures and their outliers against peers are the same for each city's review: kept, so that
    # a city profile after another city's costs only its own pilot's checks.
    figures = kept("review_figures", (year, t, last), lambda: _figures(cur, year, t, last))
    own = figures if cities is None else figures[figures["city_code"].isin(list(cities))]
    if not own["year"].between(year, last).any():  # no figures of these years (a round's year before any file)
        return pd.DataFrame(columns=FLAG_COLUMNS)
    names = _names(cur)
    broken: dict[int, list[Violation]] = {}
    for v in check_stored(cur, year, through=last, cities=cities, figures=own):  # a rule reads one pilot's values
        broken.setdefault(v.year, []).append(v)
    peers = kept("peer_outliers", (year, t, last), lambda: peer_outliers(figures, year, t, last))
    found = outliers(figures, year, t, cities, last, peers=peers)  # every year at once
    frame = _flags(own, found, [v for y in range(year, last + 1) for v in broken.get(y, [])], names)
    if frame.empty:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    frame = frame.astype({"year": "int64"})
    values = own.melt(id_vars=["city_code", "year"], value_vars=list(registry.BASE_KEYS), var_name="indicator")
    for b in range(1, BACK + 1):  # the pilot's values of the years before, beside each flag
        before = values.assign(year=values["year"] + b).rename(columns={"value": f"back_{b}"})
        frame = frame.merge(before, on=["city_code", "year", "indicator"], how="left")
    return frame


def _flags(own: pd.DataFrame, found: pd.DataFrame, broken: list[Violation], names: dict[str, Text]) -> pd.DataFrame:
    """The flags (current_flags, but the years before) of every year at once: the outliers `found` and the rules
    `broken`, with the figures `own`; year by year, each year's outliers before its rules."""
    found = found.copy()
    found["rule_id"] = ""
    found["basis"] = [basis_of({k: v}) for k, v in zip(found["indicator"], found["value"], strict=True)]
    found["reads"] = [(k,) for k in found["indicator"]]
    found["message"] = [
        WHY[r].format(n=int(n), m=number(round(m, 2)), z=f"{z:.1f}")
        for r, n, m, z in zip(found["reason"], found["n"], found["reference"], found["z"], strict=True)
    ]
    # Each violation's row of the figures found at once (a lookup per violation was most of a year's flags).
    pilot_years = pd.MultiIndex.from_arrays([own["city_code"], own["year"]])
    at = pilot_years.get_indexer(pd.MultiIndex.from_arrays([[v.city_code for v in broken], [v.year for v in broken]]))
    values = {i.key: own[i.key].to_numpy() for i in registry.BASE_INDICATORS if i.key in own}
    rows = []
    for v, row in zip(broken, at, strict=True):
        read = {k for k, _ in keys(v.rule.left)} or {k for k, _ in v.rule.reads()}
        key = next(i.key for i in registry.BASE_INDICATORS if i.key in read)
        value = values[key][row] if key in values and row >= 0 else np.nan
        this_year = tuple(i.key for i in registry.BASE_INDICATORS if (i.key, 0) in v.rule.reads())
        rows.append({"city_code": v.city_code, "year": v.year, "indicator": key, "reason": "rule",
                     "rule_id": v.rule.id, "value": value, "z": np.nan,
                     "message": v.message(named(names, v.city_code)), "basis": basis_of(v.values),
                     "reads": this_year or (key,)})  # fmt: skip
    frame = pd.concat([found.drop(columns=["reference", "n"]), pd.DataFrame(rows)], ignore_index=True)
    # A stable sort keeps each year's outliers, then its rules, in the order they were found.
    return frame.sort_values("year", kind="stable", ignore_index=True)


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Whether two columns of values are the same figure (both not reported counts as the same)."""
    x, y = a.to_numpy(dtype="float64"), b.to_numpy(dtype="float64")
    return (np.isnan(x) & np.isnan(y)) | np.isclose(x, y, rtol=1e-9, atol=0)


def review(cur: Cursor, year: int, t: Thresholds = THRESHOLDS, last: int | None = None,
           cities: tuple[str, ...] | None = None) -> pd.DataFrame:  # fmt: skip
    """The year's review queue (or that of each year from `year` to `last`, by year; of `cities` only, when given):
    each current flag with the pilot's names, its status (open unless decided on these very values: the flagged
    one, and for a rule every value on either side), comment, decided_by, decided_at, and `reopened` (decided on
    values since changed); open first. Kept per data version where reads are kept (the round page's review list and
    its approvals each ask)."""
    return kept("review", (year, t, last, cities), lambda: _review(cur, year, t, last, cities))


def _review(cur: Cursor, year: int, t: Thresholds, last: int | None, cities: tuple[str, ...] | None) -> pd.DataFrame:
    flags = current_flags(cur, year, t, last, cities)
    stored = decisions(cur, year, last).drop(columns=["z"])
    stored = stored[stored["reason"] != PILOT].rename(columns={"value": "decided_value", "basis": "decided_basis"})
    flags["year"] = flags["year"].astype("int64")
    queue = flags.merge(stored.astype({"year": "int64"}), on=["year", *KEY], how="left")
    decided = queue["status"].notna().to_numpy()
    same = np.array([
        same_basis(then, now) if isinstance(then, str) else bool(was)  # a decision stored before bases: the value
        for then, now, was in zip(queue["decided_basis"], queue["basis"],
                                  _same(queue["value"], queue["decided_value"]), strict=True)
    ], dtype=bool)  # fmt: skip
    queue["reopened"] = decided & ~same
    stands = decided & same
    queue["status"] = np.where(stands, queue["status"], "open")
    for column in ("comment", "decided_by", "decided_at"):
        queue[column] = queue[column].where(stands, None)
    names = _names(cur) if len(queue) else {}  # thousands of pilots' names, not read for an empty queue
    queue["name_zh"] = [named(names, c).zh for c in queue["city_code"]]
    queue["name_en"] = [named(names, c).en for c in queue["city_code"]]
    order = queue["status"].map({"open": 0, "returned": 1, "confirmed": 2})
    return queue.assign(order=order).sort_values(["year", "order", "city_code", "indicator", "reason"]).drop(
        columns=["order", "decided_value", "decided_basis"]
    ).reset_index(drop=True)  # fmt: skip


def decide(database: Database, year: int, city_code: str, indicators: tuple[str, ...] | None, status: str,
           comment: str, by: Actor | None) -> int:  # fmt: skip
    """Confirm (status "confirmed") or send back ("returned") a pilot's flags of a year, those of `indicators` (None:
    every flag not yet confirmed), with a comment; how many flags. Sending back with no flag left to send sends the
    pilot's whole year back (a stored return of reason 'pilot', standing until any of its figures changes): 0 flags.
    Refused
    without a comment, a flag to confirm, figures to send back, or when the year is approved."""
    actor = require(by, "edit")
    if not comment.strip():
        raise Refused(NO_COMMENT)
    with database.write_lock, database.cursor() as cur, transaction(cur):
        if status == "returned" and (city_code, year) in approvals.states(cur, year):
            state = approvals.states(cur, year)[(city_code, year)]
            if state.state == approvals.APPROVED:
                raise Refused(RETURN_LOCKED.format(c=city_code, y=year))
        queue = review(cur, year)
        mine = queue[queue["city_code"] == city_code]
        mine = mine[mine["indicator"].isin(indicators)] if indicators else mine[mine["status"] != "confirmed"]
        if mine.empty and status == "returned" and not indicators:
            return _return_whole(cur, year, city_code, comment.strip(), actor.name)
        if mine.empty:
            which = Text("（{i}）", " ({i})").format(i="、".join(indicators)) if indicators else Text("", "")
            raise Refused(NO_FLAG.format(c=city_code, y=year, i=which))
        return save_decisions(cur, mine.to_dict("records"), status, comment.strip(), actor.name)


def _return_whole(cur: Cursor, year: int, code: str, reason: str, by: str) -> int:
    """Send a pilot's whole year back (no flag of it open): refused when it has no figures for the year; 0 (flags
    decided)."""
    now = _figures(cur, year, THRESHOLDS)
    mine = now[(now["year"] == year) & (now["city_code"] == code)]
    if mine.empty or mine[list(registry.BASE_KEYS)].isna().all(axis=None):
        raise Refused(NO_FIGURES.format(c=code, y=year))
    values = {k: mine[k].iloc[0] for k in registry.BASE_KEYS}
    whole = {"city_code": code, "year": year, "indicator": "", "reason": PILOT, "rule_id": "", "value": None,
             "z": None, "basis": basis_of(values)}  # fmt: skip
    save_decisions(cur, [whole], "returned", reason, by)
    return 0


def _standing_returns(cur: Cursor, year: int) -> pd.DataFrame:
    """The year's stored returns (of flags, and of whole years) whose values are unchanged since."""
    stored = decisions(cur, year)
    stored = stored[stored["status"] == "returned"]
    if stored.empty:
        return stored
    figures = _figures(cur, year, THRESHOLDS)
    now = figures[figures["year"] == year].set_index("city_code")
    stands = []
    for row in stored.to_dict("records"):
        code = row["city_code"]
        if isinstance(row["basis"], str):
            stands.append(same_basis(row["basis"], _basis_now(figures, code, year, row["basis"])))
        else:  # a decision stored before bases: the flagged value
            value = now[row["indicator"]].get(code, np.nan) if row["indicator"] in now else np.nan
            stands.append(bool(_same(pd.Series([row["value"]]), pd.Series([value]))[0]))
    return stored[np.array(stands, dtype=bool)]


def returned_pilots(cur: Cursor, year: int) -> dict[str, list[str]]:
    """The pilots whose figures of the year are sent back (a flag, or the whole year) and still unchanged since: the
    reasons given, by city."""
    found: dict[str, list[str]] = {}
    for code, comment in zip(*(_standing_returns(cur, year)[c] for c in ("city_code", "comment")), strict=True):
        reasons = found.setdefault(code, [])
        if comment and comment not in reasons:
            reasons.append(comment)
    return found


def whole_returns(cur: Cursor, year: int) -> dict[str, list[Text]]:
    """The pilots whose whole year is sent back (not a flag of it) and still unchanged since: what is open about
    them, by city."""
    stood = _standing_returns(cur, year)
    stood = stood[stood["reason"] == PILOT]
    found: dict[str, list[Text]] = {}
    for code, comment in zip(stood["city_code"], stood["comment"], strict=True):
        found.setdefault(str(code), []).append(SENT_BACK_WHOLE.format(r=comment or ""))
    return found
