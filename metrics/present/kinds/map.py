"""Every pilot at its coordinates in the last year, sized by its value."""

from __future__ import annotations

import functools

import pandas as pd

from ...analysis import comparison
from ...domain import registry
from ...domain.formatting import format_value
from ...domain.i18n import Text
from ...domain.registry import Indicator
from ...store.transactions import Cursor
from .. import map_chart, miniatures, slide_charts
from ..chart_data import CITY, REGION, ChartData, rounded
from ..chart_spec import ChartSpec
from .base import ChartKind

MAP_CHART = Text("分布图", "map")
MAP_FILE = Text("分布图", "Map")


def _table(points: pd.DataFrame, ind: Indicator, lang: str) -> pd.DataFrame:
    """Each pilot's value, the largest first (the chart's table)."""
    table = pd.DataFrame(
        {
            CITY(lang): points["name"],
            REGION(lang): points["region_label"],
            ind.title(lang): [rounded(v, ind) for v in points["value"]],
        }
    ).sort_values(ind.title(lang), ascending=False, na_position="last")
    return table.reset_index(drop=True)


def _map(cur: Cursor, spec: ChartSpec, lang: str, common: dict) -> ChartData:
    ind = registry.get(spec.indicator)
    year = spec.years[1]
    points = comparison.map_points(cur, ind.key, year, spec.scope, lang)
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
        table_of=functools.partial(_table, points, ind, lang),
        notes=tuple(notes),
        **common,
    )


MAP = ChartKind("map", MAP_CHART, "points", frozenset({"scope"}), _map, map_chart.map_figure, slide_charts.points,
                miniatures.points, one_year=True, who=MAP_FILE)  # fmt: skip
