"""Highlights: short sentences, in both languages, on what changed in the latest year.

Rule-based, never free text: each rule below is a small function of figures already computed, so each can be
tested with a table of cases. highlights() gathers the figures and applies the rules in a fixed order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ..domain import registry
from ..domain.cells import is_missing
from ..domain.formatting import format_number, format_value
from ..domain.i18n import LANGS, Text, named_few
from ..domain.programme import PROGRAMME_START, Scope
from ..store.cities import list_cities
from ..store.reads import declare, up_to
from ..store.series import read_together, series
from ..store.transactions import Cursor
from . import standing

# Indicators the highlights speak about, in order.
KEYS = registry.CORE_KEYS
MAX_NAMED = 5  # list at most this many cities by name, then how many more (i18n.named_few)


@dataclass(frozen=True)
class Highlight:
    """One sentence about one indicator (or about reporting), in both languages."""

    kind: str  # total, record, rise, fall, missing, designated
    key: str  # the indicator it is about ('' for reporting as a whole)
    text: Text


TOTAL = Text("{y} 年{l}：{v}。", "{l}: {v} in {y}.")
TOTAL_SAME = Text("{y} 年{l}：{v}，同口径与上年持平。", "{l}: {v} in {y}, unchanged on the year before, like for like.")
TOTAL_UP = Text("{y} 年{l}：{v}，同口径比上年增长 {c}。", "{l}: {v} in {y}, up {c} on the year before, like for like.")
TOTAL_DOWN = Text(
    "{y} 年{l}：{v}，同口径比上年下降 {c}。", "{l}: {v} in {y}, down {c} on the year before, like for like."
)


def total(key: str, year: int, value: float, growth_pct: float, record: bool) -> Highlight | None:
    """The year's programme total and its like-for-like change; notes a record high."""
    ind = registry.get(key)
    if is_missing(value):
        return None
    shown = {"zh": format_value(value, ind, "zh", compact=False), "en": format_value(value, ind, "en", compact=False)}
    # A total can be the highest yet only because more pilots reported; a like-for-like fall is then no record.
    record = record and (is_missing(growth_pct) or growth_pct >= 0)
    if is_missing(growth_pct):
        text = TOTAL
    else:
        text = TOTAL_SAME if round(growth_pct, 1) == 0 else TOTAL_UP if growth_pct >= 0 else TOTAL_DOWN
    change = f"{abs(growth_pct):.1f}%" if not is_missing(growth_pct) else ""
    text = Text(
        text.zh.format(y=year, l=ind.label_zh, v=shown["zh"], c=change),
        text.en.format(y=year, l=ind.label_en, v=shown["en"], c=change),
    )
    if record:
        text = Text(text.zh[:-1] + "，为项目开展以来最高。", text.en[:-1] + ", the highest since the programme began.")
    return Highlight("record" if record else "total", key, text)


def is_record(totals: pd.DataFrame, year: int) -> bool:
    """Whether `year`'s value is above every earlier year's (totals: year, value), with at least two earlier."""
    earlier = totals[(totals["year"] < year) & totals["value"].notna()]["value"]
    now = totals.loc[totals["year"] == year, "value"]
    return len(earlier) >= 2 and len(now) == 1 and not is_missing(now.iloc[0]) and now.iloc[0] > earlier.max()


def movers(key: str, per_city: pd.DataFrame, year: int, names: dict[str, dict[str, str]]) -> list[Highlight]:
    """The city with the largest rise and the one with the largest fall on the year before (both years reported).

    per_city: city_code, year, value. names: lang -> code -> name.
    """
    ind = registry.get(key)
    wide = per_city.pivot(index="city_code", columns="year", values="value")
    if year not in wide or year - 1 not in wide:
        return []
    both = wide[[year - 1, year]].dropna()
    change = (both[year] - both[year - 1]).sort_values(kind="stable")
    out = []
    if len(change) and change.iloc[-1] > 0:
        code = change.index[-1]
        out.append(_mover("rise", ind, code, change.iloc[-1], both.at[code, year], names))
    if len(change) and change.iloc[0] < 0:
        code = change.index[0]
        out.append(_mover("fall", ind, code, change.iloc[0], both.at[code, year], names))
    return out


def _mover(kind: str, ind, code: str, delta: float, value: float, names) -> Highlight:
    template = {
        "rise": Text("{l}增加最多的是{n}：增加 {d}，达到 {v}。", "Largest rise in {l}: {n}, up {d} to {v}."),
        "fall": Text("{l}减少最多的是{n}：减少 {d}，为 {v}。", "Largest fall in {l}: {n}, down {d} to {v}."),
    }[kind]
    fill = {
        lang: dict(
            l=ind.label(lang) if lang == "zh" else ind.label(lang).lower(),
            n=names[lang][code],
            d=format_value(abs(delta), ind, lang, compact=False) if lang == "zh" else format_number(abs(delta), lang),
            v=format_value(value, ind, lang, compact=False),
        )
        for lang in LANGS
    }
    return Highlight(kind, ind.key, Text(template.zh.format(**fill["zh"]), template.en.format(**fill["en"])))


def missing(year: int, who: Sequence[str], who_en: Sequence[str], due: int) -> Highlight | None:
    """Pilots that have not reported every core indicator for `year`, named (the first few)."""
    if not who:
        return None
    named_zh, named_en = named_few(who, MAX_NAMED, "zh"), named_few(who_en, MAX_NAMED, "en")
    return Highlight(
        "missing",
        "",
        Text(
            f"{year} 年应报送的 {due} 个试点中，{len(who)} 个尚未报齐主要指标：{named_zh}。",
            f"{len(who)} of {due} pilots have not yet reported every core indicator for {year}: {named_en}.",
        ),
    )


def designated(year: int, count: int, batch: int | None) -> Highlight | None:
    """Pilots designated in `year`."""
    if count == 0:
        return None
    return Highlight(
        "designated",
        "pilot_cities",
        Text(
            f"{year} 年命名第{batch}批试点 {count} 个。",
            f"Batch {batch}: {count} new pilot{'s' if count != 1 else ''} designated in {year}.",
        ),
    )


@declare(lambda year, scope=None: up_to(year))
def highlights(cur: Cursor, year: int, scope: Scope | None = None) -> list[Highlight]:
    """The highlights for `year` over the pilots in scope: totals and records, movers, new pilots, gaps."""
    scope = scope or Scope()
    cities = list_cities(cur, scope)
    names = {lang: dict(zip(cities["city_code"], cities[f"name_{lang}"], strict=True)) for lang in LANGS}
    read_together(cur, KEYS, scope, per_city=True)  # every pilot's series of each, in one statement
    out: list[Highlight | None] = []
    for key in KEYS:
        totals = series(cur, key, scope, years=(min(PROGRAMME_START, year), year))
        head = standing.headlines(cur, (key,), scope, year)[0]
        out.append(total(key, year, head.value, head.growth_pct, is_record(totals, year)))
    for key in KEYS[:2]:  # movers for activities and agreements, the programme's main outputs
        out.extend(movers(key, series(cur, key, scope, per_city=True, years=(year - 1, year)), year, names))
    new = cities[cities["designated_year"] == year]
    out.append(designated(year, len(new), int(new["batch"].min()) if len(new) else None))
    due = cities[cities["designated_year"] <= year]["city_code"]
    reported = [
        set(frame.loc[frame["value"].notna(), "city_code"])
        for frame in (series(cur, key, scope, per_city=True, years=(year, year)) for key in KEYS)
    ]
    lacking = [c for c in due if not all(c in r for r in reported)]
    out.append(missing(year, [names["zh"][c] for c in lacking], [names["en"][c] for c in lacking], len(due)))
    return [h for h in out if h is not None]
