"""Assessment: a year's composite index (ranking and groups), pilots' index over time and their rank moves, one
pilot's index taken apart, what changes when a weight changes, and how the pilots did against their targets."""

import streamlit as st

from metrics.analysis import index as composite
from metrics.analysis import targets as achievement
from metrics.domain import registry
from metrics.domain.i18n import Problem, Text
from metrics.domain.index_method import (
    DEFAULT_METHOD,
    DEFAULT_NAME,
    GROUPS,
    INDEX_KEYS,
    bounds_text,
    method_label,
    method_problems,
    method_summary,
)  # fmt: skip
from metrics.present import assessment_tables, plotly_layout
from metrics.present.chart_spec import ChartSpec
from ui import auth, data, data_choice, show, state, stored, writes

MAX_CITIES = 12

v = state.view()
t, lang = v.t, v.lang
who = st.session_state.get(auth.RUN_ACTOR) or auth.actor()
shown_names = show.picker_names(v)  # a picker of one city lists both names; chosen cities are tagged in one

st.title(t(Text("考核评估", "Assessing the pilots")))
methods = list(data.read(v, stored.method_names))
if "_method_chosen" in st.session_state:  # a method just saved or removed: the choice follows it
    st.session_state["method"] = st.session_state.pop("_method_chosen")
left, right = st.columns([1, 2])
name = right.selectbox(t(Text("指数方法", "Index method")), methods,
                       index=state.bind_index("method", DEFAULT_NAME, methods), key="method",
                       format_func=lambda n: method_label(n)(lang)[:1].upper() + method_label(n)(lang)[1:])  # fmt: skip
method = data.read(v, stored.get_method, name) or DEFAULT_METHOD
spec_method = None if method.name == DEFAULT_NAME else method.name
years = [y for y in data.read(v, composite.index_years, method) if v.offered(y)]  # some pilot has an index
if not years:
    show.end_page(t(Text("还没有哪个试点报送了足够的数据来计算综合指数。",
                         "No pilot has reported enough figures for a composite index yet.")))  # fmt: skip
latest = next((y for y in years if y <= v.years.last), years[-1])  # the sidebar's last year, or the one before it
picked = state.bind_index("assess_year", latest, years, int, name="year")
year = left.selectbox(t(Text("年份", "Year")), years, index=picked, key="assess_year", format_func=v.year_label)
ALL_PILOTS = Text(
    "指数在全部试点间计算，侧栏的地区、类型、批次筛选不影响它。",
    "The index is computed over all pilots: the sidebar's filters do not change it.",
)
with st.expander(t(Text("指数如何计算", "How the index is made")), icon=":material/functions:"):
    st.markdown(f"{show.escaped(t(method_summary(method)))}\n\n{t(ALL_PILOTS)}")

# --- the year's ranking and groups -----------------------------------------------------------------------------
result = data.read(v, composite.year_index, year, method)
groups = data.read(v, assessment_tables.year_groups, year, method)  # its pilots, worked out once, not every rerun
st.subheader(v.heading(Text("{y} 年综合指数与分组", "The composite index and its groups, {y}"), year))
if result.mean_index is None:
    st.info(t(Text("{y} 年没有试点报送足够的数据，无法计算指数。", "No pilot reported enough for an index in {y}.")
              .format(y=year)))  # fmt: skip
else:
    counts = groups.counts
    for column, g in zip(st.columns(len(GROUPS)), GROUPS, strict=True):
        column.metric(t(g.label), int(counts.get(g.key, 0)), border=True,
                      help=t(Text("综合指数相当于全体平均的 {b}", "An index {b} of the programme's mean")
                             .format(b=bounds_text(g, method.groups))))  # fmt: skip
    show.chart(v, ChartSpec("index", "composite_index", (year, year), method=spec_method), key="assess-index",
               style=plotly_layout.WIDE)  # fmt: skip

# --- over time -------------------------------------------------------------------------------------------------
st.subheader(t(Text("指数走势与位次变化", "The index over time, and rank moves")))
everyone = data.read(v, assessment_tables.designated_by, v.years.last)  # pilots within the years
leaders = list(groups.leaders)
bound = state.bind_list("assess_cities", leaders, everyone.known, limit=MAX_CITIES, name="cities")
chosen = st.multiselect(
    t(Text("城市或园区", "Cities and parks")), everyone.codes, default=bound, format_func=show.city_names(v).get,
    key="assess_cities",
    max_selections=MAX_CITIES, placeholder=t(Text("选择城市", "Choose cities")), select_all=False,
)  # fmt: skip
if chosen:
    history = ChartSpec("index_history", "composite_index", v.years.pair, cities=tuple(chosen), method=spec_method)
    show.chart(v, history, key="assess-history", style=plotly_layout.WIDE)
    show.table(data.read(v, assessment_tables.index_rank_history, tuple(chosen), method, v.years.pair, lang),
               data.read(v, history).file_stem + "_ranks", key="assess-ranks", coloured=False)  # fmt: skip
else:
    st.info(
        t(Text("选择城市，看它们的指数与位次逐年变化。", "Choose cities to see their index and rank year by year."))
    )

# --- one pilot -------------------------------------------------------------------------------------------------
st.subheader(t(Text("单个试点的指数构成", "One pilot's index, indicator by indicator")))
codes = groups.pilots.codes  # the pilots designated by the year
picked = state.bind_index("assess_city", leaders[0] if leaders else codes[0], codes, name="city")
code = st.selectbox(t(Text("城市或园区", "City or park")), codes, index=picked, format_func=shown_names.get,
                    key="assess_city")  # fmt: skip
breakdown = ChartSpec("breakdown", "index_contribution", (year, year), cities=(code,), method=spec_method)
show.chart(v, breakdown, key="assess-breakdown", style=plotly_layout.WIDE)
parts = data.read(v, breakdown)
show.table(parts.table, parts.file_stem, key="assess-breakdown-table")

# --- another weighting ---------------------------------------------------------------------------------------
st.subheader(t(Text("改变权重会怎样", "What changes if a weight changes")))
st.caption(t(Text("修改下面的权重（0 表示不用该指标），即可看到各试点在两种方法下的位次。管理员可把它保存为新方法。",
                  "Change the weights below (0 leaves an indicator out) to see every pilot's rank under both methods. "
                  "An admin can save the weighting as a method of its own.")))  # fmt: skip
new_weights = {}
for i, key in enumerate(INDEX_KEYS):
    if i % 4 == 0:
        row = st.columns(4)
    new_weights[key] = row[i % 4].number_input(
        registry.get(key).label(lang), min_value=0.0, max_value=100.0, value=method.weight(key), step=0.5,
        format="%g", key=f"weight-{method.name}-{key}",
    )  # fmt: skip
new_weights = {k: float(w) for k, w in new_weights.items() if w and w > 0}
trial = method.with_weights(t(Text("修改后", "as edited")), new_weights)
problems = method_problems(trial)
if trial.weights == method.weights:
    st.info(
        t(
            Text(
                "权重未改动：改动上面的权重，这里会列出两种方法下的位次。",
                "The weights are as the method has them: change one above to see the ranks under both.",
            )
        )
    )
elif problems:
    st.warning("\n\n".join(t(p) for p in problems))
else:
    show.table(data.read(v, assessment_tables.reweighted, year, method, trial, lang), f"index_{year}_reweighted",
               key="assess-side", height=420)  # fmt: skip
    if who is not None and who.may("admin") and v.release is not None:  # its methods are the release's
        st.caption(t(data_choice.READ_ONLY))
    elif who is not None and who.may("admin"):
        with st.form("save-method", border=True):
            chosen_name = st.text_input(t(Text("保存为方法", "Save as the method")), max_chars=60)
            if st.form_submit_button(t(Text("保存", "Save")), type="primary"):
                try:
                    writes.write(
                        "admin", writes.save_method, method.with_weights(chosen_name.strip(), new_weights), by=who
                    )
                except Problem as refused:
                    st.error(t(refused.text))
                else:
                    st.session_state["_method_chosen"] = chosen_name.strip()
                    st.rerun()
REMOVE = Text("删除方法“{n}”", "Remove the method “{n}”")
if spec_method is not None and who is not None and who.may("admin") and v.release is None:
    with st.popover(t(REMOVE.format(n=method.name)), icon=":material/delete:"):
        st.warning(t(Text("删除后，用它做的图表改按默认方法计算。确定删除？",
                          "Once it is removed, charts made with it use the default method. Remove it?")))  # fmt: skip
        if st.button(t(Text("删除", "Remove")), type="primary", key="remove-method"):
            writes.write("admin", writes.delete_method, method.name, by=who)
            st.session_state["_method_chosen"] = DEFAULT_NAME
            st.toast(t(Text("已删除方法“{n}”。", "Removed the method “{n}”.").format(n=method.name)))
            st.rerun()

# --- targets ---------------------------------------------------------------------------------------------------
st.subheader(t(Text("目标完成情况", "Targets achieved")))
with_targets = data.read(v, stored.target_years)
if not with_targets:
    show.end_page(t(Text("还没有上传目标。可在“数据上传”页下载目标模板。",
                         "No targets have been uploaded. The Upload page offers a targets template.")))  # fmt: skip
target_year = achievement.shown_year(with_targets, year) or year
if target_year != year:
    st.caption(t(Text("{y} 年没有设定目标；下面是 {z} 年的。", "No targets are set for {y}; below are those of {z}.")
                 .format(y=year, z=target_year)))  # fmt: skip
st.caption(t(Text("目标完成情况按侧栏所选的试点统计。", "The targets are those of the pilots the sidebar selects.")))
show.target_counts(data.read(v, achievement.year_summary, target_year, v.scope), lang)
show.chart(v, ChartSpec("achievement", "target_share", (target_year, target_year), v.scope),
           key="assess-targets", style=plotly_layout.WIDE)  # fmt: skip
with st.expander(t(Text("每项目标", "Every target"))):
    every = data.read(v, assessment_tables.year_targets_table, target_year, v.scope, lang)
    show.table(every, f"targets_{target_year}", key="assess-all")
