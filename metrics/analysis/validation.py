"""The validation rules run over figures: a file's (merged with what is stored) at every check, or the stored ones
on demand. Vectorised over the frame of figures, rule by rule, never row by row."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..domain import registry
from ..domain.i18n import Text
from ..domain.programme import MIN_YEAR
from ..domain.rules import (
    BROKEN,
    IMPORTANCES,
    OPERATORS,
    Constant,
    Expr,
    LastYear,
    Rule,
    Times,
    Value,
    number,
)
from ..store.figures import years_values
from ..store.rules import rules_in_force
from ..store.transactions import Cursor

_COMPARE: dict[str, Callable] = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
                                 ">": operator.gt, ">=": operator.ge}  # fmt: skip
LAST = "last__"  # the prefix of last year's columns in the frame rules are evaluated over


@dataclass(frozen=True)
class Violation:
    """A rule broken by one pilot's figures of one year: both sides' values (None where not reported) and the
    values they were computed from; `row` is the file's row when a file's check found it."""

    rule: Rule
    city_code: str
    year: int
    left: float | None
    right: float | None
    values: dict[str, float | None]
    row: int | None = None

    def message(self, name: Text) -> Text:
        """`杭州市 2025：签订合作协议 900 项 > 20 × 对接活动 30 场 = 600（规则 agreements-per-activity，高）`."""
        # Each number is written once for both languages (a file may break a rule 10,000 times).
        shown = {k: None if v is None else number(v) for k, v in self.values.items()}
        sides = (None if self.left is None else number(self.left), None if self.right is None else number(self.right))
        say = _saying(self.rule)
        return Text(say[0](name.zh, self.year, shown, sides), say[1](name.en, self.year, shown, sides))

    def as_dict(self, lang: str, name: Text) -> dict[str, object]:
        """The violation as plain data (`rules check --json`)."""
        return {"rule": self.rule.id, "importance": self.rule.importance, "city_code": self.city_code,
                "year": self.year, "left": self.left, "right": self.right,
                "message": self.message(name)(lang)}  # fmt: skip


Saying = Callable[[str, int, dict[str, str | None], tuple[str | None, str | None]], str]


@functools.cache
def _saying(rule: Rule) -> tuple[Saying, Saying]:
    """How a violation of the rule reads in Chinese and in English, from the pilot's name, the year, the values it
    read and its two sides (each number as `number` writes it, None where missing); its words found once."""
    return _phrase(rule, "zh"), _phrase(rule, "en")


def _phrase(rule: Rule, lang: str) -> Saying:
    left_words, right_words = _wording(rule.left, lang), _wording(rule.right, lang)
    plain = (isinstance(rule.left, (Value, LastYear, Constant)), isinstance(rule.right, (Value, LastYear, Constant)))
    importance = IMPORTANCES[rule.importance](lang)

    def say(name: str, year: int, shown: dict[str, str | None], sides: tuple[str | None, str | None]) -> str:
        said = (left_words(shown), right_words(shown))
        left, right = (w if v is None or p else f"{w} = {v}" for w, v, p in zip(said, sides, plain, strict=True))
        if rule.operator in BROKEN and sides[0] is not None and sides[1] is not None:
            middle = f"{left} {BROKEN[rule.operator]} {right}"
        elif rule.operator in BROKEN:
            middle = (f"{left}、{right}：缺少数值，无法比较 {OPERATORS[rule.operator](lang)}" if lang == "zh" else
                      f"{left}, {right}: a value is missing for {OPERATORS[rule.operator](lang)}")  # fmt: skip
        elif rule.operator == "both_or_neither":
            middle = (f"{left}、{right}：只填报了其中一项" if lang == "zh" else
                      f"{left}, {right}: only one of them is reported")  # fmt: skip
        else:
            middle = (f"{left}、{right}：不应同时填报" if lang == "zh" else
                      f"{left}, {right}: must not both be reported")  # fmt: skip
        where = f"{name} {year}"
        if lang == "zh":
            return f"{where}：{middle}（规则 {rule.id}，{importance}）"
        return f"{where}: {middle} (rule {rule.id}, {importance})"

    return say


@functools.cache
def _wording(expr: Expr, lang: str) -> Callable[[dict[str, str | None]], str]:
    """An expression in one language with each indicator's value beside it (`20 × 对接活动 30 场`), from the values
    as `number` writes them; its words found once."""
    if isinstance(expr, (Value, LastYear)):
        ind = registry.get(expr.key)
        column = expr.key if isinstance(expr, Value) else LAST + expr.key
        label = ind.label(lang) if isinstance(expr, Value) else (
            f"上年{ind.label(lang)}" if lang == "zh" else f"last year's {ind.label(lang)}")  # fmt: skip
        missing = f"{label}（未报送）" if lang == "zh" else f"{label} (not reported)"
        unit = ind.unit(lang)

        def indicator(shown: dict[str, str | None]) -> str:
            value = shown.get(column)
            return missing if value is None else f"{label} {value} {unit}"

        return indicator
    if isinstance(expr, Constant):
        constant = number(expr.value)
        return lambda shown: constant
    if isinstance(expr, Times):
        factor, of = number(expr.factor), _wording(expr.of, lang)
        return lambda shown: f"{factor} × {of(shown)}"
    top, bottom = _wording(expr.numerator, lang), _wording(expr.denominator, lang)
    return lambda shown: f"{top(shown)} ÷ {bottom(shown)}"


def column(key: str, back: int) -> str:
    """The frame's column for an indicator this year (back 0) or the year before (back 1)."""
    return key if back == 0 else LAST + key


def value_of(expr: Expr, frame: pd.DataFrame) -> pd.Series:
    """An expression over every row of the frame, as floats (NaN where a value it reads is not reported, or it
    divides by 0)."""
    if isinstance(expr, (Value, LastYear)):
        name = column(expr.key, 0 if isinstance(expr, Value) else 1)
        if name not in frame:
            return pd.Series(np.nan, index=frame.index)
        return pd.Series(_floats(frame[name]), index=frame.index)
    if isinstance(expr, Constant):
        return pd.Series(float(expr.value), index=frame.index)
    if isinstance(expr, Times):
        return value_of(expr.of, frame) * float(expr.factor)
    bottom = value_of(expr.denominator, frame)
    return value_of(expr.numerator, frame) / bottom.where(bottom != 0)


def broken(rule: Rule, frame: pd.DataFrame) -> tuple[np.ndarray, pd.Series, pd.Series]:
    """Which rows break the rule (a boolean mask), and its two sides' values."""
    left, right = value_of(rule.left, frame), value_of(rule.right, frame)
    has_left, has_right = left.notna().to_numpy(), right.notna().to_numpy()
    if rule.operator == "both_or_neither":
        return has_left != has_right, left, right
    if rule.operator == "not_both":
        return has_left & has_right, left, right
    both = has_left & has_right
    holds = _COMPARE[rule.operator](left.to_numpy(), right.to_numpy())
    mask = both & ~holds
    if rule.missing == "violation":
        mask |= ~both
    return mask, left, right


def violations(rules: Sequence[Rule], frame: pd.DataFrame) -> list[Violation]:
    """Every enabled rule broken by a row of the frame (city_code, year, this year's values by key, last year's as
    `last__KEY`, and `row` for a file's), rule by rule in declaration order, rows in frame order."""
    found: list[Violation] = []
    for rule in rules:
        if not rule.enabled:
            continue
        mask, left, right = broken(rule, frame)
        if not mask.any():
            continue
        reads = [column(k, b) for k, b in sorted(rule.reads()) if column(k, b) in frame]
        picked = frame.loc[mask, ["city_code", "year", *reads, *(["row"] if "row" in frame else [])]]
        # column by column into Python values, not record by record (a big file breaks a rule 10,000 times)
        read = [_or_nones(picked[c]) for c in reads]
        rows = [int(r) for r in picked["row"].tolist()] if "row" in picked else [None] * len(picked)
        codes, years = picked["city_code"].tolist(), picked["year"].tolist()
        sides = zip(_or_nones(left[mask]), _or_nones(right[mask]), strict=True)
        for code, year, row, (lv, rv), *values in zip(codes, years, rows, sides, *read, strict=True):
            found.append(Violation(rule, str(code), int(year), lv, rv, dict(zip(reads, values, strict=True)), row))
    return found


def _or_nones(values: pd.Series) -> list[float | None]:
    """The values as floats, None where missing."""
    return [None if gap else float(v) for v, gap in zip(values.tolist(), values.isna().tolist(), strict=True)]


def with_last_year(current: pd.DataFrame, known: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """The current rows with each key's value the year before as `last__KEY`, looked up in `known` (city_code,
    year and the keys)."""
    previous = known[["city_code", "year", *keys]].copy()
    previous["year"] = previous["year"] + 1
    previous = previous.rename(columns={k: LAST + k for k in keys})
    return current.merge(previous, on=["city_code", "year"], how="left")


def _numeric(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """city_code, year (as int) and the keys as floats (NaN where not reported or absent)."""
    columns = {"city_code": frame["city_code"].astype(str).to_numpy(), "year": frame["year"].astype("int64").to_numpy()}
    for key in keys:
        columns[key] = _floats(frame[key]) if key in frame else np.full(len(frame), np.nan)
    return pd.DataFrame(columns)


def _floats(values: pd.Series) -> np.ndarray:
    """A column of values (Arrow integers or decimals, numbers, objects) as floats, NaN where none."""
    if isinstance(values.dtype, pd.ArrowDtype):
        if pa.types.is_decimal(values.dtype.pyarrow_dtype):
            # Through their text, which Arrow parses as float() does: Arrow's own cast from decimals rounds some
            # differently, and the default makes a Python Decimal of each.
            return pc.cast(pc.cast(pa.array(values), pa.string()), pa.float64()).to_numpy(zero_copy_only=False)
        return values.to_numpy(dtype="float64", na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def rule_keys(rules: Sequence[Rule]) -> list[str]:
    """The indicators any enabled rule reads, in registry order."""
    read = {k for r in rules if r.enabled for k, _ in r.reads()}
    return [i.key for i in registry.BASE_INDICATORS if i.key in read]


def file_violations(cur: Cursor, rows: pd.DataFrame) -> list[Violation]:
    """The rules in force over a checked file's rows (row, city_code, year, values): each value as the file
    gives it, else as stored; last year's likewise."""
    rules = [r for r in rules_in_force(cur) if r.enabled]
    keys = rule_keys(rules)
    if rows.empty or not keys:
        return []
    given = _numeric(rows, keys)
    given["row"] = rows["row"].astype("int64").to_numpy()
    years = given["year"]
    codes = sorted(set(given["city_code"].to_numpy()))  # rules compare a pilot's own values only (to_numpy: a set
    # of the Arrow-backed column itself takes its 100,000 values one by one)
    stored = _numeric(years_values(cur, int(years.min()) - 1, int(years.max()), codes), keys)
    # Looked up by (pilot, year) as one integer each, in hash indexes rather than merged: pandas' merges were most of
    # a small file's rules check, and Python dicts most of a big one's.
    pilot_years, stored_keys = _pilot_year_keys(given, stored)
    stored_at = pd.Index(stored_keys)  # one row per pilot-year
    frame = {"city_code": given["city_code"].to_numpy(), "year": given["year"].to_numpy()}
    # The file's value where it reports one, else the stored one: a rule over two indicators still runs when the
    # file gives one and the database the other.
    from_store = stored_at.get_indexer(pilot_years)
    for key in keys:
        frame[key] = _or_other(given[key].to_numpy(), stored[key].to_numpy(), from_store)
    frame["row"] = given["row"].to_numpy()
    # Last year's values: the file's (its first row of that pilot-year, as filled above) where it has the year,
    # else the stored ones.
    in_file, first_row = np.unique(pilot_years, return_index=True)
    before = pilot_years - 1  # the same pilot, the year before
    at = pd.Index(in_file).get_indexer(before)
    from_file = np.where(at >= 0, first_row[np.maximum(at, 0)], -1)
    from_store = np.where(at >= 0, -1, stored_at.get_indexer(before))
    for key in keys:
        frame[LAST + key] = _or_other(_taken(frame[key], from_file), stored[key].to_numpy(), from_store)
    return violations(rules, pd.DataFrame(frame))


def _pilot_year_keys(given: pd.DataFrame, stored: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's (pilot, year) of the file and of the store as one integer, the same for the same pair; a pilot's
    key of the year before is its key minus 1."""
    pilots = pd.factorize(np.concatenate([given["city_code"].to_numpy(), stored["city_code"].to_numpy()]))[0]
    keys = pilots.astype("int64") * _YEARS + np.concatenate([given["year"].to_numpy(), stored["year"].to_numpy()])
    return keys[: len(given)], keys[len(given) :]


_YEARS = 100_000  # above any year, so that a pilot's years never reach the next pilot's keys


def _taken(values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """values[at], NaN where at is -1."""
    return np.where(at >= 0, values[np.maximum(at, 0)], np.nan) if len(values) else np.full(len(at), np.nan)


def _or_other(values: np.ndarray, other: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The values, each NaN one replaced by other[at] (NaN where at is -1)."""
    return np.where(np.isnan(values), _taken(other, at), values)


def check_stored(
    cur: Cursor,
    year: int | None = None,
    *,
    through: int | None = None,
    cities: Sequence[str] | None = None,
    figures: pd.DataFrame | None = None,
) -> list[Violation]:
    """The rules in force over the stored figures (of one year, of the years from `year` through `through`, or of
    all years; of `cities` only, when given), by rule, then pilot and year; `figures`: the stored figures from the
    year before on, when the caller has read them already (store.figures.years_values)."""
    rules = [r for r in rules_in_force(cur) if r.enabled]
    keys = rule_keys(rules)
    first = MIN_YEAR if year is None else year - 1
    last = 9999 if year is None else year if through is None else through
    source = years_values(cur, first, last, cities) if figures is None else figures
    if cities is not None:  # a rule reads one pilot's own values, this year's and last year's
        source = source[source["city_code"].isin(list(cities))]
    stored = _numeric(source, keys)
    stored = stored[stored["year"].between(first, last)]
    current = stored if year is None else stored[stored["year"].between(year, last)]
    return violations(rules, with_last_year(current.reset_index(drop=True), stored, keys))


def named(names: dict[str, Text], code: str) -> Text:
    """A pilot's name, its code where none is known."""
    return names.get(code, Text(code, code))
