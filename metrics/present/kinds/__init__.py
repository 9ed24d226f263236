"""Every kind of chart, in one registry. A new kind of chart is a module here and a line in KINDS: the specs, the
deck page, Plotly figures (charts.figure), the slide deck (deck.py) and the miniatures (thumbnails.py) all look
a chart's kind up here."""

from __future__ import annotations

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

__all__ = ["KIND", "KINDS", "ChartKind"]
