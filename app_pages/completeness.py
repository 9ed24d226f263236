"""Data completeness: which pilot reported which indicator for which year, so gaps show before a meeting."""

import streamlit as st

from metrics.analysis import reporting
from metrics.domain import registry
from metrics.domain.i18n import Text
from metrics.present import tables
from metrics.present.specs import ChartSpec
from ui import data, show, state

KEYS = tuple(i.key for i in registry.BASE_INDICATORS)
NAMED = 30  # pilots named in the warning; beyond that, how many more

v = state.view()
t, lang = v.t, v.lang
first, last = v.years

st.title(t(Text("报送完整性", "Data completeness")))
st.subheader(t(Text("各指标报送率（%，已命名试点中）", "Share of pilots that reported (%, of those designated)")))
show.table(data.get(tables.completeness, v.scope, v.years, lang), f"reporting_{first}-{last}", "summary",
           hide_index=False)  # fmt: skip

state.bind_choice("completeness_indicator", KEYS[0], KEYS, name="indicator")
key = st.selectbox(
    t(Text("查看指标", "Indicator")),
    KEYS,
    format_func=lambda k: registry.get(k).title(lang),
    key="completeness_indicator",
)
ind = registry.get(key)
missing_now = data.get(reporting.not_reported, key, v.scope, last)
names = show.city_names(lang)
if missing_now:
    who = t(Text("、", ", ")).join(names[c] for c in missing_now[:NAMED])
    if len(missing_now) > NAMED:
        who += t(Text("等 {n} 个", " and {n} more")).format(n=f"{len(missing_now) - NAMED:,}")
    st.warning(t(Text("{y} 年尚未报送“{ind}”：{who}", "Not yet reported for {y}, {ind}: {who}")).format(
        y=last, ind=ind.label(lang), who=who))  # fmt: skip
else:
    st.success(t(Text("{y} 年全部试点均已报送。", "Every pilot has reported for {y}.")).format(y=last))
show.chart(ChartSpec("completeness", key, v.years, v.scope), lang, key="completeness")
