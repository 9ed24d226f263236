"""Compare: several cities on one indicator over time, as values, changes, an index or shares."""

import streamlit as st

from metrics import analysis, charts, registry, tables
from metrics.i18n import Text
from ui import data, show, state

MODE_NAMES = {
    "absolute": Text("数值", "Values"),
    "change": Text("逐年变化", "Change on previous year"),
    "indexed": Text("指数（基年=100）", "Index (base year = 100)"),
    "share": Text("占全部试点比重", "Share of programme total"),
}
MODE_UNITS = {"indexed": Text("指数", "index"), "share": Text("%", "%")}
MAX_CITIES = 12  # more lines than this cannot be told apart

v = state.view()
t, lang = v.t, v.lang
first, last = v.years
source = show.source(lang)
cities = show.cities_in_scope(v)
names = show.city_names(lang)
colours = show.city_colours()

st.title(t(Text("城市对比", "Compare cities")))
left, middle, right = st.columns([2, 2, 1])
state.bind_choice("compare_indicator", "agreements", registry.COMPARABLE_KEYS, name="indicator")
key = left.selectbox(
    t(Text("指标", "Indicator")),
    registry.COMPARABLE_KEYS,
    format_func=lambda k: registry.get(k).title(lang),
    key="compare_indicator",
)
ind = registry.get(key)
modes = [m for m in analysis.COMPARE_MODES if not (m == "share" and ind.kind == "ratio")]
state.bind_choice("mode", "absolute", modes)
mode = middle.radio(
    t(Text("显示方式", "Show as")), modes, format_func=lambda m: MODE_NAMES[m](lang), key="mode", horizontal=True
)
base_year = None
if mode == "indexed":
    years = list(range(first, last + 1))
    state.bind_choice("base", first, years, int)
    base_year = right.selectbox(t(Text("基年", "Base year")), years, key="base")

codes = cities["city_code"].tolist()
ranking = data.get(analysis.ranks, key, last, v.scope)
state.bind_list("cities", ranking["city_code"].head(5).tolist(), codes, limit=MAX_CITIES)
chosen = st.multiselect(
    t(Text("城市或园区", "Cities and parks")), codes, format_func=names.get, key="cities", max_selections=MAX_CITIES,
    placeholder=t(Text("选择要对比的城市", "Choose cities to compare")),
)  # fmt: skip
if not chosen:
    show.end_page(t(Text("请至少选择一个城市。", "Choose at least one city.")))

frame = data.get(analysis.compare, key, tuple(chosen), v.years, mode, base_year)
shown = ind if mode in ("absolute", "change") else ind.model_copy(
    update={"unit_zh": MODE_UNITS[mode].zh, "unit_en": MODE_UNITS[mode].en, "decimals": 1}
)  # fmt: skip
title = f"{ind.label(lang)} · {MODE_NAMES[mode](lang)}" + (f" · {base_year}" if mode == "indexed" else "")
lines = charts.city_lines(frame.drop(columns="reporting"), names, colours, order=chosen)
show.chart(charts.time_chart, lines, shown, lang, title, source, key="compare-lines")

left, right = st.columns([3, 2])
with left:
    slope_title = f"{ind.label(lang)} · {t(Text('{a} 年与 {b} 年', '{a} against {b}').format(a=first, b=last))}"
    show.chart(charts.slope_chart, frame, first, last, names, colours, shown, lang, slope_title, source)
with right:
    st.subheader(t(Text("{y} 年排名", "Ranking, {y}").format(y=last)))
    show.ranking(tables.ranking_table(ranking, names, ind, lang))
