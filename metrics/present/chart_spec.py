"""Charts as data. A ChartSpec names a chart by what it shows, in no language: its kind (by name, kinds.KINDS),
indicator, years, pilots and options. The spec is plain data: the registry looks its kind up (kinds.kind_of) and
checks it against that kind (kinds.checked) where it enters and when chart_resolve.resolve turns it into ChartData."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import asdict, dataclass, field

from ..analysis import comparison
from ..domain.programme import Scope


@dataclass(frozen=True)
class ChartSpec:
    """One chart, independent of language: which chart, indicator, years, pilots and options."""

    chart: str  # its kind's name (kinds.KIND)
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
        if self.mode not in comparison.COMPARE_MODES:
            raise ValueError(f"unknown mode {self.mode!r}")

    @functools.cached_property  # widget keys use it on every rerun; asdict is slow
    def id(self) -> str:
        """A short stable id (the same spec always gives the same id)."""
        return hashlib.sha1(repr(asdict(self)).encode()).hexdigest()[:10]
