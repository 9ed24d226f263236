"""Data completeness: which pilot reported which indicator for which year, so gaps show before a meeting; the
collection round of the year shown (saying when it is closed) and the round still open."""

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

ROUND_SUMMARY = Text(
    "{y} 年报送（{s}）：{n} 个试点中已导入 {a} 个，被拒绝 {b} 个，未收到 {c} 个{l}；已审核 {d} 个。",
    "The {y} round ({s}): {a} of {n} pilots loaded, {b} refused, {c} not received{l}; {d} approved.",
)
ROUND_OPEN = Text("进行中", "open")
ROUND_COMPLETE = Text("已完整：全部试点已审核或标记未报送", "complete: every pilot approved or marked")
ROUND_CLOSED = Text("已由 {b} 于 {w} 标记结束", "closed by {b} on {w}")

v = state.view()
t, lang = v.t, v.lang
first, last = v.years

st.title(t(Text("报送完整性", "Data completeness")))
# The collection rounds an officer looks for here: the round of the year the view ends on (closed or not: the view
# is about that year), and the round still open, if it is another year's (its figures are not in the view by default,
# but how far it has come is what the officer chases before a meeting). A closed or complete round says so.
rounds = data.read(v, stored.round_years)
open_years = [c.year for c in data.collection().collecting if c.round_open]
shown_rounds = ([last] if last in rounds else []) + [y for y in open_years[-1:] if y != last]
for year in shown_rounds:
    status = data.read(v, round_status, year, dt.date.today())
    counts = status.counts
    chased = counts["late"] and not status.round.closed  # a closed round chases no one
    late = t(Text("，逾期 {n} 个", ", {n} late")).format(n=counts["late"]) if chased else ""
    if status.round.closed:
        state_ = t(ROUND_CLOSED).format(b=status.round.closed_by or "", w=f"{status.round.closed_at:%Y-%m-%d}")
    else:
        state_ = t(ROUND_COMPLETE if status.complete else ROUND_OPEN)
    n = len(status.pilots)
    st.info(t(ROUND_SUMMARY).format(y=year, s=state_, n=n, a=counts["loaded"] + counts["returned"],
                                    b=counts["refused"], c=counts["missing"], d=counts["approved"], l=late),
            icon=":material/assignment_turned_in:")  # fmt: skip
    st.page_link("app_pages/round.py", label=t(Text("查看各试点报送状态", "See where each pilot stands")),
                 icon=":material/arrow_forward:", query_params={"year": str(year)})  # fmt: skip
st.subheader(t(Text("各指标报送率（%，已命名试点中）", "Share of pilots that reported (%, of those designated)")))
show.table(data.read(v, tables.completeness, v.scope, v.years.pair, lang), f"reporting_{v.years.url}", "summary",
           hide_index=False)  # fmt: skip

key = st.selectbox(
    t(Text("查看指标", "Indicator")),
    KEYS,
    index=state.bind_index("completeness_indicator", KEYS[0], KEYS, name="indicator"),
    format_func=lambda k: registry.get(k).title(lang),
    key="completeness_indicator",
)
ind = registry.get(key)
missing_now = data.read(v, reporting.not_reported, key, v.scope, v.years.pair)  # the chart's statuses, its last year
names = show.city_names(v)
if missing_now:
    who = named_few([names[c] for c in missing_now], NAMED, lang)
    st.warning(t(Text("{y} 年尚未报送“{ind}”：{who}", "Not yet reported for {y}, {ind}: {who}")).format(
        y=last, ind=ind.label(lang), who=who))  # fmt: skip
else:
    st.success(t(Text("{y} 年全部试点均已报送。", "Every pilot has reported for {y}.")).format(y=last))
show.chart(v, ChartSpec("completeness", key, v.years.pair, v.scope), key="completeness", style=plotly_layout.WIDE)
