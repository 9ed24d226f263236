"""Review flags in words beside the figures they are about: a chart's hover (the flag's reason and its decision,
the comment, who and when) and a slide's speaker notes (pilot, year, indicator, why, decision, comment, who and
when). The flags are analysis/flagged.py's."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from ..analysis.review import STATUSES
from ..domain import registry
from ..domain.i18n import Text
from ..domain.programme import Scope
from ..store.cities import list_cities
from ..store.transactions import Cursor
from .chart_spec import ChartSpec

MARK = "⚑"
HEADING = Text("核实标记：", "Review flags:")
MORE = Text("另有 {n} 项，见“年度报送”页核实清单。", "{n} more: see the Collection round page's review list.")
NOTED = 30  # flags a slide's notes list; beyond that, how many more
CAPTION = Text(
    "带圈的数值有核实标记：悬停可见原因与处理情况。",
    "A ringed value carries a review flag: hover over it for why and what was decided.",
)
WIDTH = 50  # columns a hover line holds before it wraps (a half-width chart; a Chinese character takes two)


def decision(flag: dict, lang: str) -> str:
    """What was decided on a flag: 待核实; 已确认：comment（li，2026-03-02 10:15）."""
    said = STATUSES[flag["status"]](lang)
    if flag["status"] == "open":
        return said
    when = "" if pd.isna(flag["decided_at"]) else f"{pd.Timestamp(flag['decided_at']):%Y-%m-%d %H:%M}"
    who = "，".join(p for p in (flag["decided_by"] or "", when) if p) if lang == "zh" else ", ".join(
        p for p in (flag["decided_by"] or "", when) if p)  # fmt: skip
    comment = flag["comment"] or ""
    if lang == "zh":
        return f"{said}：{comment}（{who}）" if comment else f"{said}（{who}）"
    return f"{said}: “{comment}” ({who})" if comment else f"{said} ({who})"


def why(flag: dict, lang: str) -> str:
    """Why the figure is flagged (a rule's message names the pilot, the year and both sides already)."""
    return flag["message"](lang)


def hover(flags: Iterable[dict], lang: str) -> str:
    """The flags of one figure (rows of analysis/flagged.py's, as dicts) for its hover, lines apart by "\\n" (the
    chart breaks them): ⚑ why, then the decision, each wrapped to a half-width chart; "" for none."""
    lines: list[str] = []
    for flag in flags:
        lines += _wrapped(f"{MARK} {why(flag, lang)}")
        lines += _wrapped(f"   {decision(flag, lang)}")
    return "\n".join(lines)


_TOKENS = re.compile(r"[!-~]+|\s+|.")  # a run of printable ASCII (a word, a number), spaces, or one other character


def _wrapped(text: str) -> list[str]:
    """The text in lines of at most WIDTH columns (a Chinese character takes two), broken between words and
    characters, never inside a number; later lines indented."""
    lines: list[str] = []
    line, width = "", 0
    for token in _TOKENS.findall(text):
        size = sum(1 if ord(c) < 0x2E80 else 2 for c in token)
        if width + size > WIDTH and line.strip():
            lines.append(line.rstrip())
            line, width = "   ", 3
            if token.isspace():
                continue
        line, width = line + token, width + size
    return [*lines, line.rstrip()] if line.strip() else lines or [text]


def note_line(flag: dict, lang: str) -> str:
    """A flag as a line of a slide's notes: 杭州市 2025 · 签订合作协议：why；已确认：comment（li，when）."""
    if flag["reason"] == "rule":
        head = why(flag, lang)
    else:
        name = flag[f"name_{lang}"]
        label = registry.get(flag["indicator"]).label(lang)
        head = f"{name} {flag['year']} · {label}" + ("：" if lang == "zh" else ": ") + why(flag, lang)
    return head + ("；" if lang == "zh" else "; ") + decision(flag, lang)


def notes(flags: pd.DataFrame, lang: str) -> list[str]:
    """A slide's notes on the flags of the figures it shows: a heading, a line each (NOTED at most), how many more."""
    if flags.empty:
        return []
    records = flags.to_dict("records")
    lines = [HEADING(lang), *(note_line(f, lang) for f in records[:NOTED])]
    if len(records) > NOTED:
        lines.append(MORE.format(n=len(records) - NOTED)(lang))
    return lines


def shown_figures(
    cur: Cursor, spec: ChartSpec, one_year: bool
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[int, int]]:
    """The figures a chart shows: the base indicators it is drawn from (a ratio's two, a running total's own, all of
    them for a score; none for the pilots designated or who reported), the pilots (the spec's, else those in its
    scope) and the years (its last alone for a chart of one year)."""
    if spec.chart in ("pilots", "completeness"):
        return (), (), spec.years
    ind = registry.shown(spec.indicator)
    if isinstance(ind, registry.BaseIndicator):
        keys: tuple[str, ...] = (ind.key,)
    elif isinstance(ind, registry.Ratio):
        keys = (ind.numerator, ind.denominator)
    elif isinstance(ind, registry.RunningTotal | registry.Growth):
        keys = (ind.base,)
    elif isinstance(ind, registry.Score):  # the index or the targets, over every indicator
        keys = tuple(sorted(registry.BASE_KEYS))
    else:  # the pilots designated
        keys = ()
    cities = spec.cities or tuple(list_cities(cur, spec.scope or Scope())["city_code"])
    last = spec.years[1]
    return keys, tuple(cities), (last, last) if one_year else spec.years
