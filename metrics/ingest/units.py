"""Units of measure as officers write them: in a header (协议金额（元）), in a unit row under it, on a unit line near
the table (单位：亿元, 金额单位：元, 单位：万元、项) or in a cell (15.37亿). Each converts to the unit an indicator is
stored in, or is refused naming where it is written; never guessed (元 read as 万元 is a 10,000-fold error).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..domain import registry
from ..domain.i18n import Text
from ..domain.registry import BaseIndicator

# Amounts, against the stored 万元 (10k CNY). 万 alone is refused: 1.2万 could be 1.2 万元 or 12,000 万元.
MONEY = {
    "元": Decimal("0.0001"), "人民币元": Decimal("0.0001"), "元人民币": Decimal("0.0001"), "千元": Decimal("0.1"),
    "万元": Decimal(1), "万元人民币": Decimal(1), "人民币万元": Decimal(1), "百万元": Decimal(100),
    "千万元": Decimal(1000), "亿元": Decimal(10_000), "亿": Decimal(10_000), "亿元人民币": Decimal(10_000),
    "cny": Decimal("0.0001"), "yuan": Decimal("0.0001"), "rmb": Decimal("0.0001"), "rmbyuan": Decimal("0.0001"),
    "thousandcny": Decimal("0.1"), "kcny": Decimal("0.1"), "cnythousand": Decimal("0.1"),
    "10kcny": Decimal(1), "10kyuan": Decimal(1), "10,000cny": Decimal(1), "10000cny": Decimal(1),
    "tenthousandcny": Decimal(1), "tenthousandyuan": Decimal(1), "millioncny": Decimal(100), "mcny": Decimal(100),
    "100mcny": Decimal(10_000), "100millioncny": Decimal(10_000), "100millionyuan": Decimal(10_000),
}  # fmt: skip
AMBIGUOUS_MONEY = {"万", "10k", "10,000", "tenthousand"}
# What officers write for an indicator's own unit (and what its English unit is), by the stored unit.
SAME_UNIT = {
    "场": {"场", "次", "场次"}, "人次": {"人次", "人", "名"}, "家": {"家", "个"}, "项": {"项", "个", "份"},
    "个": {"个", "家", "处", "所"}, "人": {"人", "名"}, "万元": {"万元"},
}  # fmt: skip
SCALES = {"十": Decimal(10), "百": Decimal(100), "千": Decimal(1000), "万": Decimal(10_000), "十万": Decimal(100_000),
          "百万": Decimal(10**6), "千万": Decimal(10**7), "亿": Decimal(10**8)}  # fmt: skip
_ENGLISH_SCALES = {"10k": Decimal(10_000), "thousand": Decimal(1000), "k": Decimal(1000)}
# A unit line: 单位：亿元, 金额单位为元, 表中金额单位均为元, 单位 元, 金额：元, Unit: 10k CNY.
_LINE = re.compile(
    r"(?:金额|数量|计量|货币)?单位\s*(?:均|都|一律)?\s*(?:[:：为是]|\s+)\s*(?P<units>[^()（）。;；]+)"
    r"|金额\s*[:：]\s*(?P<money>[^()（）。;；\d]+)|\bunits?\s*[:：]\s*(?P<en>[^()]+)",
    re.IGNORECASE,
)
_LABEL = re.compile(r"^(?:(?:金额|计量)?单位|units?)\s*[:：]?\s*", re.IGNORECASE)  # 单位：元 in brackets or a unit row
_SPLIT = re.compile(r"[、，/／;；]+|和|及")
_BRACKET = re.compile(r"\(([^()]*)\)\s*$")


@dataclass(frozen=True)
class Stated:
    """A unit written for a column, and where: (“元”, 表头“协议金额（元）”)."""

    unit: str
    where: Text


@dataclass(frozen=True)
class ColumnUnit:
    """What a column's values are multiplied by to be in the stored unit, and the unit they were written in."""

    factor: Decimal
    unit: str
    where: Text


def key(unit: str) -> str:
    """A unit as compared: NFKC, lower case, no spaces or brackets."""
    text = unicodedata.normalize("NFKC", unit).lower()
    return "".join(text.split()).strip("()[]")


def factor(unit: str, ind: BaseIndicator) -> Decimal | None:
    """What a value written in `unit` is multiplied by to be in the indicator's stored unit; None when the
    indicator cannot be written in that unit (a number of people for an amount)."""
    written = key(unit)
    if ind.unit_zh == "万元":
        return MONEY.get(written)
    own = SAME_UNIT.get(ind.unit_zh, {ind.unit_zh}) | {key(ind.unit_en)} | {key(ind.unit_en).rstrip("s")}
    if written in own:
        return Decimal(1)
    for scale in sorted(SCALES, key=len, reverse=True):
        if written.startswith(scale) and (written[len(scale) :] in own or not written[len(scale) :]):
            return SCALES[scale]
    for scale, times in _ENGLISH_SCALES.items():
        if written.startswith(scale) and written[len(scale) :] in own:
            return times
    return None


def is_ambiguous(unit: str, ind: BaseIndicator) -> bool:
    """Whether the unit could mean two things for this indicator: 万 alone for an amount in 万元."""
    return ind.unit_zh == "万元" and key(unit) in AMBIGUOUS_MONEY


def is_unit(text: str) -> bool:
    """Whether a header's bracketed text is a unit of some indicator (not a note such as （2025年） or （合同额））."""
    written = key(text)
    if written in MONEY or written in AMBIGUOUS_MONEY:
        return True
    return any(factor(text, ind) is not None for ind in registry.BASE_INDICATORS)


def bracketed(header: str) -> str | None:
    """What a header's last brackets hold (协议金额（元） -> 元; 对接活动（累计） -> 累计), None without brackets."""
    found = _BRACKET.search(unicodedata.normalize("NFKC", header).strip())
    return found.group(1).strip() if found else None


def as_unit(text: str) -> str | None:
    """The unit a bracket's text or a unit row's cell states (元, （元）, 单位：元), None when it states none."""
    written = _LABEL.sub("", unicodedata.normalize("NFKC", text).strip().strip("()").strip())
    return written if written and is_unit(written) else None


def header_unit(header: str) -> str | None:
    """The unit in a header's last brackets (协议金额（元）, 协议金额（单位：元） -> 元), None when they hold none."""
    inside = bracketed(header)
    return as_unit(inside) if inside is not None else None


def units_in(text: str) -> list[str]:
    """The units in any of a text's brackets (a title: 协议金额（亿元）（2021—2025年） -> 亿元)."""
    return [u for inside in re.findall(r"\(([^()]*)\)", unicodedata.normalize("NFKC", text)) if (u := as_unit(inside))]


def unit_lines(lines: Iterable[tuple[int, Sequence[str]]]) -> list[tuple[int, str, list[str]]]:
    """The unit lines near a table (单位：亿元; 金额单位：元; 单位：万元、项, also in a title's brackets): (row, the
    cell, its units)."""
    found = []
    for row, cells in lines:
        for cell in cells:
            text = unicodedata.normalize("NFKC", cell)
            listed = [_leading_units(_SPLIT.split(m.group("units") or m.group("money") or m.group("en") or ""))
                      for m in _LINE.finditer(text)]  # fmt: skip
            listed += [[u] for u in units_in(text)]  # a title's （万元）
            units = list(dict.fromkeys(u for found_units in listed for u in found_units))
            if units:
                found.append((row, cell.strip(), units))
    return found


def _leading_units(parts: Sequence[str]) -> list[str]:
    """The units a unit line lists, up to the first part that is none ("万元 填报日期：…" -> 万元)."""
    units = []
    for part in parts:
        words = part.split()
        unit = next((" ".join(words[:n]) for n in range(len(words), 0, -1) if is_unit(" ".join(words[:n]))), None)
        if unit is None:
            break
        units.append(unit)
        if unit != " ".join(words):
            break
    return units


def column_unit(ind: BaseIndicator, stated: Sequence[Stated], lines: Sequence[tuple[int, str, list[str]]]
                ) -> ColumnUnit | Text | None:  # fmt: skip
    """The unit a column is written in, from what its header (or unit row, or a form's unit column) states and the
    unit lines near the table: None for the stored unit stated nowhere, the error (naming where) for a unit the
    indicator cannot take, an ambiguous one, or two that disagree."""
    own = []
    for s in stated:
        if is_ambiguous(s.unit, ind):
            return AMBIGUOUS.format(u=s.unit, w=s.where)
        times = factor(s.unit, ind)
        if times is None:
            return WRONG_UNIT.format(u=s.unit, w=s.where, s=ind.unit_zh)
        own.append(ColumnUnit(times, s.unit, s.where))
    line_units = []
    for row, cell, units in lines:
        for unit in units:
            if is_ambiguous(unit, ind):
                return AMBIGUOUS.format(u=unit, w=LINE_WHERE.format(r=row, c=cell))
            times = factor(unit, ind)
            if times is not None:
                line_units.append(ColumnUnit(times, unit, LINE_WHERE.format(r=row, c=cell)))
    every = own + line_units
    if len({u.factor for u in every}) > 1:
        first = every[0]
        other = next(u for u in every if u.factor != first.factor)
        return DISAGREE.format(a=first.where, u=first.unit, b=other.where, v=other.unit)
    return every[0] if every else None


AMBIGUOUS = Text(
    "{w}的单位“{u}”含义不明：协议金额以万元计，“万”可能指万元，也可能指“万 × 万元”；请写明单位（元、万元或亿元）。",
    "The unit '{u}' in {w} is ambiguous: amounts are in 10k CNY, and 万 could mean 万元 or 10,000 × 万元; write the "
    "unit out (元, 万元 or 亿元).",
)
WRONG_UNIT = Text(
    "{w}的单位“{u}”不是该指标可用的单位（应为{s}或可换算的单位）；请改正单位。",
    "The unit '{u}' in {w} is not one this indicator can be written in (it is counted in {s}); correct the unit.",
)
DISAGREE = Text(
    "单位不一致：{a}写的是“{u}”，{b}写的是“{v}”；请改为一致后再上传。",
    "The units disagree: {a} says '{u}', {b} says '{v}'; make them agree and upload the file again.",
)
NOT_A_UNIT = Text(
    "表头“{h}”括号中的“{b}”不是该列可用的单位，按它读取会把数值读错（累计、计划、上年或某一年份的数都不是本列的当年数）；"
    "请删去括号，或写明单位（如“（元）”“（万元）”）。",
    "The header '{h}' has '{b}' in brackets, which is not a unit this column can be read in, and reading it anyway "
    "could read its values wrong (a total to date, a plan, last year's or another year's figure are not this "
    "column's); remove the brackets, or write the unit (such as '(元)' or '(万元)').",
)
LINE_WHERE = Text("第 {r} 行“{c}”", "row {r} '{c}'")
HEADER_WHERE = Text("表头“{h}”", "the header '{h}'")
UNIT_ROW_WHERE = Text("第 {r} 行（单位行）“{c}”", "row {r} (the unit row) '{c}'")


def converted(unit: ColumnUnit, ind: BaseIndicator, header: str, rounded: list[tuple[int, str, Decimal]]) -> Text:
    """The warning a converted column gets: which unit, where it is written, how it was converted, and how many
    values were rounded to the stored precision (with the first)."""
    times = f"× {unit.factor:,}" if unit.factor >= 1 else f"÷ {1 / unit.factor:,.0f}"
    message = Text(
        "“{h}”的数值按{w}的单位“{u}”读取，已换算为{s}（{t}）。",
        "The values of '{h}' were read in '{u}', as {w} states, and converted to {s} ({t}).",
    ).format(h=header, w=unit.where, u=unit.unit, s=Text(ind.unit_zh, ind.unit_en), t=times)
    if rounded:
        row, raw, stored = rounded[0]
        message = message.then(
            Text(
                "其中 {n} 个数值换算后超过两位小数，已四舍五入到 0.01 {s}（如第 {r} 行“{v}”存为 {x}）。",
                " Once converted, {n} value(s) had more than two decimals and were rounded to 0.01 {s} (row {r}: "
                "'{v}' stored as {x}).",
            ).format(n=len(rounded), s=Text(ind.unit_zh, ind.unit_en), r=row, v=raw, x=f"{stored:,}")
        )
    return message
