"""Every kind of chart, in one registry. A new kind of chart is a module here and a line in KINDS: the specs, the
deck page, Plotly figures (charts.figure), the slide deck (deck.py) and the miniatures (thumbnails.py) all look
a chart's kind up here (kind_of). A spec is plain data: checked() holds it against its kind where it enters (a link,
a page's choice: spec_of) and again when it is resolved (chart_resolve.resolve)."""

from __future__ import annotations

from ...domain import registry
from ..chart_spec import ChartSpec
from .assessment import ACHIEVEMENT, BREAKDOWN, INDEX_HISTORY, INDEX_RANKING
from .base import ChartKind
from .city import CITY
from .compare import COMPARE, SLOPE
from .completeness import COMPLETENESS
from .map import MAP
from .multiples import MULTIPLES
from .programme import PILOTS, TREND

KINDS: tuple[ChartKind, ...] = (
    TREND,  # one indicator's total over the pilots in scope
    PILOTS,  # pilots designated by each year
    CITY,  # one city against the median of its batch
    COMPARE,  # several cities, as values, changes, an index or shares
    SLOPE,  # several cities, first year against last
    MAP,  # every pilot at its coordinates in the last year
    COMPLETENESS,  # who reported which year
    INDEX_RANKING,  # every pilot's index in a year, coloured by its group
    INDEX_HISTORY,  # several pilots' index over the years
    BREAKDOWN,  # one pilot's index as its indicators' contributions
    ACHIEVEMENT,  # every pilot's share of its targets achieved, coloured by its status
    MULTIPLES,  # several cities, a small panel each on one value axis
)
KIND = {kind.name: kind for kind in KINDS}  # by the name a spec gives


def kind_of(spec: ChartSpec) -> ChartKind:
    """The kind of chart a spec names: how it resolves and draws; ValueError for a name no kind has."""
    try:
        return KIND[spec.chart]
    except KeyError:
        raise ValueError(f"unknown chart {spec.chart!r}") from None


def checked(spec: ChartSpec) -> ChartSpec:
    """The spec, if its kind can draw it: ValueError for an unknown chart, a score kind given another indicator or
    a spec its kind refuses; KeyError for an unknown indicator (or a score where a series is due)."""
    kind = kind_of(spec)
    if kind.score is not None and spec.indicator != kind.score:
        raise ValueError(f"a {spec.chart} chart shows {kind.score}, not {spec.indicator!r}")
    if kind.score is None:
        registry.get(spec.indicator)
    kind.check(spec)
    return spec


def spec_of(chart: str, indicator: str, years: tuple[int, int], **options) -> ChartSpec:
    """A checked chart of this kind with those of the options its kind takes (a page offering several kinds passes
    all of its options; a kind that does not read one keeps its default, so the spec and its link stay short)."""
    taken = KIND[chart].fields if chart in KIND else frozenset()  # an unknown chart: checked() names it
    return checked(ChartSpec(chart, indicator, years, **{k: v for k, v in options.items() if k in taken}))


__all__ = ["KIND", "KINDS", "ChartKind", "checked", "kind_of", "spec_of"]
