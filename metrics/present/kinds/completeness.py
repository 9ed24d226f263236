"""Who reported which year: pilots by years, coloured by whether each reported."""

from __future__ import annotations

import functools
import math

import pandas as pd

from ...analysis import reporting
from ...domain import registry
from ...domain.i18n import Text
from ...store.transactions import Cursor
from .. import miniatures, rank_charts, slide_charts
from ..chart_data import CITY, COMPLETENESS_LABELS, ChartData
from ..chart_spec import ChartSpec
from .base import ChartKind

GRID_CHART = Text("报送情况", "reporting grid")
REPORTING_FILE = Text("报送情况", "Reporting")


def _grid(status: pd.DataFrame, names: dict[str, str], lang: str) -> pd.DataFrame:
    """Who reported, a row per pilot and a column per year (the chart's table)."""
    labels = {s: t(lang) for s, t in COMPLETENESS_LABELS.items()}
    grid = status.assign(label=status["status"].map(labels)).pivot(index="city_code", columns="year", values="label")
    grid = grid.reindex(index=list(dict.fromkeys(status["city_code"].tolist())))
    return grid.rename(index=names, columns=str).reset_index(names=CITY(lang))


def _completeness(cur: Cursor, spec: ChartSpec, lang: str, common: dict) -> ChartData:
    ind = registry.get(spec.indicator)
    status = reporting.completeness(cur, ind.key, spec.scope, spec.years)
    names = common["names"]
    last = spec.years[1]
    missing = status[(status["year"] == last) & (status["status"] == "missing")]["city_code"].map(names).tolist()
    due = status[(status["status"] != "not_designated")]
    rate = due["status"].eq("reported").groupby(due["year"]).mean() * 100
    notes = [
        Text("{y} 年报送率 {r:.0f}%", "{r:.0f}% reported for {y}").format(y=last, r=rate.get(last, math.nan))(lang),
        Text("未报送：{who}", "Not reported: {who}").format(who=Text("、", ", ")(lang).join(missing) or "—")(lang),
    ]
    return ChartData(
        title=f"{ind.label(lang)} · {Text('报送情况', 'who reported')(lang)}",
        indicator=ind,
        frame=status,
        table_of=functools.partial(_grid, status, names, lang),
        notes=tuple(notes),
        **common,
    )


COMPLETENESS = ChartKind("completeness", GRID_CHART, "grid", frozenset({"scope"}), _completeness,
                         rank_charts.grid_figure, slide_charts.grid, miniatures.grid, who=REPORTING_FILE)  # fmt: skip
