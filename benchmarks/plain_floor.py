"""The plain floor's common parts: a page as it would be written without the app's machinery.

Each plain page (plain_views.py, plain_work.py) reads the same database with its own SQL (DuckDB, bound parameters),
computes what our page shows with pandas, and draws the same elements (the same charts with the same traces and
points, the same tables with the same rows, the same metrics and widgets) from Plotly dicts it builds itself: no
caches, nothing of ui/ or of metrics' analysis and presentation layers (the registry's labels are plain constants).
Its first run beside our page's first run is the cold target's floor (benchmarks/pages.py).
"""

from __future__ import annotations

import os

import duckdb
import numpy as np
import pandas as pd
import streamlit as st

from metrics.domain import registry

BASE = tuple(i.key for i in registry.BASE_INDICATORS)
LABEL = {i.key: i.label_zh for i in registry.BASE_INDICATORS}
TABLE = {i.key: i.table for i in registry.BASE_INDICATORS}
REGIONS = {"east": "东部", "central": "中部", "west": "西部", "northeast": "东北"}
KINDS = {"city": "城市", "park": "园区"}
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")
SAMPLE = "示例数据：按中国科协公布的2014—2016年项目总数校准的演示数据，各城市数值和目标值为示意，并非真实统计。"
VALUES = """
    SELECT city_code, year, m.activities, m.experts_participating, m.enterprises_participating, a.agreements,
           a.contract_value_10k_cny, s.stations_founded, s.subcenters_founded, e.experts_in_pool
    FROM matching_activities m FULL JOIN agreements a USING (city_code, year)
         FULL JOIN service_stations s USING (city_code, year) FULL JOIN experts e USING (city_code, year)
    WHERE year BETWEEN ? AND ?"""

_CONNECTIONS: dict[str, duckdb.DuckDBPyConnection] = {}  # the process's connection to each database (not a cache
# of results)


def query(sql: str, *params) -> pd.DataFrame:
    """The rows of a query with bound parameters, as a frame."""
    path = os.environ["PILOT_DB"]
    if path not in _CONNECTIONS:
        _CONNECTIONS[path] = duckdb.connect(path)
    with _CONNECTIONS[path].cursor() as cur:
        return cur.execute(sql, list(params)).df()


def values(first: int, last: int) -> pd.DataFrame:
    """Every pilot's base figures per year (city_code, year, a column per base indicator)."""
    return query(VALUES, first, last)


def cities(scope: str = "TRUE") -> pd.DataFrame:
    """The pilots (of the sidebar's choice), by code."""
    return query(f"SELECT * FROM cities WHERE {scope} ORDER BY city_code")


REPORTED = " UNION ".join(f"SELECT city_code, year FROM {t}" for t in sorted(set(TABLE.values())))


def complete_years() -> tuple[int, int]:
    """The first and the last year whose figures are complete: not in an open round, and with figures from at least
    four in five of the pilots designated by then (a later year is still being collected)."""
    years = query(f"""WITH reported AS ({REPORTED})
        SELECT r.year, count(*) FILTER (WHERE c.designated_year <= r.year) AS reported,
               (SELECT count(*) FROM cities d WHERE d.designated_year <= r.year) AS designated,
               (SELECT count(*) FROM rounds o WHERE o.year = r.year AND o.closed_at IS NULL) AS open
        FROM reported r JOIN cities c USING (city_code) GROUP BY r.year ORDER BY r.year""")  # fmt: skip
    done = years[(years["open"] == 0) & (years["reported"] >= 0.8 * years["designated"])]
    return int(years["year"].min()), int(done["year"].max())


def sidebar(working: bool = False) -> tuple[int, int, str, bool]:
    """The shared sidebar as ours draws it (on a page about the working data, a note instead of the data's choice);
    the years chosen, a WHERE clause on cities for the pilots chosen, and whether charts mark events."""
    releases = query("SELECT name FROM releases WHERE withdrawn_at IS NULL ORDER BY published_at DESC")
    first, last = complete_years()
    batches = query("SELECT DISTINCT batch FROM cities ORDER BY 1")["batch"].tolist()
    users = query("SELECT count(*) AS n FROM users")["n"].iloc[0]
    with st.sidebar:
        st.radio("语言", ["中文", "English"], key="lang", horizontal=True)
        if working:
            st.caption("本页显示工作数据（发布版本不适用）。")
        else:
            st.selectbox("数据版本", [*releases["name"], "工作数据"], index=len(releases), key="release")
            st.caption("未发布：当前载入的数据，随上传、撤销和审核变化")
        years = st.slider("年份", first, last, (first, last), key="years")
        regions = st.multiselect("地区", list(REGIONS), format_func=REGIONS.get, key="region")
        kinds = st.multiselect("类型", list(KINDS), format_func=KINDS.get, key="kind")
        chosen = st.multiselect("试点批次", batches, format_func=lambda b: f"第{b}批", key="batch")
        events = st.toggle("图中标注批次与大事", value=True, key="events")
        st.caption("本机单用户模式：尚未设置账户，能打开本页面的人都可修改数据。" if not users else "已登录")
        st.caption("试点城市创新仪表盘")
    banner()
    where = [f"region IN ({', '.join(repr(r) for r in regions)})"] if regions else []
    where += [f"kind IN ({', '.join(repr(k) for k in kinds)})"] if kinds else []
    where += [f"batch IN ({', '.join(str(int(b)) for b in chosen)})"] if chosen else []
    return int(years[0]), int(years[1]), " AND ".join(where) or "TRUE", events


def working_sidebar() -> None:
    """The sidebar of a page about the working data (upload, round, admin)."""
    sidebar(working=True)


def banner() -> None:
    """The sample-data notice, when the database holds the sample."""
    if query("SELECT value FROM meta WHERE key = 'sample_data' AND value = 'true'").shape[0]:
        st.info(SAMPLE)


def marks(first: int, last: int, scope: str = "TRUE", events: bool = True) -> tuple[list[dict], list[dict]]:
    """The shapes and annotations marking batch designations (of the pilots chosen) and programme events."""
    if not events:
        return [], []
    batches = query(f"SELECT designated_year AS year, min(batch) AS b, count(*) AS n FROM cities WHERE {scope} "
                    "GROUP BY 1 HAVING designated_year BETWEEN ? AND ? ORDER BY 1", first, last)  # fmt: skip
    listed = query("SELECT year(event_date) AS year, title_zh FROM events WHERE year(event_date) BETWEEN ? AND ? "
                   "ORDER BY event_date", first, last)  # fmt: skip
    lines = [(int(r.year), f"第{r.b}批试点（{r.n}个）") for r in batches.itertuples()]
    lines += [(int(r.year), f"{chr(0x2460 + i)} {r.title_zh}") for i, r in enumerate(listed.itertuples())]
    shapes = [{"type": "line", "x0": y, "x1": y, "yref": "paper", "y0": 0, "y1": 1, "line": {"dash": "dot"}}
              for y, _ in lines]  # fmt: skip
    notes = [{"x": y, "yref": "paper", "y": 1, "text": label, "showarrow": False} for y, label in lines]
    return shapes, notes


def figure(title: str, traces: list[dict], shapes=(), notes=(), **layout) -> dict:
    """A Plotly figure as a dict: traces, a title, a source line under it."""
    source = {"text": "来源：示例数据 · 数据：工作数据（未发布）", "xref": "paper", "yref": "paper", "x": 0, "y": -0.2,
              "showarrow": False}  # fmt: skip
    return {"data": traces, "layout": {"title": {"text": title}, "shapes": list(shapes),
                                       "annotations": [*notes, source], **layout}}  # fmt: skip


def chart(fig: dict, key: str, toolbar: bool = True) -> None:
    """Draw a figure, with the add-to-deck button and the download menu under it as ours has."""
    st.plotly_chart(fig, theme=None, key=key, config={"displaylogo": False})
    if toolbar:
        bar = st.container(horizontal=True)
        bar.button("加入演示文稿", key=f"deck-{key}", type="tertiary")
        bar.popover("下载")


def table(frame: pd.DataFrame, download: bool = True, **kwargs) -> None:
    """A table, with its download menu."""
    st.dataframe(frame, hide_index=True, **kwargs)
    if download:
        st.popover("下载")


def like_for_like(frame: pd.DataFrame, key: str, year: int) -> float:
    """Growth in percent over the pilots that reported the indicator in both years."""
    wide = frame[frame["year"].isin((year - 1, year))].pivot_table(index="city_code", columns="year", values=key)
    if year not in wide or year - 1 not in wide:
        return float("nan")
    both = wide[[year - 1, year]].dropna()
    before = both[year - 1].sum()
    return float((both[year].sum() / before - 1) * 100) if before else float("nan")


def ranks(frame: pd.DataFrame, key: str, year: int) -> pd.DataFrame:
    """Pilots ranked by a base indicator or a ratio in a year (1 the highest), with the move on the year before."""
    wide = frame[frame["year"].isin((year - 1, year))].assign(v=own(frame, key))
    wide = wide.pivot_table(index="city_code", columns="year", values="v")
    now = wide.get(year, pd.Series(dtype=float))
    before = wide.get(year - 1, pd.Series(index=wide.index, dtype=float))
    out = pd.DataFrame({"value": now, "rank": now.rank(ascending=False, method="min"),
                        "previous_rank": before.rank(ascending=False, method="min")})  # fmt: skip
    out["rank_change"] = out["previous_rank"] - out["rank"]
    return out[out["value"].notna()].sort_values(["rank", "value"]).reset_index()


RATIOS = {"agreements_per_activity": ("agreements", "activities"),
          "value_per_agreement_10k_cny": ("contract_value_10k_cny", "agreements")}  # fmt: skip


def own(frame: pd.DataFrame, key: str) -> pd.Series:
    """A pilot's own value of a base indicator or a ratio (its numerator over its denominator)."""
    if key in RATIOS:
        num, den = (frame[c].astype(float) for c in RATIOS[key])
        return (num / den).where(den > 0)
    return frame[key].astype(float)


INDEX_KEYS = ("activities", "agreements", "contract_value_10k_cny", "stations_founded", "experts_in_pool",
              "agreements_per_activity")  # fmt: skip
GROUPS = (("leaders", "领先", 1.25, True), ("strong", "较强", 1.0, False), ("moderate", "中等", 0.7, False),
          ("emerging", "追赶", -np.inf, False))  # fmt: skip


def composite(frame: pd.DataFrame, pilots: pd.DataFrame, years: range) -> pd.DataFrame:
    """The composite index of each year (equal weights, square roots of skewed indicators, min-max to 0-100, two
    thirds reported): a row per pilot designated by then and year, with its scores, index, group and rank, each
    year best first."""
    grid = pilots[["city_code", "designated_year"]].merge(pd.DataFrame({"year": list(years)}), how="cross")
    here = grid[grid["designated_year"] <= grid["year"]].merge(frame, on=["city_code", "year"], how="left")
    scores = here[["city_code", "year"]].copy()
    by = here["year"].to_numpy()
    for key in INDEX_KEYS:
        column = own(here, key).astype(float)
        grouped = column.groupby(by)
        d = column - grouped.transform("mean")
        m2 = (d**2).groupby(by).transform("mean")
        skew = (d**3).groupby(by).transform("mean") / m2**1.5
        column = column.where(~(skew > 1), np.sqrt(column))
        low, high = column.groupby(by).transform("min"), column.groupby(by).transform("max")
        scores[key] = ((column - low) / (high - low) * 100).where(high != low, column.where(column.isna(), 100.0))
    matrix = scores[list(INDEX_KEYS)]
    scores["index"] = matrix.mean(axis=1).where(matrix.notna().sum(axis=1) / len(INDEX_KEYS) >= 2 / 3 - 1e-9)
    relative = (scores["index"] / scores.groupby("year")["index"].transform("mean")).round(9)
    scores["group"] = None
    for key, _, bound, strict in reversed(GROUPS):  # the highest group a pilot reaches is the last set
        scores.loc[relative > bound if strict else relative >= bound, "group"] = key
    scores["rank"] = scores.groupby("year")["index"].rank(ascending=False, method="min")
    return scores.sort_values(["year", "index"], ascending=[True, False], na_position="last", ignore_index=True)


def achievement(year: int, frame: pd.DataFrame, scope: str = "TRUE") -> pd.DataFrame:
    """Every target of a year with the pilot's actual, its share and status; each pilot's status beside."""
    targets = query(f"SELECT t.city_code, t.indicator, t.target FROM targets t JOIN cities c USING (city_code) "
                    f"WHERE t.year = ? AND {scope} ORDER BY 1, 2", year)  # fmt: skip
    actual = frame[frame["year"] == year].melt(id_vars="city_code", value_vars=list(BASE), var_name="indicator",
                                               value_name="actual")  # fmt: skip
    out = targets.merge(actual, on=["city_code", "indicator"], how="left")
    out = out.astype({"target": float, "actual": float})
    out["share"] = (out["actual"] / out["target"]).where(out["target"] > 0)
    conditions = [out["actual"].isna(), out["actual"] >= out["target"], out["actual"] >= out["target"] * 0.8]
    out["status"] = np.select(conditions, ["no_actual", "met", "nearly"], "missed")
    return out


STATUSES = {"met": "已完成", "nearly": "基本完成", "missed": "未完成", "no_actual": "缺实际值"}


def pilot_statuses(achieved: pd.DataFrame) -> pd.DataFrame:
    """Each pilot's status over its targets and its mean share (capped at 150%), best first."""
    frame = achieved.assign(capped=achieved["share"].clip(upper=1.5).where(achieved["status"] != "no_actual", 0.0))
    flags = pd.DataFrame({s: frame["status"] == s for s in STATUSES}).assign(city_code=frame["city_code"])
    by = flags.groupby("city_code")
    every, some = by.all(), by.any()
    status = np.select([every["met"], some["missed"], some["no_actual"]], ["met", "missed", "no_actual"], "nearly")
    mean = frame.groupby("city_code")["capped"].mean()
    out = pd.DataFrame({"city_code": every.index, "status": status, "mean_share": mean.reindex(every.index).to_numpy()})
    return out.sort_values("mean_share", ascending=False)


FLOWS = {i.key for i in registry.BASE_INDICATORS if i.kind == "flow"}


def outliers(frame: pd.DataFrame, first: int, last: int, codes=None) -> pd.DataFrame:
    """Values of the years that stand out from the pilot's own five years before or from the year's other pilots
    (modified z-score over 3.5 on the median and MAD, flows on log1p): city_code, year, indicator, reason."""
    long = frame.melt(id_vars=["city_code", "year"], value_vars=list(BASE), var_name="indicator").dropna()
    log = long["indicator"].isin(FLOWS)
    long = long.assign(log=log, scaled=np.where(log, np.log1p(long["value"].clip(lower=0)), long["value"]))
    now = long[long["year"].between(first, last)]
    by = [now["year"], now["indicator"]]
    median = now["scaled"].groupby(by).transform("median")
    mad = (now["scaled"] - median).abs().groupby(by).transform("median")
    count = now["scaled"].groupby(by).transform("count")
    found = [_flagged(now, median, mad, count >= 8, "peers")]
    if codes is not None:
        now, long = now[now["city_code"].isin(codes)], long[long["city_code"].isin(codes)]
    keys = ["city_code", "indicator", "year"]
    pairs = now[keys].merge(long[["city_code", "indicator", "year", "scaled"]].rename(columns={"year": "past"}),
                            on=["city_code", "indicator"])  # fmt: skip
    pairs = pairs[(pairs["past"] < pairs["year"]) & (pairs["past"] >= pairs["year"] - 5)]
    pairs = pairs.assign(median=pairs.groupby(keys)["scaled"].transform("median"))
    stats = pairs.assign(dev=(pairs["scaled"] - pairs["median"]).abs()).groupby(keys).agg(
        median=("median", "first"), mad=("dev", "median"), n=("scaled", "count")).reset_index()  # fmt: skip
    joined = now.merge(stats, on=keys, how="left")
    found.append(_flagged(joined, joined["median"], joined["mad"], joined["n"].fillna(0) >= 3, "own_history"))
    out = pd.concat(found, ignore_index=True)
    return out if codes is None else out[out["city_code"].isin(codes)]


def _flagged(now: pd.DataFrame, median: pd.Series, mad: pd.Series, enough: pd.Series, reason: str) -> pd.DataFrame:
    floor = np.where(now["log"], 0.3, np.maximum(0.1 * median.abs(), 1.0))
    z = 0.6745 * (now["scaled"] - median) / np.maximum(mad.fillna(0), floor)
    return now.loc[(enough & (z.abs() > 3.5)).to_numpy(), ["city_code", "year", "indicator"]].assign(reason=reason)


def broken_rules(frame: pd.DataFrame) -> pd.DataFrame:
    """The default cross-indicator rules each pilot-year breaks (a side not reported: skipped): city_code, year,
    indicator, reason ('rule')."""
    query("SELECT * FROM rule_overrides")  # an officer's changes to the rules, none in the sample
    f = frame.sort_values(["city_code", "year"])
    pool_before = f.groupby("city_code")["experts_in_pool"].shift()
    value = f["contract_value_10k_cny"] / f["agreements"].where(f["agreements"] > 0)
    checks = {
        "subcenters_founded": f["subcenters_founded"] > f["stations_founded"],
        "agreements": f["agreements"] > 20 * f["activities"],
        "contract_value_10k_cny": (value < 0.1) | (value > 50_000),
        "experts_participating": f["experts_participating"] < f["activities"],
        "experts_in_pool": f["experts_in_pool"] < 0.5 * pool_before,
    }
    both = f["contract_value_10k_cny"].isna() != f["agreements"].isna()
    frames = [f.loc[mask, ["city_code", "year"]].assign(indicator=key) for key, mask in checks.items()]
    frames.append(f.loc[both, ["city_code", "year"]].assign(indicator="contract_value_10k_cny"))
    return pd.concat(frames, ignore_index=True).assign(reason="rule")


def review(frame: pd.DataFrame, first: int, last: int, codes=None) -> pd.DataFrame:
    """Every flag of the years (outliers and broken rules) with its stored decision, if any."""
    rules = broken_rules(frame[frame["year"].between(first - 1, last)])
    rules = rules[rules["year"].between(first, last) & (True if codes is None else rules["city_code"].isin(codes))]
    flags = pd.concat([outliers(frame, first, last, codes), rules], ignore_index=True)
    decided = query("SELECT city_code, year, indicator, reason, status FROM flags WHERE year BETWEEN ? AND ?",
                    first, last)  # fmt: skip
    return flags.merge(decided, on=["city_code", "year", "indicator", "reason"], how="left")
