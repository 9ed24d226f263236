"""Charts resolved in one language (ChartData): title, lines or a frame to draw, the download table and the key
figures, which the Plotly figures, the deck's native charts and the miniatures all draw from; and the pieces the
kinds of chart build them with (lines of cities, a table by year, notes)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from ..domain.formatting import format_change, format_value
from ..domain.i18n import Text
from ..domain.registry import Indicator
from .chart_spec import ChartSpec

MODE_NAMES = {
    "absolute": Text("数值", "Values"),
    "change": Text("逐年变化", "Change on previous year"),
    "indexed": Text("指数（基年=100）", "Index (base year = 100)"),
    "share": Text("占全部试点比重", "Share of programme total"),
}
MODE_UNITS = {"indexed": Text("指数", "index"), "share": Text("%", "%")}
ALL_PILOTS = Text("全部试点", "All pilots")
SELECTED_PILOTS = Text("所选试点合计", "Selected pilots")
YEAR = Text("年份", "Year")
CITY = Text("城市", "City")
REGION = Text("地区", "Region")


@dataclass(frozen=True)
class Line:
    """One line on a time chart: yearly values (NaN = not reported) with a name and a colour."""

    name: str
    years: tuple[int, ...]
    values: tuple[float, ...]
    colour: str
    reporting: tuple[int, ...] | None = None
    dash: str = "solid"
    width: float = 3.0
    faded: bool = False  # behind the city brought forward
    flags: tuple[str, ...] | None = None  # each point's review flags in words ("" for none; lines apart by "\n")

    @classmethod
    def from_frame(cls, name: str, frame: pd.DataFrame, colour: str, **style) -> Line:
        """A line from a frame with columns year, value and optionally reporting."""
        reporting = tuple(int(r) for r in frame["reporting"]) if "reporting" in frame else None
        return cls(
            name,
            tuple(int(y) for y in frame["year"]),
            tuple(float(v) for v in frame["value"]),
            colour,
            reporting,
            **style,
        )


def city_lines(
    frame: pd.DataFrame,
    names: dict[str, str],
    colours: dict[str, str],
    order: Sequence[str] | None = None,
    focus: str | None = None,
) -> list[Line]:
    """One line per city from a per-city frame (city_code, year, value), in `order` (default: as they come); with a
    `focus`, the others are faded and it comes last (drawn on top)."""
    groups = dict(tuple(frame.groupby("city_code", sort=False)))
    codes = [c for c in (order or groups) if c in groups]
    if focus in codes:
        codes = [*(c for c in codes if c != focus), focus]
    return [
        Line.from_frame(names[c], groups[c], colours[c], faded=focus is not None and c != focus,
                        width=4.5 if c == focus else 3.0)
        for c in codes
    ]  # fmt: skip


COMPLETENESS_LABELS = {
    "reported": Text("已报送", "reported"),
    "missing": Text("未报送", "not reported"),
    "not_designated": Text("尚未命名", "not yet a pilot"),
}


@dataclass(frozen=True)
class Mark:
    """An event drawn on a time chart: a batch designated or a programme event."""

    year: int
    label: str
    tag: str  # a short form for small charts: '1批', '①'
    kind: str  # 'batch' or 'event'


@dataclass(frozen=True)
class ChartData:
    """A chart resolved in one language: everything needed to draw it, download its data or present it."""

    spec: ChartSpec
    lang: str
    title: str
    source: str
    indicator: Indicator  # as shown (an index or share has its own unit)
    file_stem: str  # a file name (without extension) saying in the chart's language what it shows
    lines: tuple[Line, ...] = ()
    frame: pd.DataFrame | None = None  # bars: year, value; slope: city_code, year, value; points; grid
    names: dict[str, str] = field(default_factory=dict)
    colours: dict[str, str] = field(default_factory=dict)
    marks: tuple[Mark, ...] = ()
    table_of: Callable[[], pd.DataFrame] = pd.DataFrame  # makes `table`: only a download asks for it
    notes: tuple[str, ...] = ()  # key figures, for speaker notes
    caption: str = ""  # what the reader must know about what is not drawn, said under the chart
    brief_source: str = ""  # the source as a chart on a dashboard page says it (the page's banner says the rest)
    legend: tuple[tuple[str, str], ...] = ()  # a ranking's colours and what each means: (label, colour)
    guides: tuple[tuple[float, str], ...] = ()  # a ranking's reference values, drawn as lines: (value, label)
    provisional: tuple[tuple[int, str], ...] = ()  # years shown that are still being collected: (year, label)

    @functools.cached_property  # a chart is drawn far more often than its data is downloaded: thousands of rows
    def table(self) -> pd.DataFrame:
        """The data behind the chart, headed in the language (made when first asked for)."""
        return self.table_of()

    def drawn(self) -> pd.DataFrame:
        """The frame a bar, slope, point, grid or ranking chart draws (a chart of lines has none); a ranking's: name,
        value (NaN: an empty bar, its text saying why), colour, text (the bar's label), detail (what hover adds), in
        the order drawn from the top (a ranking best first)."""
        if self.frame is None:
            raise ValueError(f"a {self.spec.chart} chart has no frame")
        return self.frame


def years_table(lines: tuple[Line, ...], ind: Indicator, lang: str) -> pd.DataFrame:
    """Year down the side, one column per line: what an officer pastes into a report."""
    table = pd.DataFrame({YEAR(lang): sorted({y for line in lines for y in line.years})})
    for line in lines:
        values = dict(zip(line.years, line.values, strict=True))
        table[f"{line.name}（{ind.unit(lang)}）" if lang == "zh" else f"{line.name} ({ind.unit(lang)})"] = [
            rounded(values.get(y), ind) for y in table[YEAR(lang)]
        ]
    return table


def rounded(value, ind: Indicator):
    """A value as a download table gives it (None for one not reported), to the indicator's decimals."""
    if value is None or math.isnan(value):
        return None
    return round(float(value)) if ind.decimals == 0 else round(float(value), max(ind.decimals, 2))


def line_notes(lines: tuple[Line, ...], ind: Indicator, lang: str, levels: bool = True) -> tuple[str, ...]:
    """For each line: its latest reported value and (for levels, not changes, shares or indices) the change on the
    year before."""
    notes = []
    for line in lines[:8]:
        reported = [(y, v) for y, v in zip(line.years, line.values, strict=True) if not math.isnan(v)]
        if not reported:
            notes.append(Text("{n}：所选年份未报送", "{n}: not reported in these years").format(n=line.name)(lang))
            continue
        year, value = reported[-1]
        text = Text("{n}：{y} 年 {v}", "{n}: {v} in {y}").format(
            n=line.name, y=year, v=format_value(value, ind, lang, compact=False)
        )(lang)
        before = dict(reported).get(year - 1)
        if levels and before is not None and before > 0 and ind.kind in ("flow", "stock", "count", "cumulative"):
            change = format_change((value / before - 1) * 100, lang)
            text += Text("，合计比上年 {c}", ", total {c} on the year before").format(c=change)(lang)
        peak_year, peak = max(reported, key=lambda p: p[1])
        if peak_year != year and len(reported) > 2:
            text += Text("（峰值 {y} 年 {v}）", " (peak {v} in {y})").format(
                y=peak_year, v=format_value(peak, ind, lang, compact=False)
            )(lang)
        notes.append(text)
    return tuple(notes)
