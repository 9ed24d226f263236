"""Numbers as people read them: 万 and 亿 in Chinese, thousands separators in English, nice axis ticks."""

from __future__ import annotations

import math

from .cells import is_missing
from .registry import Indicator

# Chinese large-number units, largest first. A value already counted in 万 (万元) reaches 亿 at 1万.
_ZH_STEPS = ((1e8, "亿"), (1e4, "万"))
_ZH_STEPS_IN_WAN = ((1e4, "亿"),)
_EN_STEPS = ((1e9, "B"), (1e6, "M"))


def format_number(value, lang: str, decimals: int = 0, *, compact: bool = True, in_wan: bool = False) -> str:
    """A number for display: '5.93万' / '59,294'; compact=False always writes every digit.

    in_wan: the value is already counted in 万 (e.g. 万元), so the next Chinese step is 亿 at 1万.
    """
    if is_missing(value):
        return "—"
    value = float(value)
    if compact:
        steps = (_ZH_STEPS_IN_WAN if in_wan else _ZH_STEPS) if lang == "zh" else _EN_STEPS
        for size, suffix in steps:
            if abs(value) >= size:
                return f"{_trim(value / size, 2)}{suffix}"
    return f"{value:,.{decimals}f}"


def _trim(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_value(value, ind: Indicator, lang: str, *, compact: bool = True, decimals: int | None = None) -> str:
    """A value of an indicator with its unit: '115.43亿元', '1,984 项', '59,294 experts'.

    compact=False writes every digit, except that Chinese amounts in 万元 from 1万 on are always written in 亿元
    ('33.49亿元', not '334,882.12 万元'): one unit for a chart's ticks, its hover and its table.
    """
    if is_missing(value):
        return "—"
    in_wan = ind.unit_zh.startswith("万元")
    places = ind.decimals if decimals is None else decimals
    compact = compact or (lang == "zh" and in_wan)
    text = format_number(value, lang, places, compact=compact, in_wan=in_wan)
    if lang == "zh":
        if in_wan and text.endswith("亿"):
            return f"{text}{ind.unit_zh[1:]}"  # 亿 + 元…: '115.43亿元'
        return f"{text}{ind.unit_zh}" if ind.unit_zh == "%" else f"{text} {ind.unit_zh}"
    return f"{text}%" if ind.unit_en == "%" else f"{text} {ind.unit_en}"


def format_change(value, lang: str, decimals: int = 1) -> str:
    """A signed percentage change, thousands separated: '+12.3%', '+3,084.4%'."""
    if is_missing(value):
        return "—"
    return f"{value:+,.{decimals}f}%"


def nice_ticks(low: float, high: float, count: int = 5, min_step: float = 0) -> list[float]:
    """Round tick values covering [low, high] (about `count` of them), as a chart axis would place them."""
    if is_missing(low) or is_missing(high):
        return []
    low, high = min(low, 0.0), max(high, 0.0)
    if high == low:
        high = low + 1
    raw_step = max((high - low) / max(count - 1, 1), min_step)
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    start = math.floor(low / step) * step
    ticks, tick = [], start
    while tick <= high + step * 0.5:
        ticks.append(round(tick, 10))
        tick += step
    return ticks


def axis_ticks(low: float, high: float, ind: Indicator, lang: str) -> tuple[list[float], list[str], str]:
    """Tick values, their labels and the axis unit for a value axis of this indicator.

    Chinese amounts in 万元 that reach 1万 are read in 亿元, the unit their hover and tables use too ('单位：亿元').
    """
    values = nice_ticks(low, high, min_step=1 if ind.decimals == 0 and ind.unit_en != "%" else 0)
    step = values[1] - values[0] if len(values) > 1 else 1
    if lang == "zh" and ind.unit_zh.startswith("万元") and max(abs(low), abs(high)) >= 1e4:
        step /= 1e4
        decimals = 0 if step >= 1 else min(4, -math.floor(math.log10(step)))
        return values, [_trim(v / 1e4, decimals) for v in values], "亿" + ind.unit_zh[1:]
    decimals = 0 if step >= 1 else min(3, -math.floor(math.log10(step)))
    return values, [format_number(v, lang, decimals) for v in values], ind.unit(lang)
