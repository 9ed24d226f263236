"""The assessment's rows written a column at a time (the ranking's bar labels, the targets table) are the rows the
row-by-row code wrote, to the character and the dtype."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from metrics.analysis import index as composite
from metrics.analysis import targets as achievement
from metrics.domain import registry
from metrics.domain.formatting import format_value
from metrics.domain.i18n import LANGS, Text
from metrics.domain.index_method import group
from metrics.domain.programme import Scope
from metrics.present.assessment_tables import CITY, targets_table
from metrics.present.chart_resolve import resolve
from metrics.present.chart_spec import ChartSpec
from metrics.present.style import GROUP_COLOURS
from metrics.present.tables import STATUS
from metrics.store.cities import city_names
from metrics.store.series import year_span

pytestmark = pytest.mark.both_engines


def targets_table_by_rows(achieved: pd.DataFrame, lang: str, names: dict[str, str] | None) -> pd.DataFrame:
    """The targets table as it was written, a row at a time."""
    rows = []
    for row in achieved.itertuples():
        ind = registry.get(row.indicator)
        rows.append(
            {
                **({CITY(lang): names[row.city_code]} if names is not None else {}),
                Text("指标", "Indicator")(lang): ind.label(lang),
                Text("目标", "Target")(lang): format_value(row.target, ind, lang, compact=False),
                Text("实际", "Actual")(lang): format_value(row.actual, ind, lang, compact=False),
                Text("完成率（%）", "Achieved (%)")(lang): None if pd.isna(row.share) else round(row.share * 100),
                STATUS(lang): achievement.STATUSES[row.status](lang),
            }
        )
    return pd.DataFrame(rows)


def _move(change: int, lang: str) -> str:
    if change > 0:
        return Text("上升 {n} 位", "up {n}").format(n=change)(lang)
    if change < 0:
        return Text("下降 {n} 位", "down {n}").format(n=-change)(lang)
    return Text("位次不变", "same rank")(lang)


def ranking_rows_by_rows(pilots: pd.DataFrame, names: dict[str, str], lang: str) -> list[tuple]:
    """The index ranking's bars as they were written, a row at a time."""
    rows = []
    for p in pilots[pilots["index"].notna()].itertuples():
        place = Text("第 {r} 位", "rank {r}").format(r=int(p.rank))(lang)
        relative = Text("平均的 {s:.0f}%", "{s:.0f}% of the mean").format(s=p.relative * 100)(lang)
        moved = "" if pd.isna(p.rank_change) else _move(int(p.rank_change), lang)
        detail = " · ".join(x for x in (group(p.group).label(lang), place, relative, moved) if x)
        rows.append((p.city_code, names[p.city_code], float(p.index), GROUP_COLOURS[p.group], f"{p.index:.1f}", detail))
    return rows


ACHIEVED = pd.DataFrame(
    {
        "city_code": ["330100", "330100", "110000", "420600"],
        "indicator": ["activities", "contract_value_10k_cny", "agreements", "experts_in_pool"],
        "target": [10.0, 12000.0, 0.0, 1500.0],
        "actual": [12.0, 9999.5, 3.0, math.nan],
        "share": [1.2, 9999.5 / 12000, math.nan, math.nan],
        "status": ["met", "nearly", "met", "no_actual"],
    }
)
NO_SHARE = ACHIEVED.assign(share=math.nan, actual=math.nan, status="no_actual")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("frame", [ACHIEVED, NO_SHARE, ACHIEVED.iloc[:0], ACHIEVED.iloc[[1, 1, 0]]])
@pytest.mark.parametrize("named", [True, False])
def test_the_targets_table_is_as_written_row_by_row(frame, lang, named):
    names = {"330100": "杭州市", "110000": "北京市", "420600": "襄阳市"} if named else None
    pd.testing.assert_frame_equal(targets_table(frame, lang, names), targets_table_by_rows(frame, lang, names))


@pytest.mark.parametrize("lang", LANGS)
def test_the_sample_s_rows_are_as_written_row_by_row(db, lang):
    with db.snapshot() as cur:
        last = year_span(cur)[1] - 1
        names = city_names(cur, lang)
        for year in (last - 1, last):
            achieved = achievement.year_achievement(cur, year)
            expected_table = targets_table_by_rows(achieved, lang, names)
            pd.testing.assert_frame_equal(targets_table(achieved, lang, names), expected_table)
            pilots = composite.with_movement(composite.year_index(cur, year), composite.year_index(cur, year - 1))
            drawn = resolve(cur, ChartSpec("index", "composite_index", (year, year)), lang).frame
            expected = ranking_rows_by_rows(pilots, names, lang)
            assert list(drawn.itertuples(index=False, name=None)) == expected


@pytest.mark.parametrize("scope", [None, Scope(regions=("east",))])
def test_a_year_s_ranking_and_counts_are_those_of_its_targets(db, scope):
    with db.snapshot() as cur:
        last = year_span(cur)[1] - 1
        for year in (last - 1, last):
            achieved = achievement.year_achievement(cur, year, scope)
            pd.testing.assert_frame_equal(achievement.year_ranking(cur, year, scope), achievement.ranking(achieved))
            assert achievement.year_summary(cur, year, scope) == achievement.summary(achieved)
