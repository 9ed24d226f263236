"""Compare: several cities on one indicator over time, as values, changes, an index or shares."""

import streamlit as st

from metrics.analysis import comparison, standing
from metrics.domain import registry
from metrics.domain.i18n import Text
from metrics.present import plotly_layout, tables
from metrics.present.chart_data import MODE_NAMES
from metrics.present.chart_spec import ChartSpec
from metrics.present.kinds import KIND, spec_of
from ui import data, show, state

MAX_CITIES = 12  # more lines than this cannot be told apart
CHARTS = ("compare", "multiples")  # the cities' lines on one chart, or a small panel each

v = state.view()
t, lang = v.t, v.lang
first, last = v.years
cities = show.cities_in_scope(v)
names = show.city_names(v)

st.title(t(Text("城市对比", "Compare cities")))
left, middle, right = st.columns([2, 2, 1])
key = left.selectbox(
    t(Text("指标", "Indicator")),
    registry.COMPARABLE_KEYS,
    index=state.bind_index("compare_indicator", "agreements", registry.COMPARABLE_KEYS, name="indicator"),
    format_func=lambda k: registry.get(k).title(lang),
    key="compare_indicator",
)
ind = registry.get(key)
modes = [m for m in comparison.COMPARE_MODES if not (m == "share" and ind.kind == "ratio")]
mode = middle.radio(
    t(Text("显示方式", "Show as")), modes, index=state.bind_index("mode", "absolute", modes),
    format_func=lambda m: MODE_NAMES[m](lang), key="mode", horizontal=True,
)  # fmt: skip
base_year = None
if mode == "indexed":
    years = list(range(first, last + 1))
    base_year = right.selectbox(t(Text("基年", "Base year")), years, index=state.bind_index("base", first, years, int),
                                key="base")  # fmt: skip

codes = cities["city_code"].tolist()
ranking = data.read(v, standing.ranks, key, last, v.scope)
bound = state.bind_list("cities", ranking["city_code"].head(5).tolist(), codes, limit=MAX_CITIES)
pick, bring, draw = st.columns([4, 1, 1])
chosen = pick.multiselect(
    t(Text("城市或园区", "Cities and parks")), codes, default=bound, format_func=names.__getitem__, key="cities",
    max_selections=MAX_CITIES, placeholder=t(Text("选择要对比的城市", "Choose cities to compare")), select_all=False,
    wrap=True,  # every city chosen in view (in a column, Streamlit would scroll the first ones out of sight)
)  # fmt: skip
if not chosen:
    show.end_page(t(Text("请至少选择一个城市。", "Choose at least one city.")))
chart = draw.radio(
    t(Text("图形", "Draw as")), CHARTS, index=state.bind_index("compare_chart", "compare", CHARTS, name="chart"),
    format_func=lambda c: KIND[c].label(lang).capitalize(), key="compare_chart",
)  # fmt: skip
focusable = ["", *chosen]
focus = bring.selectbox(
    t(Text("突出显示", "Bring forward")), focusable, index=state.bind_index("focus", "", focusable), key="focus",
    format_func=lambda c: names[c] if c else t(Text("（无）", "(none)")),
    help=t(Text("把一个城市画在最上层，其余变淡。", "Draw one city on top and fade the others.")),
)  # fmt: skip
focus = focus or None

spec = spec_of(chart, key, v.years.pair, cities=tuple(chosen), mode=mode, base_year=base_year, events=v.events,
               focus=focus)  # fmt: skip
show.chart(v, spec, key="compare-lines", style=plotly_layout.WIDE)

left, right = st.columns([3, 2])
with left:
    show.chart(v, ChartSpec("slope", key, v.years.pair, cities=tuple(chosen), mode=mode, base_year=base_year,
                            focus=focus))  # fmt: skip
with right:
    st.subheader(v.heading(Text("{y} 年排名", "Ranking, {y}"), last))
    show.ranking(data.read(v, tables.ranking, key, last, v.scope, lang), f"ranking_{key}_{last}")
