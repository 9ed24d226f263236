"""Overview: headline figures for the latest year, how the pilots did against their targets, totals since 2014,
pilots over time, a trend per indicator."""

import streamlit as st

from metrics.analysis import highlights, standing
from metrics.analysis import targets as achievement
from metrics.domain import registry
from metrics.domain.i18n import Text
from metrics.domain.programme import APP_NAME, APP_PURPOSE
from metrics.present import plotly_layout
from metrics.present.chart_spec import ChartSpec
from ui import data, show, state, stored

v = state.view()
t, lang = v.t, v.lang
first, last = v.years

st.title(t(APP_NAME))  # the first screen says what the tool is and shows
overview = Text("项目概览：{y}，所选试点合计", "Programme overview: {y}, total of the selected pilots")
st.caption(f"{t(APP_PURPOSE)}  \n{t(overview.format(y=v.years.label()))}")

shown = v.year_label(last)  # 2026（报送中，12/65） on the cards when the sidebar reaches a year being collected
note = shown if shown != str(last) else ""
st.subheader(v.heading(Text("{y} 年主要指标", "Headline figures, {y}"), last))
heads = data.read(v, standing.headlines, registry.CORE_KEYS, v.scope, last)
for i in range(0, len(heads), 2):  # a row per pair, so that cards side by side line up whatever their captions
    for column, head in zip(st.columns(2), heads[i : i + 2], strict=False):
        with column:
            show.headline(head, lang, note)

if last in data.read(v, stored.target_years):
    st.subheader(v.heading(Text("{y} 年目标完成情况", "Targets for {y}"), last))
    show.target_counts(data.read(v, achievement.year_summary, last, v.scope), lang)
    more = Text("完成率排名与综合指数", "The ranking by targets achieved, and the composite index")
    st.page_link("app_pages/assessment.py", label=t(more), icon=":material/leaderboard:")

notes = data.read(v, highlights.highlights, last, v.scope)
if notes:
    st.subheader(v.heading(Text("{y} 年要点", "What changed in {y}"), last))
    st.markdown("\n".join(f"- {show.escaped(h.text(lang))}" for h in notes))

st.subheader(t(Text("2014 年以来累计", "Cumulative since 2014")))
cumulative = tuple(f"cumulative_{k}" for k in ("activities", "agreements", "stations_founded", "subcenters_founded"))
show.cumulative_line(data.read(v, standing.headlines, cumulative, v.scope, last), lang)

show.chart(v, ChartSpec("pilots", "pilot_cities", v.years.pair, v.scope, events=v.events), style=plotly_layout.WIDE)

st.subheader(t(Text("主要指标趋势", "Trends of the core indicators")))
columns = st.columns(2)
for i, key in enumerate(registry.CORE_KEYS):
    with columns[i % 2]:
        show.chart(v, ChartSpec("trend", key, v.years.pair, v.scope, events=v.events), events_note=False)
