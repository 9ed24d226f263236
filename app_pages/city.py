"""City profile: one city's indicators over time against its batch peers, its rank, its growth, its composite index
and its targets against the actuals (完成率)."""

import pandas as pd
import streamlit as st

from metrics.analysis import index as composite
from metrics.analysis import standing
from metrics.analysis import targets as achievement
from metrics.domain import registry
from metrics.domain.i18n import Text
from metrics.domain.index_method import DEFAULT_METHOD, NOT_ENOUGH_DATA, group
from metrics.domain.programme import KIND_NAMES, REGION_NAMES
from metrics.present import assessment_tables, tables
from metrics.present.specs import ChartSpec
from metrics.store.targets import target_years
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
pilots = data.get(composite.year_index, last, DEFAULT_METHOD).pilots.set_index("city_code")
if code in pilots.index:
    mine = pilots.loc[code]
    standing_text = NOT_ENOUGH_DATA(lang) if pd.isna(mine["index"]) else t(
        Text("{i:.1f}（{g}，第 {r} 位，共 {n} 个）", "{i:.1f} ({g}, rank {r} of {n})").format(
            i=mine["index"], g=group(mine["group"]).label, r=int(mine["rank"]), n=int(pilots["index"].notna().sum()))
    )  # fmt: skip
    st.markdown(t(Text("{y} 年综合指数（默认方法）：**{s}**", "Composite index {y} (default method): **{s}**")
                  .format(y=last, s=show.escaped(standing_text))))  # fmt: skip
    st.page_link(
        "app_pages/assessment.py",
        label=t(Text("查看考核评估", "See the assessment")),
        icon=":material/leaderboard:",
        query_params={"city": code, "year": str(last), "lang": lang},
    )

years_with_targets = data.get(target_years)
if years_with_targets:
    target_year = next((y for y in years_with_targets if y <= last), years_with_targets[-1])
    achieved = data.get(achievement.year_achievement, target_year)
    mine = achieved[achieved["city_code"] == code]
    st.subheader(t(Text("{y} 年目标完成情况", "Targets for {y}, against the actuals").format(y=target_year)))
    if mine.empty:
        none_set = Text("{y} 年没有为该市设定目标。", "No targets were set for this pilot for {y}.")
        st.caption(t(none_set.format(y=target_year)))
    else:
        status = achievement.pilot_status(mine["status"].tolist())
        st.caption(t(Text("总体：{s}。流量指标按当年值评价，专家库按年末在库人数评价。",
                          "Overall: {s}. Flows are judged on the year's value, the talent pool on its year-end value.")
                     .format(s=achievement.STATUSES[status])))  # fmt: skip
        show.table(assessment_tables.targets_table(mine, lang), f"targets_{code}_{target_year}", key="targets")

st.subheader(
    t(Text("各指标走势（对比同批次试点中位数）", "Every indicator over time, against the median of its batch"))
)
columns = st.columns(2)
charts = [ChartSpec("city", ind.key, v.years, cities=(code,), events=v.events) for ind in registry.BASE_INDICATORS]
for i, spec in enumerate(charts):
    with columns[i % 2]:
        show.chart(spec, lang, key=f"city-{spec.indicator}", events_note=False)
show.events_caption(charts[0], lang)  # the same events on every chart: said once
