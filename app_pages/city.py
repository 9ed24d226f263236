"""City profile: one city's indicators over time against its batch peers, its rank, its growth."""

import streamlit as st

from metrics.analysis import standing
from metrics.domain import registry
from metrics.domain.i18n import Text
from metrics.domain.programme import KIND_NAMES, REGION_NAMES
from metrics.present import tables
from metrics.present.specs import ChartSpec
from ui import data, show, state

v = state.view()
t, lang = v.t, v.lang
first, last = v.years
cities = show.cities_in_scope(v)

codes = cities["city_code"].tolist()
names = show.city_names(lang)
leader = data.get(standing.ranks, "agreements", last, v.scope)["city_code"]  # open on the busiest pilot
state.bind_choice("city", leader.iloc[0] if len(leader) else codes[0], codes)
shown = show.picker_names(lang)
code = st.selectbox(t(Text("城市或园区", "City or park")), codes, format_func=shown.get, key="city") or codes[0]
city = cities.set_index("city_code").loc[code]

st.title(show.escaped(names[code]))
st.caption(
    " · ".join(
        [
            show.escaped(city[f"province_{lang}"]),
            REGION_NAMES[city["region"]](lang),
            KIND_NAMES[city["kind"]](lang),
            t(Text("第{b}批试点，{y}年命名", "Batch {b}, designated {y}").format(
                b=int(city["batch"]), y=int(city["designated_year"]))),
        ]
    )
)  # fmt: skip

st.subheader(t(Text("{y} 年在全部试点中的位次", "Standing among all pilots, {y}").format(y=last)))
show.table(data.get(tables.profile, code, last, lang), f"profile_{code}_{last}", key="profile")

st.subheader(
    t(Text("各指标走势（对比同批次试点中位数）", "Every indicator over time, against the median of its batch"))
)
columns = st.columns(2)
charts = [ChartSpec("city", ind.key, v.years, cities=(code,), events=v.events) for ind in registry.BASE_INDICATORS]
for i, spec in enumerate(charts):
    with columns[i % 2]:
        show.chart(spec, lang, key=f"city-{spec.indicator}", events_note=False)
show.events_caption(charts[0], lang)  # the same events on every chart: said once
