"""The plain floor's other pages: completeness, round, changes, deck, upload, admin, about, present (see
plain_floor.py)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from benchmarks.plain_floor import (
    BASE,
    INDEX_KEYS,
    LABEL,
    TABLE,
    achievement,
    chart,
    cities,
    complete_years,
    composite,
    figure,
    marks,
    own,
    pilot_statuses,
    query,
    ranks,
    review,
    sidebar,
    table,
    values,
    working_sidebar,
)
from metrics.domain import registry, rules


def completeness() -> None:
    """How many pilots reported each indicator each year, and who reported one indicator when."""
    first, last, scope, _ = sidebar()
    pilots = cities(scope)
    frame = values(first, last)
    frame = frame[frame["city_code"].isin(pilots["city_code"])]
    st.title("报送完整性")
    st.subheader("各指标报送率（%，已命名试点中）")
    years = list(range(first, last + 1))
    designated = [int((pilots["designated_year"] <= y).sum()) for y in years]
    counts = frame.groupby("year")[list(BASE)].count().reindex(years).fillna(0)
    rates = (counts.T / designated * 100).round(1).rename(index=LABEL)
    st.dataframe(rates.rename(columns=str))
    st.popover("下载")
    key = st.selectbox("查看指标", list(BASE), format_func=LABEL.get, key="completeness_indicator")
    reported = frame.dropna(subset=[key])
    due = pilots[pilots["designated_year"] <= last]
    missing = due.loc[~due["city_code"].isin(reported.loc[reported["year"] == last, "city_code"]), "name_zh"]
    st.warning(f"{last} 年尚未报送“{LABEL[key]}”：{'、'.join(missing.head(30))}")
    grid = reported.assign(v=1).pivot_table(index="city_code", columns="year", values="v").reindex(
        index=pilots["city_code"], columns=years)  # fmt: skip
    heat = {"type": "heatmap", "x": years, "y": pilots["name_zh"].tolist(), "z": grid.fillna(0).values.tolist()}
    legend = [{"type": "scatter", "x": [None], "y": [None], "name": n} for n in ("已报送", "未报送", "尚未命名")]
    chart(figure(f"{LABEL[key]} · 报送情况", [heat, *legend]), "completeness")


def round_page() -> None:
    """The collection round of a year: where each pilot stands, the review queue, approvals and releases."""
    working_sidebar()
    st.title("年度报送")
    last = int(query("SELECT max(year) FROM agreements").iloc[0, 0])
    opened = query("SELECT year FROM rounds")["year"].tolist()
    year = st.selectbox("报送年份", sorted({last + 1, last, *opened}, reverse=True), key="round_year")
    pilots = query("SELECT city_code, name_zh, name_en, province_zh FROM cities WHERE designated_year <= ? "
                   "ORDER BY city_code", year)  # fmt: skip
    reported = query(" UNION ALL ".join(f"SELECT city_code, upload_id FROM {t} WHERE year = ?"
                                        for t in sorted(set(TABLE.values()))), *[year] * 4)  # fmt: skip
    attempts = query("SELECT city_code, file_name, checked_at, upload_id FROM attempts WHERE year = ?", year)
    approvals = query("SELECT city_code, state FROM approvals WHERE year = ?", year)
    uploads = query("SELECT upload_id, file_name, created_at, created_by FROM uploads")
    loaded = reported.groupby("city_code")["upload_id"].max().reset_index().merge(uploads, on="upload_id")
    tracker = pilots.merge(loaded, on="city_code", how="left")
    refused = set(attempts.loc[attempts["upload_id"].isna(), "city_code"])
    tracker["status"] = ["已导入" if pd.notna(u) else "被拒绝" if c in refused else "未收到"
                         for c, u in zip(tracker["city_code"], tracker["upload_id"], strict=True)]  # fmt: skip
    for column, name in zip(st.columns(5), ("已导入", "被拒绝", "未收到", "已退回", "逾期"), strict=True):
        column.metric(name, int((tracker["status"] == name).sum()))
    st.info(f"{year} 年的报送尚未开启：下面按全部指标统计。")
    with st.expander("报送设置与报表下载"):
        with st.form("round_settings"):
            st.multiselect("所报指标", list(BASE), default=list(BASE), format_func=LABEL.get)
            left, right = st.columns(2)
            left.date_input("截止日期", value=None)
            right.markdown("")
            right.checkbox("不设截止日期")
            st.form_submit_button("开启报送")
        st.radio("报表语言", ["中文", "English"], key="form_lang")
        st.download_button(f"下载全部 {len(pilots)} 份报表", b"", key="forms")
        st.caption("报表中城市代码、名称和年份已锁定。")
    st.subheader("各试点报送状态")
    st.segmented_control("显示", ["全部", "已导入", "被拒绝", "未收到", "已退回", "逾期", "导入但有提醒"], key="show")
    table(tracker)
    st.markdown(f"**待催报名单**：{int((tracker['status'] != '已导入').sum())} 个试点尚未导入。")
    st.popover("下载")
    st.subheader("核实清单")
    frame = values(year - 6, year)
    flags = review(frame, year, year)
    confirmed = int((flags["status"] == "confirmed").sum())
    st.caption(f"待核实 {int(flags['status'].isna().sum())} 项，已确认 {confirmed} 项。")
    if len(flags):
        table(flags)
    st.subheader("审核")
    st.caption(f"已审核 {int((approvals['state'] == 'approved').sum())} / {len(pilots)} 个试点。")
    loaded_codes = tracker.loc[tracker["status"] == "已导入", "city_code"].tolist()
    st.multiselect("选择要审核通过的试点", loaded_codes, key="approve")
    st.checkbox("有待处理项的试点也审核通过（记入审核记录）", key="anyway")
    left, right = st.columns(2)
    left.button("审核通过所选试点")
    right.button(f"审核通过无待处理问题的 {len(set(loaded_codes) - set(flags['city_code']))} 个试点")
    st.multiselect("撤销审核（管理员）", approvals["city_code"].tolist(), key="unapprove")
    st.text_input("撤销原因", key="reason")
    st.button("撤销审核")
    st.multiselect("标记为未报送（管理员）", [f"{n} ({c})" for c, n in zip(pilots["city_code"], pilots["name_zh"],
                                                                    strict=True)], key="mark")  # fmt: skip
    st.button("标记未报送")
    st.subheader("发布")
    st.caption("发布会以名称冻结当前的全部数字、目标、城市和大事。")
    with st.expander("发布新版本"):
        pass
    st.table(query("SELECT name, published_by, published_at, note, withdrawn_at FROM releases ORDER BY 3 DESC"))
    st.popover("下载")
    with st.expander("撤回发布（管理员）"):
        pass


def changes() -> None:
    """Every figure revised between the latest release and the working data."""
    sidebar()
    st.title("有何变化")
    st.caption("两个发布之间（或某个发布以来的工作数据中）修订、新增和删除的每个数字。")
    listed = query("SELECT release_id, name, published_at, published_by, note FROM releases "
                   "WHERE withdrawn_at IS NULL ORDER BY published_at DESC")  # fmt: skip
    left, right = st.columns(2)
    left.selectbox("从", listed["name"].tolist(), key="changes_from")
    right.selectbox("到", ["工作数据（未发布）", *listed["name"]], key="changes_to")
    newest = listed.iloc[0]
    when = f"{newest['published_at']:%Y-%m-%d}"
    st.caption(f"“{newest['name']}”由 {newest['published_by']} 于 {when} 发布：{newest['note']}")
    found = []
    for name in sorted(set(TABLE.values())):
        columns = [k for k in BASE if TABLE[k] == name]
        differ = " OR ".join(f"w.{c} IS DISTINCT FROM r.{c}" for c in columns)
        found.append(query(f"SELECT coalesce(w.city_code, r.city_code) AS city_code, coalesce(w.year, r.year) AS year "
                           f"FROM {name} w FULL JOIN (SELECT * FROM release_{name} WHERE release_id = ?) r "
                           f"USING (city_code, year) WHERE {differ}", int(newest["release_id"])))  # fmt: skip
    for name, keys in (("targets", "city_code, year, indicator, target"), ("cities", "city_code, name_zh, batch"),
                       ("events", "event_date, title_zh, title_en")):  # fmt: skip
        found.append(query(f"(SELECT {keys} FROM {name} EXCEPT SELECT {keys} FROM release_{name} WHERE release_id = ?) "
                           f"UNION ALL (SELECT {keys} FROM release_{name} WHERE release_id = ? EXCEPT "
                           f"SELECT {keys} FROM {name})", *[int(newest["release_id"])] * 2))  # fmt: skip
    if all(f.empty for f in found):
        st.success("没有变化：两边的每个数字、目标、试点和大事都相同。")
    else:
        table(pd.concat(found, ignore_index=True))


def _svg(points: list[list[float]]) -> str:
    """A miniature: each series as a polyline in a 160×90 box."""
    top = max((max((p for p in s if pd.notna(p)), default=0) for s in points), default=0) or 1
    lines = "".join('<polyline fill="none" stroke="#1f77b4" points="' + " ".join(
        f"{i * 160 / max(len(s) - 1, 1):.1f},{90 - (p if pd.notna(p) else 0) * 85 / top:.1f}" for i, p in enumerate(s))
        + '"/>' for s in points)  # fmt: skip
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="160" height="90">{lines}</svg>'


def _standard_deck(first: int, last: int) -> list[tuple[str, str, list[list[float]]]]:
    """The standard deck's slides: title, kind, and the series each draws."""
    pilots = cities()
    frame = values(2000, last)
    years = range(first, last + 1)
    by_year = frame.groupby("year")[list(BASE)].sum(min_count=1).reindex(years)
    slides = [("试点城市（园区）数", "柱状图", [[float((pilots["designated_year"] <= y).sum()) for y in years]])]
    slides += [(LABEL[k], "折线图", [by_year[k].tolist()])
               for k in ("activities", "agreements", "stations_founded", "experts_in_pool")]  # fmt: skip
    top = ranks(frame, "agreements", last)["city_code"].head(5).tolist()
    five = frame[frame["city_code"].isin(top) & frame["year"].between(first, last)]
    wide = five.pivot_table(index="year", columns="city_code", values="agreements").reindex(years)
    slides.append(("签订合作协议 · 数值", "折线图", [wide[c].tolist() for c in top]))
    now = frame[frame["year"] == last]
    slides.append((f"签订合作协议 · {last}", "分布图", [now["agreements"].fillna(0).tolist()]))
    index = composite(frame, pilots, range(last, last + 1))
    slides.append((f"综合指数 · {last} · 默认方法", "排名条形图", [index["index"].dropna().tolist()]))
    shares = pilot_statuses(achievement(last, frame))
    slides.append((f"目标完成率 · {last}", "排名条形图", [shares["mean_share"].tolist()]))
    return slides


def deck() -> None:
    """The deck being built: each slide with its miniature, moves, and the downloads."""
    first, last, _, _ = sidebar()
    st.title("演示文稿")
    st.caption("数据：工作数据（未发布）")
    saved = query("SELECT name FROM saved_decks")
    with st.expander(f"已保存的演示稿（{len(saved)}）"):
        st.caption("还没有保存的演示稿。")
    st.caption("每张图表单独成页，附标题、来源和讲稿备注。")
    for n, (title, kind, series) in enumerate(_standard_deck(first, last), start=1):
        row = st.container().columns([1, 4, 12, 2, 2, 2])
        row[0].markdown(f"**{n}**")
        row[1].image(_svg(series), width=160)
        row[2].markdown(f"**{title}**")
        row[2].caption(f"{kind} · {first}—{last} 年")
        for column, label in zip(row[3:], "↑↓✕", strict=True):
            column.button(label, key=f"{label}-{n}")
    st.subheader("下载或放映")
    left, middle, right = st.columns(3)
    left.radio("演示文稿语言", ["中文", "English"], key="deck_lang")
    middle.download_button("下载 PowerPoint（.pptx）", b"", key="pptx")
    right.markdown("[全屏放映](/present)")
    st.button("清空演示文稿")
    st.subheader("保存演示稿")
    st.caption("保存后，任何能查看仪表盘的人都可打开、放映或下载。")
    with st.form("deck-save"):
        st.text_input("名称")
        st.radio("数据", ["始终用最新发布"])
        st.caption("要固定于某一发布，请先在侧栏选择显示该发布。")
        st.form_submit_button("保存")


def upload() -> None:
    """Templates, the uploader and the history of uploads."""
    working_sidebar()
    st.title("数据上传")
    first, last = (int(x) for x in query("SELECT min(year), max(year) FROM agreements").iloc[0])
    with st.expander("下载空白模板"):
        st.selectbox("模板年份", list(range(last, first - 1, -1)), key="template_year")
        for what in ("数据模板", "目标模板"):
            st.caption(what)
            for column, label in zip(st.columns(4), ("XLSX · 中文表头", "CSV · 中文表头", "XLSX · English headers",
                                                     "CSV · English headers"), strict=True):  # fmt: skip
                column.download_button(label, b"", key=f"{what}-{label}")
        st.download_button("当前大事列表（CSV，可编辑后重新上传）", b"", key="events_csv")
        st.caption("也可上传城市名单或大事列表。")
    st.text_input("您的姓名（记入上传与撤销记录）", key="by")
    st.file_uploader("选择文件，可多选", accept_multiple_files=True, key="files")
    st.subheader("上传记录")
    table(query("SELECT upload_id, created_at, file_name, kind, created_by, rows_inserted, status, undone_by "
                "FROM uploads ORDER BY upload_id DESC"))  # fmt: skip


def admin() -> None:
    """Accounts, sessions and backups."""
    working_sidebar()
    st.title("账户与备份")
    st.subheader("账户")
    users = query("SELECT name, role, created_at FROM users ORDER BY name")
    if users.empty:
        st.info("尚无账户，应用以本机单用户模式运行。")
    else:
        table(users)
    with st.expander("添加账户", expanded=users.empty), st.form("add_account"):  # open, as ours, with none yet
        st.text_input("账户名（或电子邮件）")
        st.selectbox("角色", ["查看者", "编辑", "管理员"])
        st.checkbox("通过单位身份提供方登录（无密码）")
        st.text_input("密码（至少 8 个字符）", type="password")
        st.text_input("再输入一次密码", type="password")
        st.form_submit_button("添加")
    st.subheader("登录会话")
    sessions = query("SELECT account, created_at, last_seen FROM sessions WHERE ended_at IS NULL")
    st.caption("目前没有以密码登录的会话。" if sessions.empty else f"{len(sessions)} 个会话")
    st.subheader("备份")
    st.caption("备份保存在数据库旁的 backups 文件夹；未设置定时备份。")
    st.button("立即备份")


def about() -> None:
    """The indicators' definitions, the rules, the index and the sources."""
    sidebar()
    st.title("指标说明与数据来源")
    st.subheader("指标定义")
    st.table(pd.DataFrame([{"指标": i.label_zh, "单位": getattr(i, "unit_zh", ""), "类型": i.kind,
                            "定义": i.description_zh, "键": i.key} for i in registry.INDICATORS]))  # fmt: skip
    st.popover("下载")
    st.markdown("- 比率在多城市、多年汇总时，为两项都报送的城市的**合计之比**。\n- 专家库人数是年末存量。")
    st.subheader("校验规则")
    st.caption("每次检查文件都按以下规则核对文件数值与已存数据。")
    overrides = query("SELECT * FROM rule_overrides")
    listed = [(r.id, f"{r.left} {r.operator} {r.right}", r.importance, r.missing) for r in rules.RULES]
    shown = pd.DataFrame(listed, columns=["规则", "说明", "重要性", "缺少一侧时"])
    st.table(shown.assign(状态="启用", 编号=len(overrides)))
    with st.expander("修改规则（管理员）"):
        st.selectbox("规则", [r[0] for r in listed], key="rule")
        with st.form("rule-form"):
            st.checkbox("启用", value=True)
            st.text_input("右侧（如 20*activities）")
            st.selectbox("重要性", ["高", "中", "低"])
            st.form_submit_button("保存")
    with st.expander("添加规则（管理员）"), st.form("rule-add"):
        st.text_input("规则编号")
        left, middle, right = st.columns([3, 2, 3])
        left.text_input("左侧")
        middle.selectbox("运算符", ["=", "≠", "<", "≤", ">", "≥", "同时填报或同时不填", "不可同时填报"])
        right.text_input("右侧")
        st.caption("每一侧可写指标键、数字、乘数、比值或上年值。")
        left, right = st.columns(2)
        left.selectbox("重要性", ["高", "中", "低"])
        right.selectbox("缺少一侧时", ["缺少一侧时跳过", "缺少一侧即视为违反"])
        st.text_input("中文名称")
        st.text_input("英文名称")
        st.form_submit_button("添加规则")
    st.subheader("考核评估")
    methods = query("SELECT name FROM index_methods")
    st.markdown(f"- 综合指数（默认方法）：6 项指标，等权。另有 {len(methods)} 个保存的方法。")
    st.subheader("数据来源")
    st.markdown("- 各试点城市（园区）向中国科协创新驱动助力工程报送的年度数据。")
    if query("SELECT value FROM meta WHERE key = 'sample_data' AND value = 'true'").shape[0]:
        st.warning("示例数据：演示数据，并非真实统计。")


def present() -> None:
    """Presentation mode: the first slide of the standard deck, full width, over the complete years, numbered among
    the deck's slides (seven, and the last complete year's index and targets when that year has them)."""
    first, last = complete_years()
    pilots = cities()
    now = values(last, last)
    now = now[now["city_code"].isin(pilots.loc[pilots["designated_year"] <= last, "city_code"])]
    reported = pd.DataFrame({key: own(now, key) for key in INDEX_KEYS}).notna().sum(axis=1)
    has_index = bool((reported >= len(INDEX_KEYS) * 2 / 3 - 1e-9).any())  # a pilot with an index: two thirds reported
    has_targets = not query("SELECT 1 FROM targets WHERE year = ? LIMIT 1", last).empty
    back, middle, forward, leave = st.columns([3, 12.5, 3, 3])
    back.button("上一张", key="present_back")
    top = middle.columns([1, 2])
    top[0].subheader(f"1 / {7 + int(has_index) + int(has_targets)}")
    top[1].segmented_control("屏幕", ["1920×1080", "1280×720"], key="screen")
    middle.caption("数据：工作数据（未发布）")
    forward.button("下一张", key="present_next")
    leave.markdown("[退出放映](/deck)")
    years = list(range(first, last + 1))
    count = [int((pilots["designated_year"] <= y).sum()) for y in years]
    shapes, notes = marks(first, last)
    bars = [{"type": "bar", "x": years, "y": count, "name": "试点城市（园区）数", "text": count}]
    chart(figure("试点城市（园区）数", bars, shapes, notes), "slide", toolbar=False)
