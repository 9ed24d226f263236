"""City profile: one city's indicators over time against its batch peers, its rank, its growth, its composite index
and its targets against the actuals (完成率)."""

import streamlit as st

from metrics.analysis import changes, standing
from metrics.analysis import targets as achievement
from metrics.domain import registry
from metrics.domain.i18n import Text
from metrics.domain.programme import KIND_NAMES, REGION_NAMES
from metrics.present import assessment_tables, tables
from metrics.present.chart_spec import ChartSpec
from ui import data, show, state, stored

v = state.view()
t, lang = v.t, v.lang
first, last = v.years
cities = show.cities_in_scope(v)

codes = cities["city_code"].tolist()
names = show.city_names(v)
leader = data.read(v, standing.ranks, "agreements", last, v.scope)["city_code"]  # open on the busiest pilot
picked = state.bind_index("city", leader.iloc[0] if len(leader) else codes[0], codes)
shown = show.picker_names(v)
code = st.selectbox(t(Text("城市或园区", "City or park")), codes, index=picked, format_func=shown.get, key="city")
code = code or codes[0]
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

st.subheader(v.heading(Text("{y} 年在全部试点中的位次", "Standing among all pilots, {y}"), last))
show.table(data.read(v, tables.profile, code, last, lang), f"profile_{code}_{last}", key="profile")
standing_line = data.read(v, assessment_tables.pilot_index_line, code, last, lang)
if standing_line is not None:
    st.markdown(show.escaped(standing_line))
    st.page_link(
        "app_pages/assessment.py",
        label=t(Text("查看考核评估", "See the assessment")),
        icon=":material/leaderboard:",
        query_params={"city": code, "year": str(last), "lang": lang},
    )

target_year = achievement.shown_year(data.read(v, stored.target_years), last)
if target_year is not None:
    status, mine = data.read(v, assessment_tables.pilot_targets, code, target_year, lang)
    st.subheader(t(Text("{y} 年目标完成情况", "Targets for {y}, against the actuals").format(y=target_year)))
    if status is None:
        none_set = Text("{y} 年没有为该市设定目标。", "No targets were set for this pilot for {y}.")
        st.caption(t(none_set.format(y=target_year)))
    else:
        st.caption(t(Text("总体：{s}。流量指标按当年值评价，专家库按年末在库人数评价。",
                          "Overall: {s}. Flows are judged on the year's value, the talent pool on its year-end value.")
                     .format(s=achievement.STATUSES[status])))  # fmt: skip
        show.table(mine, f"targets_{code}_{target_year}", key="targets")

st.subheader(
    t(Text("各指标走势（对比同批次试点中位数）", "Every indicator over time, against the median of its batch"))
)
# On the working data, the figures revised since the latest release are marked with a diamond (a ring is a review
# flag); a release's own view marks nothing.
since = data.read(v, stored.latest_release) if v.release is None else None
released_to = data.read(v, changes.last_year, since.release_id) if since else None
revised = data.read(v, changes.revisions, since.release_id, released_to).get(code, {}) if since else {}
charts = [ChartSpec("city", ind.key, v.years.pair, cities=(code,), events=v.events) for ind in registry.BASE_INDICATORS]
for row in range(0, len(charts), 2):  # a row of columns per pair: a taller chart never pushes the next row apart
    for column, spec in zip(st.columns(2), charts[row : row + 2], strict=False):
        with column:
            show.chart(v, spec, key=f"city-{spec.indicator}", events_note=False,
                       revised=revised.get(spec.indicator, ()))  # fmt: skip
show.events_caption(v, charts[0])  # the same events on every chart: said once
if since and revised:
    ringed = sum(len(r) for r in revised.values())
    st.caption(t(Text("菱形框标出自“{r}”发布以来修订的 {n} 个数字（悬停可见发布时的数值和修改它的上传；"
                      "圆圈是核实标记）。",
                      "Diamonds mark the figures revised since “{r}” was published ({n}; hover for the value then "
                      "and the upload that changed it; rings are review flags).")
                 .format(r=since.name, n=ringed)))  # fmt: skip
    st.page_link(
        "app_pages/changes.py",
        label=t(Text("查看有何变化", "See what changed")),
        icon=":material/difference:",
        query_params={"from": since.name, "to": "working", "lang": lang},
    )
