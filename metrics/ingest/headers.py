"""What the headers of a yearly-figures sheet may say, declared once: the city and year columns, each value column's
names (from the registry), and the words of the other shapes officers send (a form's 指标名称 | 计量单位 | 本年 columns,
years across the columns)."""

from __future__ import annotations

import re
import unicodedata

from ..domain import registry
from .checks import as_written, normalise

CITY_HEADERS = {"city", "城市", "城市名称", "城市代码", "试点城市", "试点城市园区", "城市园区", "city_code", "code",
                "行政区划代码", "区划代码", "试点名称", "试点单位", "pilot"}  # fmt: skip
YEAR_HEADERS = {"year", "年份", "年度", "年"}
# A form with the indicators down its rows (统计报表): the column naming them, the column of their units.
INDICATOR_HEADERS = {"指标名称", "指标", "项目", "指标项目", "项目名称", "统计指标", "indicator", "indicators", "item",
                     "items"}  # fmt: skip
UNIT_HEADERS = {"计量单位", "单位", "unit", "units"}


def aliases(ind: registry.BaseIndicator) -> tuple[str, ...]:
    """The headers a value column may have in a file."""
    return (ind.key, ind.header_zh, ind.header_en, ind.label_zh, ind.label_en)


FIGURE_HEADERS = {normalise(a): ind.column for ind in registry.BASE_INDICATORS for a in aliases(ind)}
# What a suggestion shows for each header it might mean: the header the templates use, in the script the officer
# wrote (a Chinese header for a Chinese one), never an internal key.
SHOWN_HEADERS: dict[str, str] = {
    **{normalise(a): "城市" if not a.isascii() else "city" for a in CITY_HEADERS},
    **{normalise(a): "年份" if not a.isascii() else "year" for a in YEAR_HEADERS},
    **{normalise(a): i.header_zh if not a.isascii() else i.header_en for i in registry.BASE_INDICATORS
       for a in aliases(i)},
}  # fmt: skip
# Indicators a file may name but never loads (累计, 增长, ratios: the dashboard computes them), by every name.
COMPUTED_NAMES = {normalise(n): ind.key for ind in registry.INDICATORS if ind.key not in registry.BASE_KEYS
                  for n in (ind.label_zh, ind.label_en, ind.title("zh"), ind.title("en"))}  # fmt: skip

_CURRENT = r"本年|本期|本年度|今年|当年|本年实际|本期实际|本年数|本年完成|本年累计|thisyear|currentyear"
_PREVIOUS = r"上年|上期|去年|上年同期|上年实际|上年数|上年度|同期|lastyear|previousyear|prioryear"
_YEAR_IN = r"(?:\(?(?P<year>\d{4})(?:年度?)?\)?)?"
_ROLE = re.compile(rf"^(?:(?P<current>{_CURRENT})|(?P<previous>{_PREVIOUS})){_YEAR_IN}$")
_YEAR = re.compile(r"^(?P<year>\d{4})(?:\.0+)?(?:年度?)?(?:实际|数|完成)?$")


def year_role(cell: str) -> tuple[str, int | None] | None:
    """What a value column's header says of its year: ("current", 2025 or None) for 本年（2025年）, ("previous", …)
    for 上年, ("year", 2025) for 2025年; None for anything else."""
    key = normalise(cell) if "(" not in unicodedata.normalize("NFKC", cell) else as_written(cell)
    found = _ROLE.match(key)
    if found:
        year = int(found.group("year")) if found.group("year") else None
        return ("current" if found.group("current") else "previous"), year
    found = _YEAR.match(key)
    if found and 1900 < int(found.group("year")) < 2200:
        return "year", int(found.group("year"))
    return None


def figure_key(label: str) -> str | None:
    """The value column a label names (对接活动（场）, 1.对接活动, 其中：参与专家), None for none."""
    return FIGURE_HEADERS.get(normalise(strip_numbering(label)))


_NUMBERING = re.compile(r"^\s*(?:其中\s*[:：,，、]?|[（(]?[一二三四五六七八九十\d]+[)）、.．]\s*|\d+\s+)+")


def strip_numbering(label: str) -> str:
    """A row label without its numbering or 其中 (1. 对接活动, （一）对接活动, 其中：参与专家 -> the label)."""
    return _NUMBERING.sub("", unicodedata.normalize("NFKC", label)).strip()


def is_known(cell: str) -> bool:
    """Whether a cell is a header a yearly-figures sheet of any shape has."""
    key = normalise(cell)
    return (key in CITY_HEADERS or key in YEAR_HEADERS or key in FIGURE_HEADERS or key in INDICATOR_HEADERS
            or key in UNIT_HEADERS or year_role(cell) is not None)  # fmt: skip
