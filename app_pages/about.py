"""About: indicator definitions from the registry, the validation rules (an admin may change them), the
assessment's method, data sources and the sample-data notice."""

import streamlit as st

from metrics.analysis.targets import STATUS_RULES, STATUSES
from metrics.domain.i18n import Problem, Refused, Text
from metrics.domain.index_method import DEFAULT_METHOD, method_summary
from metrics.domain.programme import SAMPLE_NOTICE
from metrics.domain.rules import FIELDS, IMPORTANCES, MISSING, OPERATORS, new_rule
from metrics.present import definitions, rule_tables
from ui import auth, data, data_choice, show, state, stored, writes

SIDES_HELP = Text(  # Markdown: the expressions in code spans
    "每一侧可写指标键（`agreements`）、数字、乘数（`20*activities`）、比值（`contract_value_10k_cny/agreements`）"
    "或上年值（`0.5*last_year(experts_in_pool)`）。",
    "Each side is an indicator key (`agreements`), a number, a multiple (`20*activities`), a ratio "
    "(`contract_value_10k_cny/agreements`) or last year's value (`0.5*last_year(experts_in_pool)`).",
)
NAME_NEEDED = Text("中文名称、英文名称：请至少填写一个，说明规则检查什么。",
                   "Name (Chinese), Name (English): give at least one, saying what the rule checks.")  # fmt: skip

v = state.view()
t, lang = v.t, v.lang

st.title(t(Text("指标说明与数据来源", "Indicators and sources")))
st.subheader(t(Text("指标定义", "Indicator definitions")))
indicators = definitions.indicator_table(lang)
st.table(indicators, hide_index=True)
show.download_menu(indicators, f"indicators_{lang}", key="indicators")
st.markdown(
    t(
        Text(
            "- 比率（如场均签约数）在多城市、多年汇总时，为两项都报送的城市的**合计之比**，不是各城市比值的平均。\n"
            "- 专家库人数是年末存量：可按城市相加，但不跨年累加。\n"
            "- 同比增长只比较两年都报送的城市（同口径）。\n"
            "- 未报送与报送为 0 不同：未报送的年份在图中留空，不画成 0。",
            "- Ratios such as agreements per activity are, over several cities or years, the **ratio of the sums** "
            "over the cities that reported both parts, never the mean of per-city ratios.\n"
            "- The talent pool is a year-end stock: it adds up over cities but never over years.\n"
            "- Year-on-year growth compares only the cities that reported both years (like for like).\n"
            "- Not reported is not zero: unreported years are gaps in the charts, never drawn as zero.",
        )
    )
)
st.subheader(t(Text("校验规则", "Validation rules")))
CHECKED = Text(
    "每次检查文件（上传预览、批量、命令行导入）都按以下规则核对文件数值与已存数据；违反规则只提示复核，不拒收文件。",
    "Every file's check (the upload preview, a batch, the CLI's import) holds its figures, with the stored ones, to "
    "these rules; a broken rule flags a figure for review and never refuses the file.",
)
st.caption(t(CHECKED))
st.table(data.read(v, rule_tables.rule_table, lang), hide_index=True)
who = st.session_state.get(auth.RUN_ACTOR) or auth.actor()
if who is not None and who.may("admin") and v.release is not None:  # its rules are the release's
    st.caption(t(data_choice.READ_ONLY))
elif who is not None and who.may("admin"):
    in_force = data.read(v, stored.rules_in_force)
    with st.expander(t(Text("修改规则（管理员）", "Change a rule (admin)"))):
        chosen = st.selectbox(t(Text("规则", "Rule")), [r.id for r in in_force], key="rule-edit")
        rule = next(r for r in in_force if r.id == chosen)
        with st.form("rule-form", border=False):
            enabled = st.checkbox(t(Text("启用", "On")), value=rule.enabled)
            right = st.text_input(t(Text("右侧（如 20*activities）", "Right side (such as 20*activities)")),
                                  value=rule.as_dict(lang)["right"])  # fmt: skip
            importance = st.selectbox(t(Text("重要性", "Importance")), list(IMPORTANCES),
                                      index=list(IMPORTANCES).index(rule.importance),
                                      format_func=lambda k: t(IMPORTANCES[k]))  # fmt: skip
            if st.form_submit_button(t(Text("保存", "Save")), type="primary"):
                try:
                    changed = rule.changed(right=str(right), importance=importance, enabled=enabled)
                    writes.write("admin", writes.save_rule, changed, by=who)
                except Problem as refused:
                    st.error(t(refused.text))
                else:
                    st.rerun()
    with st.expander(t(Text("添加规则（管理员）", "Add a rule (admin)"))), st.form("rule-add", border=False):
        new_id = st.text_input(t(FIELDS["id"]), placeholder="pool-per-station", key="rule-add-id",
                               help=t(Text("小写字母、数字和连字符。", "a-z, 0-9 and '-'.")))  # fmt: skip
        left, middle, right = st.columns([3, 2, 3])
        left_side = left.text_input(t(FIELDS["left"]), placeholder="experts_in_pool", key="rule-add-left")
        operator = middle.selectbox(t(FIELDS["operator"]), list(OPERATORS), index=list(OPERATORS).index(">="),
                                    format_func=lambda k: t(OPERATORS[k]), key="rule-add-operator")  # fmt: skip
        right_side = right.text_input(t(FIELDS["right"]), placeholder="0.5*last_year(experts_in_pool)",
                                      key="rule-add-right")  # fmt: skip
        st.caption(t(SIDES_HELP))
        left, right = st.columns(2)
        importance = left.selectbox(t(FIELDS["importance"]), list(IMPORTANCES), index=1,
                                    format_func=lambda k: t(IMPORTANCES[k]), key="rule-add-importance")  # fmt: skip
        missing = right.selectbox(t(FIELDS["missing"]), list(MISSING), format_func=lambda k: t(MISSING[k]),
                                  key="rule-add-missing")  # fmt: skip
        name_zh = st.text_input(t(FIELDS["description_zh"]), key="rule-add-zh")
        name_en = st.text_input(t(FIELDS["description_en"]), key="rule-add-en")
        if st.form_submit_button(t(Text("添加规则", "Add the rule")), type="primary"):
            try:
                if not (name_zh.strip() or name_en.strip()):
                    raise Refused(NAME_NEEDED)
                added = new_rule(new_id.strip(), left_side, operator, right_side, importance, missing,
                                 name_zh.strip() or name_en.strip(), name_en.strip())  # fmt: skip
                writes.write("admin", writes.add_rule, added, by=who)
            except Problem as refused:
                st.error(show.escaped(t(refused.text)))
            else:
                st.session_state["rule-added"] = Text("已添加规则 {i}：{f}", "Added the rule {i}: {f}").format(
                    i=added.id, f=Text(added.formula("zh"), added.formula("en"))
                )
                st.rerun()
    if "rule-added" in st.session_state:
        st.success(show.escaped(t(st.session_state.pop("rule-added"))))
st.subheader(t(Text("考核评估", "Assessing the pilots")))
st.markdown(
    "- "
    + t(Text("综合指数（默认方法）：", "The composite index (default method): "))
    + t(method_summary(DEFAULT_METHOD))
    + "\n- "
    + t(
        Text(
            "目标完成率 = 实际值 ÷ 目标值：≥100% 为完成，≥80% 为基本完成，其余为未完成；流量指标按当年值，"
            "专家库按年末在库人数。一个试点的完成情况：",
            "Share achieved = actual ÷ target: 100% or more is met, 80% or more nearly met, below that missed; flows "
            "are judged on the year's value, the talent pool on its year-end value. A pilot's status:",
        )
    )
    + "".join(f"\n    - {t(label)}{t(Text('：', ': '))}{t(STATUS_RULES[key])}" for key, label in STATUSES.items())
)
st.subheader(t(Text("数据来源", "Sources")))
st.markdown(
    t(
        Text(
            "- 各试点城市（园区）向中国科协创新驱动助力工程（“科创中国”）报送的年度数据，经本仪表盘上传导入。\n"
            "- 项目公布数字：截至2016年底，命名试点城市30个，举办对接活动432场，签订合作协议1984项，"
            "建立学会服务站1331个、成果转化分中心10个，专家库逾1万人；后续共遴选试点城市和园区65个（中国科协）。",
            "- Yearly figures reported by each pilot city and park to CAST's CONTRID programme (Innovation China), "
            "loaded through this dashboard's upload.\n"
            "- Published programme figures: by the end of 2016, 30 pilot cities designated, 432 matching activities "
            "held, 1,984 cooperation agreements signed, 1,331 service stations and 10 achievement-transformation "
            "sub-centres founded, a talent pool of over 10,000 experts; later 65 pilot cities and parks selected "
            "(CAST).",
        )
    )
)
if data.read(v, stored.is_sample):
    st.warning(SAMPLE_NOTICE(lang))
