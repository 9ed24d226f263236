"""The plain floor's pages of figures: overview, city profile, compare, map and assessment (see plain_floor.py)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from benchmarks.plain_floor import (
    BASE,
    COLOURS,
    GROUPS,
    INDEX_KEYS,
    LABEL,
    REGIONS,
    STATUSES,
    achievement,
    chart,
    cities,
    composite,
    figure,
    like_for_like,
    marks,
    own,
    pilot_statuses,
    query,
    ranks,
    review,
    sidebar,
    table,
    values,
)

CORE = ("activities", "stations_founded", "agreements", "experts_in_pool")


def _events_caption(first: int, last: int) -> None:
    listed = query("SELECT year(event_date) AS y, title_zh FROM events WHERE year(event_date) BETWEEN ? AND ? "
                   "ORDER BY event_date", first, last)  # fmt: skip
    st.caption(" · ".join(f"{chr(0x2460 + i)} {r.y} {r.title_zh}" for i, r in enumerate(listed.itertuples())))


def _line(name: str, x, y, colour: str, **extra) -> dict:
    return {"type": "scatter", "mode": "lines+markers", "name": name, "x": list(x), "y": list(y),
            "line": {"color": colour}, **extra}  # fmt: skip


def overview() -> None:
    """Headline figures, targets, highlights, totals since 2014, pilots over time and the core trends."""
    first, last, scope, events = sidebar()
    pilots = cities(scope)
    frame = values(2000, last)
    frame = frame[frame["city_code"].isin(pilots["city_code"])]
    designated = pilots[pilots["designated_year"] <= last]
    st.title("试点城市创新仪表盘")
    st.caption(f"中国科协创新驱动助力工程试点城市与园区的逐年工作数据  \n项目概览：{first}—{last} 年，所选试点合计")
    st.subheader(f"{last} 年主要指标")
    columns = st.columns(2)
    by_year = frame.groupby("year")[list(CORE)]
    total, reporting = by_year.sum(min_count=1), by_year.count()
    for i, key in enumerate(CORE):
        now, before = total.at[last, key], total.at[last - 1, key]
        growth = like_for_like(frame, key, last)
        with columns[i % 2].container():
            st.metric(LABEL[key], f"{now:,.0f}")
            st.caption(f"{reporting.at[last, key]}/{len(designated)} 个试点已报送 · 上年 {before:,.0f} · "
                       f"合计 {(now / before - 1) * 100:+.1f}%，同口径 {growth:+.1f}%")  # fmt: skip
    if last in query("SELECT DISTINCT year FROM targets")["year"].tolist():
        st.subheader(f"{last} 年目标完成情况")
        statuses = pilot_statuses(achievement(last, frame, scope))
        for column, (key, name) in zip(st.columns(4), STATUSES.items(), strict=True):
            column.metric(name, f"{(statuses['status'] == key).sum()} / {len(statuses)}")
        st.markdown("[完成率排名与综合指数](/assessment)")
    st.subheader(f"{last} 年要点")
    st.markdown("\n".join(_highlights(frame, pilots, last)))
    st.subheader("2014 年以来累计")
    since = frame[frame["year"].between(2014, last)]
    flows = ("activities", "agreements", "stations_founded", "subcenters_founded")
    st.markdown(" · ".join(f"{LABEL[k]} **{since[k].sum():,.0f}**" for k in flows))
    years = list(range(first, last + 1))
    shapes, notes = marks(first, last, scope, events)
    count = [int((pilots["designated_year"] <= y).sum()) for y in years]
    bars = [{"type": "bar", "x": years, "y": count, "name": "试点城市（园区）数", "text": count}]
    chart(figure("试点城市（园区）数", bars, shapes, notes), "pilots")
    _events_caption(first, last)
    st.subheader("主要指标趋势")
    columns = st.columns(2)
    trends = total.reindex(years)
    for i, key in enumerate(CORE):
        with columns[i % 2]:
            chart(figure(LABEL[key], [_line(LABEL[key], years, trends[key], COLOURS[0])], shapes, notes), f"t-{key}")


def _highlights(frame: pd.DataFrame, pilots: pd.DataFrame, last: int) -> list[str]:
    names = dict(zip(pilots["city_code"], pilots["name_zh"], strict=True))
    out = []
    totals = frame.groupby("year")[list(CORE)].sum(min_count=1)
    for key in CORE:
        by_year = totals[key]
        record = by_year.get(last, 0) > by_year[by_year.index < last].max()
        out.append(f"- {last} 年{LABEL[key]}：{by_year.get(last, 0):,.0f}，同口径比上年增长 "
                   f"{like_for_like(frame, key, last):.1f}%{'，为项目开展以来最高' if record else ''}。")  # fmt: skip
    two = frame[frame["year"].isin((last - 1, last))].pivot_table(index="city_code", columns="year", values=list(CORE))
    for key in CORE:
        change = (two[(key, last)] - two[(key, last - 1)]).dropna().sort_values(kind="stable")
        if len(change):
            out.append(f"- {LABEL[key]}增加最多的是{names[change.index[-1]]}：增加 {change.iloc[-1]:,.0f}。")
    missing = pilots.loc[~pilots["city_code"].isin(frame.loc[frame["year"] == last, "city_code"]), "name_zh"]
    if len(missing):
        out.append(f"- 尚未报送 {last} 年数据：{'、'.join(missing.head(5))}等 {len(missing)} 个。")
    return out


def city() -> None:
    """One pilot's standing, its index, targets and every indicator against its batch's median."""
    first, last, scope, events = sidebar()
    pilots = cities(scope)
    everyone = cities()
    frame = values(2000, last)
    leader = ranks(frame[frame["city_code"].isin(pilots["city_code"])], "agreements", last)["city_code"]
    codes = pilots["city_code"].tolist()
    shown = dict(zip(codes, pilots["name_zh"] + " · " + pilots["name_en"], strict=True))
    code = st.selectbox("城市或园区", codes, index=codes.index(leader.iloc[0]), format_func=shown.get, key="city")
    me = pilots.set_index("city_code").loc[code]
    st.title(me["name_zh"])
    st.caption(f"{me['province_zh']} · {REGIONS[me['region']]} · 第{me['batch']}批试点，{me['designated_year']}年命名")
    st.subheader(f"{last} 年在全部试点中的位次")
    rows = []
    for key in BASE:
        ranked = ranks(frame, key, last).set_index("city_code")
        mine = frame[(frame["city_code"] == code) & (frame["year"] >= me["designated_year"])].dropna(subset=[key])
        growth = "—"
        if len(mine) >= 2 and mine[key].iloc[0] > 0:
            growth = f"{(mine[key].iloc[-1] / mine[key].iloc[0] - 1) * 100:+.1f}%"
        here = ranked.loc[code] if code in ranked.index else None
        rows.append({"指标": LABEL[key], "数值": "—" if here is None else f"{here['value']:,.0f}",
                     "位次": "—" if here is None else f"{int(here['rank'])} / {len(ranked)}",
                     "较上年": "" if here is None else str(here["rank_change"]), "命名以来增长": growth})  # fmt: skip
    table(pd.DataFrame(rows))
    index = composite(frame, everyone, range(last, last + 1)).set_index("city_code")
    if code in index.index and pd.notna(index.at[code, "index"]):
        mine = index.loc[code]
        st.markdown(f"{last} 年综合指数（默认方法）：{mine['index']:.1f}（第 {int(mine['rank'])} 位，"
                    f"共 {index['index'].notna().sum()} 个）")  # fmt: skip
        st.markdown("[查看考核评估](/assessment)")
    target_years = query("SELECT DISTINCT year FROM targets ORDER BY 1")["year"].tolist()
    if target_years:
        year = next((y for y in reversed(target_years) if y <= last), target_years[0])
        achieved = achievement(year, frame, f"city_code = '{code}'")
        st.subheader(f"{year} 年目标完成情况")
        st.caption(f"总体：{STATUSES[pilot_statuses(achieved)['status'].iloc[0]]}。")
        table(achieved.assign(indicator=achieved["indicator"].map(LABEL)))
    st.subheader("各指标走势（对比同批次试点中位数）")
    release = query("SELECT release_id, published_at FROM releases WHERE withdrawn_at IS NULL "
                    "ORDER BY published_at DESC LIMIT 1")  # fmt: skip
    revised = query("SELECT h.year, h.column_name FROM cell_history h JOIN uploads u USING (upload_id) "
                    "WHERE h.city_code = ? AND u.created_at > ?", code, release["published_at"].iloc[0])  # fmt: skip
    flags = review(frame, first, last, [code])
    peers = everyone.loc[(everyone["batch"] == me["batch"]) & (everyone["city_code"] != code), "city_code"]
    years = list(range(first, last + 1))
    span = frame[frame["year"].between(first, last)]
    median = span[span["city_code"].isin(peers)].groupby("year")[list(BASE)].median().reindex(years)
    mine = span[span["city_code"] == code].set_index("year").reindex(years)
    shapes, notes = marks(first, last, f"city_code = '{code}'", events)
    columns = st.columns(2)
    for i, key in enumerate(BASE):
        ringed = set(flags.loc[flags["indicator"] == key, "year"]) | set(revised.loc[revised["column_name"] == key,
                                                                                      "year"])  # fmt: skip
        size = [10 if y in ringed else 7 for y in years]
        lines = [_line(me["name_zh"], years, mine[key], COLOURS[0], marker={"size": size}),
                 _line(f"第{me['batch']}批试点中位数", years, median[key], "#999999")]  # fmt: skip
        with columns[i % 2]:
            chart(figure(f"{me['name_zh']} · {LABEL[key]}", lines, shapes, notes), f"city-{key}")
            if ringed:
                st.caption("带圈的数值有核实标记：悬停可见原因与处理情况。")
    _events_caption(first, last)


def compare() -> None:
    """Five pilots on one indicator: their lines, a slope chart and the ranking."""
    first, last, scope, events = sidebar()
    pilots = cities(scope)
    frame = values(2000, last)
    frame = frame[frame["city_code"].isin(pilots["city_code"])]
    names = dict(zip(pilots["city_code"], pilots["name_zh"], strict=True))
    st.title("城市对比")
    left, middle, right = st.columns([2, 2, 1])
    key = left.selectbox("指标", list(BASE), index=3, format_func=LABEL.get, key="indicator")
    mode = middle.radio("显示方式", ["absolute", "change", "indexed", "share"], key="mode", horizontal=True)
    ranking = ranks(frame, key, last)
    pick, bring, draw = st.columns([4, 1, 1])
    chosen = pick.multiselect("城市或园区", list(names), default=ranking["city_code"].head(5).tolist(),
                              format_func=names.get, key="cities", max_selections=12)  # fmt: skip
    bring.selectbox("突出显示", ["", *chosen], key="focus")
    draw.radio("图形", ["compare", "multiples"], key="chart")
    years = list(range(first, last + 1))
    shown = frame[frame["city_code"].isin(chosen) & frame["year"].between(first, last)]
    wide = shown.pivot_table(index="year", columns="city_code", values=key).reindex(years)
    if mode == "change":
        wide = wide.diff()
    shapes, notes = marks(first, last, f"city_code IN ({', '.join(repr(c) for c in chosen)})", events)
    lines = [_line(names[c], years, wide.get(c, [None] * len(years)), COLOURS[i % 9]) for i, c in enumerate(chosen)]
    chart(figure(f"{LABEL[key]} · 数值", lines, shapes, notes), "compare-lines")
    _events_caption(first, last)
    left, right = st.columns([3, 2])
    with left:
        ends = [first, last]
        slopes = [_line(names[c], ends, [wide[c].dropna().iloc[0], wide.at[last, c]], COLOURS[i % 9])
                  for i, c in enumerate(chosen)]  # fmt: skip
        chart(figure(f"{LABEL[key]} · {first} 年与 {last} 年", slopes), "slope")
        late = [f"{names[c]} {wide[c].first_valid_index()}" for c in chosen if pd.isna(wide.at[first, c])]
        st.caption(f"{first} 年尚无数值的城市从其首个报送年份画起：{'、'.join(late)}。")
    with right:
        st.subheader(f"{last} 年排名")
        _ranking(ranking, names)


def _ranking(ranking: pd.DataFrame, names: dict) -> None:
    table(pd.DataFrame({"位次": ranking["rank"].astype(int), "城市": ranking["city_code"].map(names),
                        "数值": ranking["value"], "较上年": ranking["rank_change"]}))  # fmt: skip


def map_page() -> None:
    """The pilots as points sized by an indicator, by region, and the ranking."""
    first, last, scope, _ = sidebar()
    pilots = cities(scope)
    st.title("试点分布")
    left, right = st.columns([3, 1])
    key = left.selectbox("点的大小表示", list(BASE), index=3, format_func=LABEL.get, key="indicator")
    year = right.selectbox("年份", list(range(first, last + 1)), index=last - first, key="year")
    frame = values(year - 1, year)
    frame = frame[frame["city_code"].isin(pilots["city_code"])]
    now = pilots.merge(frame[frame["year"] == year][["city_code", key]], on="city_code", how="left")
    shown, missing = now[now[key].notna()], now[now[key].isna()]
    largest = shown[key].max()
    named = set(shown.nlargest(15, key)["city_code"])
    traces = [{"type": "scatter", "mode": "markers+text", "name": REGIONS[r], "x": group["lon"].tolist(),
               "y": group["lat"].tolist(), "hovertext": group["name_zh"].tolist(),
               "text": [n if c in named else "" for c, n in zip(group["city_code"], group["name_zh"], strict=True)],
               "marker": {"size": (10 + 40 * (group[key] / largest) ** 0.5).tolist()}}
              for r, group in shown.groupby("region")]  # fmt: skip
    traces.append({"type": "scatter", "mode": "markers", "name": "未报送", "x": missing["lon"].tolist(),
                   "y": missing["lat"].tolist(), "hovertext": missing["name_zh"].tolist()})  # fmt: skip
    sizes = [largest / 4, largest / 2, largest]
    traces.append({"type": "scatter", "mode": "markers", "name": "大小", "x": [75, 77, 80], "y": [20, 20, 20],
                   "marker": {"size": [10 + 40 * (v / largest) ** 0.5 for v in sizes]}})  # fmt: skip
    chart(figure(f"{LABEL[key]} · {year}", traces), "map")
    st.caption("按经纬度绘制的点位示意图，不含行政区划边界与底图；颜色表示东、中、西、东北地区。")
    st.subheader(f"{year} 年排名")
    _ranking(ranks(frame, key, year), dict(zip(pilots["city_code"], pilots["name_zh"], strict=True)))


def assessment() -> None:
    """The composite index of a year, its trend for five pilots, one pilot's composition, weights and targets."""
    _, last, scope, _ = sidebar()
    everyone = cities()
    names = dict(zip(everyone["city_code"], everyone["name_zh"], strict=True))
    frame = values(2000, last)
    span = range(int(frame["year"].min()), last + 1)
    history = composite(frame, everyone, span)
    years = sorted(set(history.loc[history["index"].notna(), "year"]), reverse=True)
    st.title("考核评估")
    left, right = st.columns([1, 2])
    year = left.selectbox("年份", years, key="assess_year")
    right.selectbox("指数方法", ["默认方法"], key="method")
    with st.expander("指数如何计算"):
        st.markdown("6 项指标，等权：" + "、".join(LABEL.get(k, "场均签约数") for k in INDEX_KEYS) + "。")
    result = history[history["year"] == year]
    st.subheader(f"{year} 年综合指数与分组")
    for column, (key, name, *_) in zip(st.columns(4), GROUPS, strict=True):
        column.metric(name, int((result["group"] == key).sum()))
    bars = [{"type": "bar", "orientation": "h", "name": name, "y": part["city_code"].map(names).tolist(),
             "x": part["index"].tolist()} for key, name, *_ in GROUPS
            for part in [result[result["group"] == key]]]  # fmt: skip
    chart(figure(f"综合指数 · {year} · 默认方法", bars), "index")
    short = result.loc[result["index"].isna(), "city_code"].map(names)
    st.caption(f"数据不足（所报指标的权重不足三分之二），未计入排名：{'、'.join(short)}。")
    st.subheader("指数走势与位次变化")
    top = result["city_code"].head(5).tolist()
    chosen = st.multiselect("城市或园区", list(names), default=top, format_func=names.get, key="index_cities")
    mine = history[history["city_code"].isin(chosen)]
    lines = [_line(names[c], part["year"], part["index"], COLOURS[i % 9])
             for i, (c, part) in enumerate(mine.groupby("city_code", sort=False))]  # fmt: skip
    chart(figure("综合指数走势 · 默认方法", lines), "index-trend")
    ranks = mine.pivot_table(index="city_code", columns="year", values="rank")
    table(ranks.rename(index=names, columns=str).reset_index())
    st.subheader("单个试点的指数构成")
    ranked = result.dropna(subset=["index"])["city_code"].tolist()
    code = st.selectbox("城市或园区", ranked, format_func=names.get, key="assess_city")
    row = result.set_index("city_code").loc[code]
    parts = [{"type": "bar", "x": [LABEL.get(k, k) for k in INDEX_KEYS], "y": [row[k] / 6 for k in INDEX_KEYS]}]
    chart(figure(f"{names[code]} · 综合指数构成 · {year} · 默认方法", parts), "breakdown")
    st.caption(f"综合指数 {row['index']:.1f}（第 {int(row['rank'])} 位）= 各项贡献之和。")
    mine = frame[(frame["year"] == year) & (frame["city_code"] == code)]
    table(pd.DataFrame({"指标": [LABEL.get(k, k) for k in INDEX_KEYS],
                        "本市数值": [own(mine, k).iloc[0] for k in INDEX_KEYS],
                        "得分": [row[k] for k in INDEX_KEYS], "权重": 1.0,
                        "对综合指数的贡献": [row[k] / 6 for k in INDEX_KEYS]}))  # fmt: skip
    st.subheader("改变权重会怎样")
    st.caption("修改下面的权重（0 表示不用该指标），即可看到各试点在两种方法下的位次。")
    weights = [*BASE, "agreements_per_activity", "value_per_agreement_10k_cny"]
    for start in range(0, len(weights), 4):
        for column, key in zip(st.columns(4), weights[start : start + 4], strict=False):
            column.number_input(LABEL.get(key, key), value=1.0 if key in INDEX_KEYS else 0.0, key=f"w-{key}")
    st.info("权重未改动：改动上面的权重，这里会列出两种方法下的位次。")
    st.subheader("目标完成情况")
    st.caption("目标完成情况按侧栏所选的试点统计。")
    achieved = achievement(year, frame, scope)
    statuses = pilot_statuses(achieved)
    for column, (key, name) in zip(st.columns(4), STATUSES.items(), strict=True):
        column.metric(name, f"{(statuses['status'] == key).sum()} / {len(statuses)}")
    bars = [{"type": "bar", "orientation": "h", "name": name, "y": part["city_code"].map(names).tolist(),
             "x": (part["mean_share"] * 100).tolist()} for key, name in STATUSES.items()
            for part in [statuses[statuses["status"] == key]]]  # fmt: skip
    chart(figure(f"目标完成率 · {year}", bars), "targets")
    st.caption("完成率为各项目标完成率的平均（单项最多计 150%，未报送计 0）。")
    with st.expander("每项目标"):
        table(achieved.assign(city_code=achieved["city_code"].map(names), indicator=achieved["indicator"].map(LABEL)))
