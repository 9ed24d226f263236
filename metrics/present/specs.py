"""Charts as data. A ChartSpec names a chart by what it shows, in no language; resolve() reads the database and
turns it into ChartData: title, series, download table and key figures in one language. The dashboard's Plotly
figures (charts.figure), the slide deck's native charts (deck.py) and presentation mode all draw from ChartData,
so a chart "added to the deck" is the same chart, rebuilt from the data in the deck's language."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

import pandas as pd

from ..analysis import comparison, reporting, standing
from ..domain import registry
from ..domain.formatting import format_change, format_value
from ..domain.i18n import Text
from ..domain.programme import SAMPLE_SOURCE, SAMPLE_SOURCE_BRIEF, SOURCE, Scope
from ..domain.registry import Indicator
from ..store.cities import city, designations, list_cities
from ..store.events import events
from ..store.meta import is_sample
from ..store.series import series
from ..store.transactions import Cursor
from .style import PEER_COLOUR, PROGRAMME_COLOUR, chart_colours, city_colours

# What each chart is: lines over years, bars over years, a slope between two years, points, a reporting grid.
FORMS = {
    "trend": "lines",  # one indicator's total over the pilots in scope
    "pilots": "bars",  # pilots designated by each year
    "city": "lines",  # one city against the median of its batch
    "compare": "lines",  # several cities, as values, changes, an index or shares
    "slope": "slope",  # several cities, first year against last
    "map": "points",  # every pilot at its coordinates in the last year
    "completeness": "grid",  # who reported which year
    # the assessment (assessment_charts.py): the index, its history, one pilot's breakdown, targets achieved
    "index": "ranking",  # every pilot's index in a year, coloured by its group
    "index_history": "lines",  # several pilots' index over the years
    "breakdown": "ranking",  # one pilot's index as its indicators' contributions
    "achievement": "ranking",  # every pilot's share of its targets achieved, coloured by its status
}
ONE_YEAR = frozenset({"map", "index", "breakdown", "achievement"})  # charts of their last year alone
# The assessment's charts, each showing a score of its own (registry.SCORES), not a series.
SCORED = {"index": "composite_index", "index_history": "composite_index", "breakdown": "index_contribution",
          "achievement": "target_share"}  # fmt: skip
MODE_NAMES = {
    "absolute": Text("数值", "Values"),
    "change": Text("逐年变化", "Change on previous year"),
    "indexed": Text("指数（基年=100）", "Index (base year = 100)"),
    "share": Text("占全部试点比重", "Share of programme total"),
}
MODE_UNITS = {"indexed": Text("指数", "index"), "share": Text("%", "%")}
ALL_PILOTS = Text("全部试点", "All pilots")
SELECTED_PILOTS = Text("所选试点合计", "Selected pilots")
BATCH_MEDIAN = Text("第{b}批试点中位数", "Batch {b} median")
BATCH_DESIGNATED = Text("第{b}批试点（{n}个）", "Batch {b} ({n} pilots)")
BATCH_DESIGNATED_ONE = Text("第{b}批试点（{n}个）", "Batch {b} ({n} pilot)")
BATCH = Text("第{b}批试点", "Batch {b}")
BATCH_TAG = Text("{b}批", "B{b}")
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
class ChartSpec:
    """One chart, independent of language: which chart, indicator, years, pilots and options."""

    chart: str
    indicator: str
    years: tuple[int, int]
    scope: Scope = field(default_factory=Scope)
    cities: tuple[str, ...] = ()
    mode: str = "absolute"
    base_year: int | None = None
    events: bool = False
    focus: str | None = None  # the city brought forward: drawn on top, the others faded
    method: str | None = None  # the index's method, by name (None: the programme's default)

    def __post_init__(self):
        if self.chart not in FORMS:
            raise ValueError(f"unknown chart {self.chart!r}")
        if self.chart in SCORED and self.indicator != SCORED[self.chart]:
            raise ValueError(f"a {self.chart} chart shows {SCORED[self.chart]}, not {self.indicator!r}")
        if self.chart not in SCORED:
            registry.get(self.indicator)  # KeyError for an unknown indicator (or a score, which is no series)
        if self.chart == "breakdown" and len(self.cities) != 1:
            raise ValueError("a breakdown is of one pilot")
        if self.chart == "index_history" and not self.cities:
            raise ValueError("an index over time needs at least one pilot")
        if self.mode not in comparison.COMPARE_MODES:
            raise ValueError(f"unknown mode {self.mode!r}")

    @property
    def form(self) -> str:
        """How it is drawn: lines, bars, slope, points, grid or ranking."""
        return FORMS[self.chart]

    @property
    def one_year(self) -> bool:
        """Whether it shows the last of its years alone (the map, the index, a breakdown, targets achieved)."""
        return self.chart in ONE_YEAR

    @functools.cached_property  # widget keys use it on every rerun; asdict is slow
    def id(self) -> str:
        """A short stable id (the same spec always gives the same id)."""
        return hashlib.sha1(repr(asdict(self)).encode()).hexdigest()[:10]


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
    lines: tuple[Line, ...] = ()
    frame: pd.DataFrame | None = None  # bars: year, value; slope: city_code, year, value; points; grid
    names: dict[str, str] = field(default_factory=dict)
    colours: dict[str, str] = field(default_factory=dict)
    marks: tuple[Mark, ...] = ()
    table: pd.DataFrame = field(default_factory=pd.DataFrame)  # the data behind the chart, headed in the language
    notes: tuple[str, ...] = ()  # key figures, for speaker notes
    caption: str = ""  # what the reader must know about what is not drawn, said under the chart
    brief_source: str = ""  # the source as a chart on a dashboard page says it (the page's banner says the rest)
    legend: tuple[tuple[str, str], ...] = ()  # a ranking's colours and what each means: (label, colour)
    guides: tuple[tuple[float, str], ...] = ()  # a ranking's reference values, drawn as lines: (value, label)

    @property
    def form(self) -> str:
        """How it is drawn: lines, bars, slope, points, grid or ranking."""
        return self.spec.form

    def drawn(self) -> pd.DataFrame:
        """The frame a bar, slope, point, grid or ranking chart draws (a chart of lines has none); a ranking's: name,
        value (NaN: an empty bar, its text saying why), colour, text (the bar's label), detail (what hover adds), in
        the order drawn from the top (a ranking best first)."""
        if self.frame is None:
            raise ValueError(f"a chart of {self.form} has no frame")
        return self.frame

    @property
    def file_stem(self) -> str:
        """A file name (without extension) saying in the chart's language what it shows, with the cities' names:
        签订合作协议_杭州市、广州市_2014-2025, Cooperation-agreements-signed_Hangzhou-Guangzhou_2014-2025."""
        spec, lang = self.spec, self.lang
        who = {"trend": ALL_PILOTS, "pilots": ALL_PILOTS, "map": MAP_FILE, "completeness": REPORTING_FILE,
               "index": ALL_PILOTS, "achievement": ALL_PILOTS}.get(spec.chart)  # fmt: skip
        parts = [registry.shown(spec.indicator).label(lang)]
        if who is not None:
            parts.append(who(lang))
        else:
            shown = [self.names.get(code, code) for code in spec.cities[:3]]
            more = len(spec.cities) - len(shown)
            parts.append(Text("、", "-")(lang).join(shown) + (MORE_CITIES.format(n=more)(lang) if more else ""))
            if spec.chart in ("compare", "slope") and spec.mode != "absolute":
                parts.append(MODE_NAMES[spec.mode](lang))
        if spec.method:
            parts.append(spec.method)
        parts.append(f"{spec.years[1]}" if spec.one_year else f"{spec.years[0]}-{spec.years[1]}")
        return re.sub(r'[\\/:*?"<>|()（）=\s]+', "-", "_".join(parts)).replace("-_", "_").strip("-")


MAP_FILE = Text("分布图", "Map")
REPORTING_FILE = Text("报送情况", "Reporting")
MORE_CITIES = Text("等{n}个", "-and-{n}-more")


def pilots(cur: Cursor, lang: str) -> tuple[dict[str, str], dict[str, str]]:
    """Every pilot's name in `lang` and colour, by code (what every chart labels and colours its cities with)."""
    cities = list_cities(cur)
    codes = cities["city_code"].tolist()
    return dict(zip(codes, cities[f"name_{lang}"].tolist(), strict=True)), city_colours(codes)


def resolve(
    cur: Cursor, spec: ChartSpec, lang: str, named: tuple[dict[str, str], dict[str, str]] | None = None
) -> ChartData:
    """The chart a spec names, read from the database and labelled in `lang`; `named` is `pilots(cur, lang)` when
    the caller has it already (the app caches it: with thousands of pilots it costs more than the chart)."""
    names, colours = named or pilots(cur, lang)
    common = {
        "spec": spec,
        "lang": lang,
        "source": (SAMPLE_SOURCE if is_sample(cur) else SOURCE)(lang),
        "brief_source": (SAMPLE_SOURCE_BRIEF if is_sample(cur) else SOURCE)(lang),
        "names": names,
        "colours": colours,
    }
    data = _resolver(spec.chart)(cur, spec, lang, common)
    if spec.events and spec.form in ("lines", "bars"):
        data = _with_marks(cur, data)
    return data


def years_table(lines: tuple[Line, ...], ind: Indicator, lang: str) -> pd.DataFrame:
    """Year down the side, one column per line: what an officer pastes into a report."""
    table = pd.DataFrame({YEAR(lang): sorted({y for line in lines for y in line.years})})
    for line in lines:
        values = dict(zip(line.years, line.values, strict=True))
        table[f"{line.name}（{ind.unit(lang)}）" if lang == "zh" else f"{line.name} ({ind.unit(lang)})"] = [
            _rounded(values.get(y), ind) for y in table[YEAR(lang)]
        ]
    return table


def _rounded(value, ind: Indicator):
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


def _trend(cur: Cursor, spec: ChartSpec, lang: str, common: dict) -> ChartData:
    ind = registry.get(spec.indicator)
    frame = series(cur, ind.key, spec.scope, years=spec.years)
    name = (ALL_PILOTS if spec.scope == Scope() else SELECTED_PILOTS)(lang)
    lines = (Line.from_frame(name, frame, PROGRAMME_COLOUR),)
    return ChartData(
        title=ind.label(lang),  # the unit stands above the value axis, in the unit the ticks are in
        indicator=ind,
        lines=lines,
        table=years_table(lines, ind, lang),
        notes=line_notes(lines, ind, lang),
        **common,
    )


def _pilots(cur: Cursor, spec: ChartSpec, lang: str, common: dict) -> ChartData:
    ind = registry.get(spec.indicator)
    frame = series(cur, ind.key, spec.scope, years=spec.years)
    lines = (
        Line.from_frame((ALL_PILOTS if spec.scope == Scope() else SELECTED_PILOTS)(lang), frame, PROGRAMME_COLOUR),
    )
    return ChartData(
        title=ind.label(lang),
        indicator=ind,
        lines=lines,
        frame=frame[["year", "value"]],
        table=years_table(lines, ind, lang),
        notes=line_notes(lines, ind, lang),
        **common,
    )


def _city(cur: Cursor, spec: ChartSpec, lang: str, common: dict) -> ChartData:
    ind = registry.get(spec.indicator)
    code = spec.cities[0]
    names, colours = common["names"], common["colours"]
    batch = int(city(cur, code)["batch"])
    mine = series(cur, ind.key, Scope(cities=(code,)), per_city=True, years=spec.years)
    peers = standing.peer_median(cur, ind.key, code, spec.years)
    lines = (
        *city_lines(mine.drop(columns="reporting"), names, {code: colours[code]}),
        Line.from_frame(BATCH_MEDIAN.format(b=batch)(lang), peers, PEER_COLOUR, dash="dash", width=2.5),
    )
    return ChartData(
        title=f"{names[code]} · {ind.label(lang)}",
        indicator=ind,
        lines=lines,
        table=years_table(lines, ind, lang),
        notes=line_notes(lines, ind, lang),
        **common,
    )


def _shown(spec: ChartSpec) -> Indicator:
    """The indicator as a comparison shows it: an index or share has its own unit and one decimal."""
    ind = registry.get(spec.indicator)
    if spec.mode in ("absolute", "change"):
        return ind
    unit = MODE_UNITS[spec.mode]
    return ind.model_copy(update={"unit_zh": unit.zh, "unit_en": unit.en, "decimals": 1})


def _compare_title(spec: ChartSpec, lang: str) -> str:
    title = f"{registry.get(spec.indicator).label(lang)} · {MODE_NAMES[spec.mode](lang)}"
    return title + (f" · {spec.base_year or spec.years[0]}" if spec.mode == "indexed" else "")


def _compare(cur: Cursor, spec: ChartSpec, lang: str, common: dict) -> ChartData:
    shown = _shown(spec)
    frame = comparison.compare(cur, spec.indicator, spec.cities, spec.years, spec.mode, spec.base_year)
    common = _with_chart_colours(common, spec.cities)
    lines = tuple(city_lines(frame.drop(columns="reporting"), common["names"], common["colours"], order=spec.cities,
                             focus=spec.focus))  # fmt: skip
    caption = _unindexed(frame, spec, common["names"], lang)
    return ChartData(
        title=_compare_title(spec, lang),
        indicator=shown,
        lines=lines,
        table=years_table(lines, shown, lang),
        notes=(*line_notes(lines, shown, lang, levels=spec.mode == "absolute"), *((caption,) if caption else ())),
        caption=caption,
        **common,
    )


def _with_chart_colours(common: dict, codes: Sequence[str]) -> dict:
    """The resolver's common fields with the colours of these cities told apart within the chart."""
    return {**common, "colours": {**common["colours"], **chart_colours(codes, common["colours"])}}


def _unindexed(frame: pd.DataFrame, spec: ChartSpec, names: dict[str, str], lang: str) -> str:
    """For an index: the chosen cities it cannot draw, having no figure for the base year (designated later, or
    not reported then), and what to do about it."""
    if spec.mode != "indexed":
        return ""
    drawn = set(frame.loc[frame["value"].notna(), "city_code"])
    missing = [names.get(c, c) for c in spec.cities if c not in drawn]
    if not missing:
        return ""
    return Text(
        "{n} 个城市 {y} 年没有数值（当年未报送或尚未成为试点），无法以该年为基年，未画出：{c}。可改选较晚的基年。",
        "{n} of the cities have no figure for {y} (not reported, or not yet pilots), so they cannot be indexed to it "
        "and are not drawn: {c}. Choose a later base year to include them.",
    ).format(
        n=len(missing), y=spec.base_year or spec.years[0], c="、".join(missing) if lang == "zh" else ", ".join(missing)
    )(lang)


def _slope(cur: Cursor, spec: ChartSpec, lang: str, common: dict) -> ChartData:
    """Each city from its first reported year in the range (a pilot designated later starts when it does) to the
    range's last year."""
    shown = _shown(spec)
    first, last = spec.years
    frame = comparison.compare(cur, spec.indicator, spec.cities, spec.years, spec.mode, spec.base_year)
    common = _with_chart_colours(common, spec.cities)
    reported = frame[frame["value"].notna()]
    starts = reported[reported["year"] < last].groupby("city_code")["year"].min()
    ends = frame[frame["year"] == last].set_index("city_code")["value"]
    names = common["names"]
    rows = []
    for code in spec.cities:
        start = int(starts[code]) if code in starts.index else first
        begin = frame[(frame["city_code"] == code) & (frame["year"] == start)]["value"]
        rows.append((code, start, float(begin.iloc[0]) if len(begin) else math.nan, float(ends.get(code, math.nan))))
    table = pd.DataFrame(
        {
            CITY(lang): [names[c] for c, _, _, _ in rows],
            SLOPE_FROM(lang): [start for _, start, _, _ in rows],
            SLOPE_START(lang): [_rounded(v, shown) for _, _, v, _ in rows],
            str(last): [_rounded(v, shown) for _, _, _, v in rows],
        }
    )
    lines = tuple(Line(names[c], (start, last), (a, b), common["colours"][c]) for c, start, a, b in rows)
    drawn = pd.DataFrame(
        [(c, year, value) for c, start, a, b in rows for year, value in ((start, a), (last, b))],
        columns=["city_code", "year", "value"],
    )
    later = [f"{names[c]} {start}" for c, start, a, _ in rows if start > first and not math.isnan(a)]
    caption = SLOPE_LATER.format(y=first, c=Text("、", ", ")(lang).join(later))(lang) if later else ""
    title = f"{registry.get(spec.indicator).label(lang)} · " + Text("{a} 年与 {b} 年", "{a} against {b}").format(
        a=first, b=last
    )(lang)
    return ChartData(
        title=title,
        indicator=shown,
        lines=lines,
        frame=drawn,
        table=table,
        notes=(*line_notes(lines, shown, lang, levels=spec.mode == "absolute"), *((caption,) if caption else ())),
        caption=caption,
        **common,
    )


SLOPE_FROM = Text("起始年份", "From")
SLOPE_START = Text("起始值", "At the start")
SLOPE_LATER = Text(
    "{y} 年尚无数值的城市从其首个报送年份画起：{c}。",
    "Cities with no figure for {y} start from their first reported year: {c}.",
)


def _map(cur: Cursor, spec: ChartSpec, lang: str, common: dict) -> ChartData:
    ind = registry.get(spec.indicator)
    year = spec.years[1]
    points = comparison.map_points(cur, ind.key, year, spec.scope, lang)
    table = pd.DataFrame(
        {
            CITY(lang): points["name"],
            REGION(lang): points["region_label"],
            ind.title(lang): [_rounded(v, ind) for v in points["value"]],
        }
    ).sort_values(ind.title(lang), ascending=False, na_position="last")
    reported = points[points["value"].notna()].nlargest(3, "value")
    leaders = Text("、", ", ")(lang).join(
        f"{r.name} {format_value(r.value, ind, lang, compact=False)}" for r in reported.itertuples()
    )
    notes = [Text("{y} 年最多：{who}", "Highest in {y}: {who}").format(y=year, who=leaders)(lang)]
    missing = int(points["value"].isna().sum())
    if missing:
        notes.append(Text("{n} 个试点未报送", "{n} pilots did not report").format(n=missing)(lang))
    return ChartData(
        title=f"{ind.label(lang)} · {year}",  # the size key names the unit
        indicator=ind,
        frame=points,
        table=table.reset_index(drop=True),
        notes=tuple(notes),
        **common,
    )


def _completeness(cur: Cursor, spec: ChartSpec, lang: str, common: dict) -> ChartData:
    ind = registry.get(spec.indicator)
    status = reporting.completeness(cur, ind.key, spec.scope, spec.years)
    names = common["names"]
    labels = {s: t(lang) for s, t in COMPLETENESS_LABELS.items()}
    grid = status.pivot(index="city_code", columns="year", values="status")
    grid = grid.reindex(index=list(dict.fromkeys(status["city_code"])))
    table = grid.apply(lambda col: col.map(labels)).rename(index=names, columns=str).reset_index(names=CITY(lang))
    last = spec.years[1]
    missing = status[(status["year"] == last) & (status["status"] == "missing")]["city_code"].map(names).tolist()
    due = status[(status["status"] != "not_designated")]
    rate = due.groupby("year")["status"].apply(lambda s: (s == "reported").mean() * 100)
    notes = [
        Text("{y} 年报送率 {r:.0f}%", "{r:.0f}% reported for {y}").format(y=last, r=rate.get(last, math.nan))(lang),
        Text("未报送：{who}", "Not reported: {who}").format(who=Text("、", ", ")(lang).join(missing) or "—")(lang),
    ]
    return ChartData(
        title=f"{ind.label(lang)} · {Text('报送情况', 'who reported')(lang)}",
        indicator=ind,
        frame=status,
        table=table,
        notes=tuple(notes),
        **common,
    )


_RESOLVERS = {
    "trend": _trend,
    "pilots": _pilots,
    "city": _city,
    "compare": _compare,
    "slope": _slope,
    "map": _map,
    "completeness": _completeness,
}


def _resolver(chart: str):
    """The function that resolves a chart; the assessment's are in assessment_charts.py, which builds on this module
    (so it is imported when first asked for, not at the top)."""
    if chart in _RESOLVERS:
        return _RESOLVERS[chart]
    from .assessment_charts import RESOLVERS

    return RESOLVERS[chart]


def marks(cur: Cursor, scope: Scope, years: tuple[int, int], lang: str, counts: bool = True) -> tuple[Mark, ...]:
    """Batch designations of the pilots in scope (with how many, if counts) and programme events within the years,
    in date order."""
    lo, hi = years
    out = []
    for year, batch, pilots_then in designations(cur, scope).itertuples(index=False):
        if lo <= year <= hi:
            named = BATCH_DESIGNATED_ONE if pilots_then == 1 else BATCH_DESIGNATED
            label = (named if counts else BATCH)(lang).format(b=int(batch), n=int(pilots_then))
            out.append(Mark(int(year), label, BATCH_TAG.format(b=int(batch))(lang), "batch"))
    listed = events(cur)
    listed = listed[(listed["year"] >= lo) & (listed["year"] <= hi)]
    for number, e in enumerate(listed.itertuples(), start=1):
        out.append(Mark(int(e.year), e.title_zh if lang == "zh" else e.title_en, _circled(number), "event"))
    return tuple(sorted(out, key=lambda m: (m.year, m.kind != "event")))


def _circled(number: int) -> str:
    return chr(0x2460 + number - 1) if 1 <= number <= 20 else f"({number})"


def _with_marks(cur: Cursor, data: ChartData) -> ChartData:
    spec = data.spec
    scope = Scope(cities=spec.cities) if spec.cities else spec.scope  # a city's own designation, not every batch
    return replace(data, marks=marks(cur, scope, spec.years, data.lang, counts=not spec.cities))


def specs_text(specs: Sequence[ChartSpec]) -> str:
    """Charts as one short URL-safe text (a deck a link carries): JSON of each spec's fields that differ from the
    defaults, compressed; '' for none."""
    if not specs:
        return ""
    plain = [{k: v for k, v in asdict(s).items() if v != _SPEC_DEFAULTS.get(k)} for s in specs]
    packed = zlib.compress(json.dumps(plain, separators=(",", ":")).encode(), 9)
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")


def specs_from_text(text: str) -> list[ChartSpec]:
    """The charts `specs_text` made; ValueError for text it did not make (a link cut short or hand-edited)."""
    if not text:
        return []
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        stream = zlib.decompressobj()
        unpacked = stream.decompress(packed, 2**16)  # a deck is far smaller: no zip bomb
        if not stream.eof:
            raise ValueError("cut short")  # its checksum is missing: a link copied in part
        plain = json.loads(unpacked)
        return [_spec_from_plain(p) for p in plain]
    except (ValueError, TypeError, KeyError, zlib.error) as exc:
        raise ValueError(f"not a deck: {exc}") from None


def _spec_from_plain(plain: dict) -> ChartSpec:
    scope = {k: tuple(v) if v is not None else None for k, v in (plain.get("scope") or {}).items()}
    return ChartSpec(
        plain["chart"],
        plain["indicator"],
        (int(plain["years"][0]), int(plain["years"][1])),
        Scope(**scope),
        tuple(plain.get("cities", ())),
        plain.get("mode", "absolute"),
        plain.get("base_year"),
        bool(plain.get("events", False)),
        plain.get("focus"),
        plain.get("method"),
    )


_SPEC_DEFAULTS = {"scope": asdict(Scope()), "cities": (), "mode": "absolute", "base_year": None, "events": False,
                  "focus": None, "method": None}  # fmt: skip
