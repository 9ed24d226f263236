"""Overview: headline figures for the latest year, totals since 2014, pilots over time, a trend per indicator."""

import streamlit as st

from metrics import analysis, charts, queries, registry
from metrics.i18n import Text
from ui import data, show, state

v = state.view()
t, lang = v.t, v.lang
first, last = v.years
source = show.source(lang)

st.title(t(Text("项目概览", "Programme overview")))
st.caption(t(Text("{a}—{b} 年 · 所选试点合计", "{a}–{b} · total of the selected pilots").format(a=first, b=last)))

st.subheader(t(Text("{y} 年主要指标", "Headline figures, {y}").format(y=last)))
heads = data.get(analysis.headlines, registry.CORE_KEYS, v.scope, last)
columns = st.columns(2)
for i, head in enumerate(heads):
    with columns[i % 2]:
        show.headline(head, lang)

st.subheader(t(Text("2014 年以来累计", "Cumulative since 2014")))
cumulative = tuple(f"cumulative_{k}" for k in ("activities", "agreements", "stations_founded", "subcenters_founded"))
show.cumulative_line(data.get(analysis.headlines, cumulative, v.scope, last), lang)

pilots = registry.get("pilot_cities")
frame = data.get(queries.series, "pilot_cities", v.scope, years=v.years)
show.chart(charts.bar_chart, frame, pilots, lang, pilots.label(lang), source)

st.subheader(t(Text("主要指标趋势", "Trends of the core indicators")))
columns = st.columns(2)
for i, key in enumerate(registry.CORE_KEYS):
    ind = registry.get(key)
    frame = data.get(queries.series, key, v.scope, years=v.years)
    line = charts.Line.from_frame(t(Text("所选试点合计", "Selected pilots")), frame, charts.PROGRAMME_COLOUR)
    with columns[i % 2]:
        show.chart(charts.time_chart, [line], ind, lang, ind.title(lang), source)
