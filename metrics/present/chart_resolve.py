"""A chart spec resolved: checked against its kind (kinds.checked), read from the database and turned into
ChartData in one language, which the dashboard's Plotly figures (charts.figure), the slide deck's native charts
(deck.py), the deck page's miniatures and presentation mode all draw from, so a chart "added to the deck" is the same
chart, rebuilt in the deck's language; with the marks of batches and events, and the chart's file name."""

from __future__ import annotations

import re
from dataclasses import replace

from ..analysis.collection import collection
from ..domain import registry
from ..domain.i18n import Text
from ..domain.programme import SAMPLE_SOURCE, SAMPLE_SOURCE_BRIEF, SOURCE, Scope
from ..domain.years import YearRange
from ..store.cities import CITIES_READ, designations, list_cities
from ..store.events import events
from ..store.meta import is_sample
from ..store.reads import FIGURES, Reads, declare, declare_kept, indicator_tables, kept, up_to
from ..store.releases import WORKING, Release, shown
from ..store.transactions import Cursor
from .chart_data import MODE_NAMES, ChartData, Mark
from .chart_spec import ChartSpec
from .kinds import ChartKind, checked, kind_of
from .style import city_colours

BATCH_DESIGNATED = Text("第{b}批试点（{n}个）", "Batch {b} ({n} pilots)")
BATCH_DESIGNATED_ONE = Text("第{b}批试点（{n}个）", "Batch {b} ({n} pilot)")
BATCH = Text("第{b}批试点", "Batch {b}")
BATCH_TAG = Text("{b}批", "B{b}")
MORE_CITIES = Text("，另有{n}个", "-and-{n}-more")  # i18n.REST's words, without spaces for a file name


# The kinds that read their indicator's series alone (beside the pilots and the events every chart reads); the others
# read more (the index all the indicators and its methods, the targets, a city's review flags and the rules).
SERIES_KINDS = frozenset({"trend", "pilots", "compare", "slope", "multiples", "map"})
_EVERY_CHART = frozenset({"cities", "events"})


def reads(spec: ChartSpec) -> Reads:
    """What resolving `spec` reads, but for which of its years are being collected (the caller keys on that
    itself): its indicator's tables, or every table of the figures, in every year up to its last (running totals
    and growth read the years before the first), and the pilots and the events."""
    last = max(spec.years[1], spec.base_year or spec.years[1])
    if spec.chart in SERIES_KINDS:
        return up_to(last, indicator_tables(spec.indicator) | _EVERY_CHART)
    return up_to(last, FIGURES)


@declare(lambda lang: CITIES_READ)
def pilots(cur: Cursor, lang: str) -> tuple[dict[str, str], dict[str, str]]:
    """Every pilot's name in `lang` and colour, by code (what every chart labels and colours its cities with)."""
    cities = list_cities(cur)
    codes = cities["city_code"].tolist()
    return dict(zip(codes, cities[f"name_{lang}"].tolist(), strict=True)), city_colours(codes)


def resolve(
    cur: Cursor,
    spec: ChartSpec,
    lang: str,
    named: tuple[dict[str, str], dict[str, str]] | None = None,
    release: Release | None = None,
) -> ChartData:
    """The chart a spec names, checked against its kind (kinds.checked), read from the database and labelled in
    `lang`; `named` is `pilots(cur, lang)` when the caller has it already (the app caches it: with thousands of
    pilots it costs more than the chart). The source line names the release `cur` reads (releases.frozen), as
    `release` gives it (else as the cursor says), or the working data."""
    kind = kind_of(checked(spec))
    names, colours = named or pilots(cur, lang)
    release = release or shown(cur)
    sample = release.sample if release else kept("is_sample", (), lambda: is_sample(cur))
    full, brief = sources(sample, release)
    common = {
        "spec": spec,
        "lang": lang,
        "source": full(lang),
        "brief_source": brief(lang),
        "names": names,
        "colours": colours,
        "file_stem": file_stem(spec, kind, lang, names),
    }
    data = kind.resolve(cur, spec, lang, common)
    if spec.events and "events" in kind.fields:  # the kinds over years mark batches and events
        data = _with_marks(cur, data)
    return _with_provisional(cur, data, kind)


def sources(sample: bool, release: Release | None) -> tuple[Text, Text]:
    """A chart's source line, in full (images, slides) and as a page's chart says it, each followed by which data
    it shows: 来源：…；数据：2025年度数据（第1版），2026-03-04 发布 (or the working data, not published)."""
    data = release.source() if release else WORKING
    full, brief = (SAMPLE_SOURCE, SAMPLE_SOURCE_BRIEF) if sample else (SOURCE, SOURCE)
    return full.then(data, zh="；", en="; "), brief.then(data, zh=" · ", en=" · ")


def _with_provisional(cur: Cursor, data: ChartData, kind: ChartKind) -> ChartData:
    """The chart with the years it shows that are still being collected: named on its axis (or, for a chart of one
    year, in its title), and said in its caption and key figures (a slide's notes)."""
    first, last = data.spec.years
    being = collection(cur).within(YearRange(last, last) if kind.one_year else YearRange(first, last))
    if not being:
        return data
    lang = data.lang
    said = " ".join(c.note()(lang) for c in being)
    return replace(
        data,
        provisional=tuple((c.year, c.label()(lang)) for c in being),
        title=f"{data.title} · {being[0].label()(lang)}" if kind.one_year else data.title,
        caption=" ".join(p for p in (data.caption, said) if p),
        notes=(*data.notes, said),
    )


def file_stem(spec: ChartSpec, kind: ChartKind, lang: str, names: dict[str, str]) -> str:
    """A file name (without extension) saying in `lang` what the chart shows, with the cities' names:
    签订合作协议_杭州市、广州市_2014-2025, Cooperation-agreements-signed_Hangzhou-Guangzhou_2014-2025."""
    parts = [registry.shown(spec.indicator).label(lang)]
    if kind.who is not None:
        parts.append(kind.who(lang))
    else:
        shown = [names.get(code, code) for code in spec.cities[:3]]
        more = len(spec.cities) - len(shown)
        parts.append(Text("、", "-")(lang).join(shown) + (MORE_CITIES.format(n=more)(lang) if more else ""))
        if "mode" in kind.fields and spec.mode != "absolute":
            parts.append(MODE_NAMES[spec.mode](lang))
    if spec.method:
        parts.append(spec.method)
    parts.append(f"{spec.years[1]}" if kind.one_year else YearRange.of(spec.years).url)
    return re.sub(r'[\\/:*?"<>|()（）=\s]+', "-", "_".join(parts)).replace("-_", "_").strip("-")


declare_kept("events", lambda: Reads(frozenset({"events"})))


def marks(cur: Cursor, scope: Scope, years: tuple[int, int], lang: str, counts: bool = True) -> tuple[Mark, ...]:
    """Batch designations of the pilots in scope (with how many, if counts) and programme events within the years,
    in date order."""
    lo, hi = years
    out = []
    batches = kept("designations", (scope,), lambda: designations(cur, scope))  # every chart of a page asks
    for year, batch, pilots_then in batches.itertuples(index=False):
        if lo <= year <= hi:
            named = BATCH_DESIGNATED_ONE if pilots_then == 1 else BATCH_DESIGNATED
            label = (named if counts else BATCH)(lang).format(b=int(batch), n=int(pilots_then))
            out.append(Mark(int(year), label, BATCH_TAG.format(b=int(batch))(lang), "batch"))
    listed = kept("events", (), lambda: events(cur))
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
