"""Charts as data. A ChartSpec names a chart by what it shows, in no language: its kind (kinds.KINDS), indicator,
years, pilots and options. resolve() reads the database and turns it into ChartData in one language, which the
dashboard's Plotly figures (charts.figure), the slide deck's native charts (deck.py), the deck page's miniatures and
presentation mode all draw from, so a chart "added to the deck" is the same chart, rebuilt in the deck's language."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import asdict, dataclass, field, replace

from ..analysis import comparison
from ..domain import registry
from ..domain.i18n import Text
from ..domain.programme import SAMPLE_SOURCE, SAMPLE_SOURCE_BRIEF, SOURCE, Scope
from ..store.cities import designations, list_cities
from ..store.events import events
from ..store.meta import is_sample
from ..store.transactions import Cursor
from .chart_data import ChartData, Mark
from .kinds import KIND, ChartKind
from .style import city_colours

BATCH_DESIGNATED = Text("第{b}批试点（{n}个）", "Batch {b} ({n} pilots)")
BATCH_DESIGNATED_ONE = Text("第{b}批试点（{n}个）", "Batch {b} ({n} pilot)")
BATCH = Text("第{b}批试点", "Batch {b}")
BATCH_TAG = Text("{b}批", "B{b}")


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
        if self.chart not in KIND:
            raise ValueError(f"unknown chart {self.chart!r}")
        kind = KIND[self.chart]
        if kind.score is not None and self.indicator != kind.score:
            raise ValueError(f"a {self.chart} chart shows {kind.score}, not {self.indicator!r}")
        if kind.score is None:
            registry.get(self.indicator)  # KeyError for an unknown indicator (or a score, which is no series)
        kind.check(self)
        if self.mode not in comparison.COMPARE_MODES:
            raise ValueError(f"unknown mode {self.mode!r}")

    @classmethod
    def of(cls, chart: str, indicator: str, years: tuple[int, int], **options) -> ChartSpec:
        """A chart of this kind with those of the options its kind takes (a page offering several kinds passes all
        of its options; a kind that does not read one keeps its default, so the spec and its link stay short)."""
        return cls(chart, indicator, years, **{k: v for k, v in options.items() if k in KIND[chart].fields})

    @property
    def kind(self) -> ChartKind:
        """What kind of chart it is: how it resolves and draws (kinds.KINDS)."""
        return KIND[self.chart]

    @property
    def form(self) -> str:
        """How it is drawn, in a word: lines, bars, slope, points, grid, ranking or panels."""
        return KIND[self.chart].form

    @property
    def one_year(self) -> bool:
        """Whether it shows the last of its years alone (the map, the index, a breakdown, targets achieved)."""
        return KIND[self.chart].one_year

    @functools.cached_property  # widget keys use it on every rerun; asdict is slow
    def id(self) -> str:
        """A short stable id (the same spec always gives the same id)."""
        return hashlib.sha1(repr(asdict(self)).encode()).hexdigest()[:10]


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
    data = spec.kind.resolve(cur, spec, lang, common)
    if spec.events and "events" in spec.kind.fields:  # the kinds over years mark batches and events
        data = _with_marks(cur, data)
    return data


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
