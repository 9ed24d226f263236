"""Data completeness: which pilot reported which indicator for which year, so gaps show before a meeting."""

import datetime as dt

import streamlit as st

from metrics.analysis import reporting
from metrics.analysis.round_status import round_status
from metrics.domain import registry
from metrics.domain.i18n import Text, named_few
from metrics.present import plotly_layout, tables
from metrics.present.chart_spec import ChartSpec
from ui import data, show, state, stored

KEYS = tuple(i.key for i in registry.BASE_INDICATORS)
NAMED = 30  # pilots named in the warning; beyond that, how many more

v = state.view()
t, lang = v.t, v.lang
first, last = v.years

st.title(t(Text("报送完整性", "Data completeness")))
if data.read(v, stored.round_years):  # the latest collection round, while one is open
    year = data.read(v, stored.round_years)[0]
    counts = data.read(v, round_status, year, dt.date.today()).counts
    late = t(Text("，逾期 {n} 个", ", {n} late")).format(n=counts["late"]) if counts["late"] else ""
    summary = t(Text("{y} 年报送：{n} 个试点中已导入 {a} 个，被拒绝 {b} 个，未收到 {c} 个{l}。",
                     "The {y} round: {a} of {n} pilots loaded, {b} refused, {c} not received{l}."))  # fmt: skip
    n = counts["loaded"] + counts["refused"] + counts["missing"]
    st.info(summary.format(y=year, n=n, a=counts["loaded"], b=counts["refused"], c=counts["missing"], l=late),
            icon=":material/assignment_turned_in:")  # fmt: skip
    st.page_link("app_pages/round.py", label=t(Text("查看各试点报送状态", "See where each pilot stands")),
                 icon=":material/arrow_forward:", query_params={"year": str(year)})  # fmt: skip
st.subheader(t(Text("各指标报送率（%，已命名试点中）", "Share of pilots that reported (%, of those designated)")))
show.table(data.read(v, tables.completeness, v.scope, v.years.pair, lang), f"reporting_{v.years.url}", "summary",
           hide_index=False)  # fmt: skip

state.bind_choice("completeness_indicator", KEYS[0], KEYS, name="indicator")
key = st.selectbox(
    t(Text("查看指标", "Indicator")),
    KEYS,
    format_func=lambda k: registry.get(k).title(lang),
    key="completeness_indicator",
)
ind = registry.get(key)
missing_now = data.read(v, reporting.not_reported, key, v.scope, last)
names = show.city_names(lang)
if missing_now:
    who = named_few([names[c] for c in missing_now], NAMED, lang)
    st.warning(t(Text("{y} 年尚未报送“{ind}”：{who}", "Not yet reported for {y}, {ind}: {who}")).format(
        y=last, ind=ind.label(lang), who=who))  # fmt: skip
else:
    st.success(t(Text("{y} 年全部试点均已报送。", "Every pilot has reported for {y}.")).format(y=last))
show.chart(ChartSpec("completeness", key, v.years.pair, v.scope), lang, key="completeness", style=plotly_layout.WIDE)
