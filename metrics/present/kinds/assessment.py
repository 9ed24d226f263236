"""The assessment's charts, resolved like every other (chart_data.ChartData): the ranking of a year's index coloured by
performance group, pilots' index over the years, one pilot's index taken apart into its indicators, and the
ranking by share of targets achieved. Every index chart names the method that made it."""

from __future__ import annotations

import functools
import math

import pandas as pd

from ...analysis import index as composite
from ...analysis import targets as achievement
from ...domain import registry
from ...domain.formatting import format_value
from ...domain.i18n import Text
from ...domain.index_method import DEFAULT_METHOD, GROUPS, Method, coverage_text, group, method_label
from ...domain.programme import Scope
from ...store.index_methods import get_method
from ...store.series import year_span
from ...store.transactions import Cursor
from .. import miniatures, rank_charts, slide_charts, year_charts
from ..assessment_tables import achievement_table, index_ranking_table
from ..chart_data import ALL_PILOTS, ChartData, city_lines, line_notes, years_table
from ..chart_spec import ChartSpec
from ..style import GROUP_COLOURS, PEER_COLOUR, TARGET_COLOURS
from .base import LINE_CHART, RANKING, ChartKind

INDEX = registry.shown("composite_index")
CONTRIBUTION = registry.shown("index_contribution")
TARGET_SHARE = registry.shown("target_share")
BARS = ["city_code", "name", "value", "colour", "text", "detail"]  # a ranking's frame (ChartData.drawn)

MEAN = Text("平均 {v}", "mean {v}")
SELECTED = Text("所选试点", "the selected pilots")
METHOD_GONE = Text(
    "没有名为“{n}”的方法（可能已删除），此图按默认方法计算。",
    "There is no method named “{n}” (it may have been removed); this chart uses the default method.",
)
NOT_ENOUGH = Text(
    "数据不足（所报指标的权重不足{s}），未计入排名：{c}。",
    "Not enough data (less than {s} of the weight reported), not ranked: {c}.",
)
SQUARE_ROOTED = Text("先开平方（偏度大于 1）：{k}", "Square-rooted first (skewness above 1): {k}")
EXPLAINED = Text(
    "综合指数 {i:.1f}（{g}，第 {r} 位）= 各项贡献之和：得分 × 权重 ÷ 所报指标的权重之和。",
    "Index {i:.1f} ({g}, rank {r}) = the sum of the contributions: score × weight ÷ the weights of the indicators "
    "reported.",
)
NO_INDEX = Text("所报指标的权重不足{s}，没有综合指数。", "Less than {s} of the weight reported: no index.")
NOT_A_PILOT = Text("{y} 年该市尚未成为试点。", "Not yet a pilot in {y}.")
SHARE_RULE = Text(
    "完成率为各项目标完成率的平均（单项最多计 150%，未报送计 0）；颜色为试点的完成情况：全部完成、基本完成（每项至少 "
    "80%）、未完成（有一项不到 80%）、有指标未报送。",
    "Each bar is the mean share over the pilot's targets (each counted up to 150%, one without an actual as 0); its "
    "colour is the pilot's status: met every target, nearly met (each at least 80%), missed (one below 80%), or one "
    "without an actual.",
)
TARGETS_COUNTED = Text(
    "{y} 年：{n} 个试点设有目标；全部完成 {a} 个，基本完成（≥80%）{b} 个，未完成 {c} 个，有指标未报送 {d} 个",
    "{y}: {n} pilots had targets; {a} met them all, {b} nearly (≥ 80%), {c} missed, {d} lack an actual",
)


def index_method(cur: Cursor, spec: ChartSpec) -> tuple[Method, Text | None]:
    """The method a spec names, and what to say when it names one that no longer exists (the default is used)."""
    method = get_method(cur, spec.method)
    if method is None:
        return DEFAULT_METHOD, METHOD_GONE.format(n=spec.method)
    return method, None


def _listed(names: list[str], lang: str) -> str:
    return Text("、", ", ")(lang).join(names)


def _joined(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _counted(label: str, count: int, lang: str) -> str:
    return f"{label}（{count}）" if lang == "zh" else f"{label} ({count})"


def _index(cur: Cursor, spec: ChartSpec, lang: str, common: dict) -> ChartData:
    year = spec.years[1]
    method, gone = index_method(cur, spec)
    result = composite.year_index(cur, year, method)
    previous = composite.year_index(cur, year - 1, method) if year > year_span(cur)[0] else None
    pilots = composite.with_movement(result, previous)
    names = common["names"]
    ranked = pilots[pilots["index"].notna()]
    # Each pilot's words filled in the language shown only (Text.format fills both), a column at a time: thousands
    # of pilots.
    labels = {g.key: g.label(lang) for g in GROUPS}
    place, relative = Text("第 {r} 位", "rank {r}")(lang), Text("平均的 {s:.0f}%", "{s:.0f}% of the mean")(lang)
    codes, groups, index = ranked["city_code"].tolist(), ranked["group"].tolist(), ranked["index"].tolist()
    moves = ["" if pd.isna(m) else _move(int(m), lang) for m in ranked["rank_change"].tolist()]
    details = [
        " · ".join(x for x in (labels[g], place.format(r=int(r)), relative.format(s=s * 100), m) if x)
        for g, r, s, m in zip(groups, ranked["rank"].tolist(), ranked["relative"].tolist(), moves, strict=True)
    ]
    bars = _bars(codes, names, [float(i) for i in index], [GROUP_COLOURS[g] for g in groups],
                 [f"{i:.1f}" for i in index], details)  # fmt: skip
    counts = ranked["group"].value_counts()
    mean = result.mean_index
    unranked = [names[c] for c in pilots.loc[pilots["index"].isna(), "city_code"].tolist()]
    return ChartData(
        title=f"{INDEX.label(lang)} · {year} · {method_label(method.name)(lang)}",
        indicator=INDEX,
        frame=bars,
        table_of=functools.partial(index_ranking_table, pilots, result, names, lang),
        notes=_index_notes(result, ranked, names, lang),
        caption=_joined(gone(lang) if gone else "", _not_enough(method, unranked, lang)),
        legend=tuple((_counted(g.label(lang), int(counts.get(g.key, 0)), lang), GROUP_COLOURS[g.key]) for g in GROUPS),
        guides=((mean * 1.25, "125%"), (mean, MEAN.format(v=f"{mean:.1f}")(lang)), (mean * 0.7, "70%")) if mean else (),
        **common,
    )


def _not_enough(method: Method, unranked: list[str], lang: str) -> str:
    return NOT_ENOUGH.format(s=coverage_text(method), c=_listed(unranked, lang))(lang) if unranked else ""


UP, DOWN, SAME = Text("上升 {n} 位", "up {n}"), Text("下降 {n} 位", "down {n}"), Text("位次不变", "same rank")


def _move(change: int, lang: str) -> str:
    if change > 0:
        return UP(lang).format(n=change)
    if change < 0:
        return DOWN(lang).format(n=-change)
    return SAME(lang)


def _index_notes(result: composite.IndexResult, ranked: pd.DataFrame, names: dict[str, str], lang: str) -> tuple:
    counts = ranked["group"].value_counts()
    groups = Text("，", ", ")(lang).join(f"{g.label(lang)} {int(counts.get(g.key, 0))}" for g in GROUPS)
    top = _listed([f"{names[p.city_code]} {p.index:.1f}" for p in ranked.head(3).itertuples()], lang)
    mean = "—" if result.mean_index is None else f"{result.mean_index:.1f}"
    notes = [
        Text("方法：{m}；{n} 个试点有指数，平均 {a}", "Method: {m}; {n} pilots have an index, mean {a}").format(
            m=method_label(result.method.name), n=len(ranked), a=mean
        )(lang),
        Text("分组：{g}", "Groups: {g}").format(g=groups)(lang),
        Text("最高：{t}", "Highest: {t}").format(t=top)(lang),
    ]
    if result.transformed:
        shown = _listed([registry.get(k).label(lang) for k in result.transformed], lang)
        notes.append(SQUARE_ROOTED.format(k=shown)(lang))
    return tuple(notes)


def _index_history(cur: Cursor, spec: ChartSpec, lang: str, common: dict) -> ChartData:
    method, gone = index_method(cur, spec)
    table = composite.index_table(cur, method, spec.years)
    frame = table[table["city_code"].isin(spec.cities)].rename(columns={"index": "value"})
    names = common["names"]
    lines = tuple(city_lines(frame[["city_code", "year", "value"]], names, common["colours"], spec.cities, spec.focus))
    notes = list(line_notes(lines, INDEX, lang, levels=False))
    for code in spec.cities:
        ranks = frame[(frame["city_code"] == code) & frame["rank"].notna()]
        if len(ranks):
            last = ranks.iloc[-1]
            where = Text("{n}：{y} 年第 {r} 位", "{n}: rank {r} in {y}")
            notes.append(where.format(n=names[code], y=int(last["year"]), r=int(last["rank"]))(lang))
    title = Text("{i}走势 · {m}", "{i} over time · {m}").format(i=INDEX.label(lang), m=method_label(method.name))
    return ChartData(
        title=title(lang),
        indicator=INDEX,
        lines=lines,
        table_of=functools.partial(years_table, lines, INDEX, lang),
        notes=tuple(notes),
        caption=gone(lang) if gone else "",
        **common,
    )


def _breakdown(cur: Cursor, spec: ChartSpec, lang: str, common: dict) -> ChartData:
    year, code = spec.years[1], spec.cities[0]
    method, gone = index_method(cur, spec)
    result = composite.year_index(cur, year, method)
    names = common["names"]
    pilots = result.pilots.set_index("city_code")
    parts = composite.breakdown(result, code) if code in pilots.index else pd.DataFrame(columns=composite.PARTS)
    colour, summary = PEER_COLOUR, NOT_A_PILOT.format(y=year)(lang)
    if code in pilots.index:
        pilot = pilots.loc[code]
        has_index = not pd.isna(pilot["index"])
        colour = GROUP_COLOURS[pilot["group"]] if has_index else PEER_COLOUR
        summary = (
            EXPLAINED.format(i=pilot["index"], g=group(pilot["group"]).label, r=int(pilot["rank"]))(lang)
            if has_index
            else NO_INDEX.format(s=coverage_text(method))(lang)
        )
    bars = []
    for part in parts.itertuples():
        ind = registry.get(part.key)
        score = "—" if pd.isna(part.score) else f"{part.score:.1f}"
        rooted = (
            Text("（先开方）", " (square-rooted)")(lang) if part.reported and part.key in result.transformed else ""
        )
        detail = Text("本市 {v} · 得分 {s}{q} · 权重 {w:g}", "own value {v} · score {s}{q} · weight {w:g}")
        if not part.reported:
            text = Text("未报送", "not reported")(lang)
        else:
            text = "—" if pd.isna(part.contribution) else f"{part.contribution:.1f}"
        own = format_value(part.value, ind, lang, compact=False)
        detail_text = detail.format(v=own, s=score, q=rooted, w=part.weight)(lang)
        bars.append((code, ind.label(lang), part.contribution, colour, text, detail_text))
    table = pd.DataFrame(
        {
            Text("指标", "Indicator")(lang): [registry.get(k).label(lang) for k in parts["key"]],
            Text("本市数值", "Own value")(lang): [
                format_value(v, registry.get(k), lang, compact=False)
                for k, v in zip(parts["key"], parts["value"], strict=True)
            ],
            Text("得分", "Score")(lang): parts["score"].astype(float).round(1).to_numpy(),
            Text("权重", "Weight")(lang): parts["weight"].astype(float).to_numpy(),
            CONTRIBUTION.label(lang): parts["contribution"].astype(float).round(1).to_numpy(),
        }
    )
    frame = pd.DataFrame(bars, columns=BARS)
    title = Text("{c} · {i}构成 · {y} · {m}", "{c} · what makes up the index · {y} · {m}")
    return ChartData(
        title=title.format(c=names[code], i=INDEX.label(lang), y=year, m=method_label(method.name))(lang),
        indicator=CONTRIBUTION,
        frame=frame,
        table_of=lambda: table,
        notes=(summary, *(f"{r.name}: {r.text} ({r.detail})" for r in frame.itertuples())),
        caption=_joined(gone(lang) if gone else "", summary),
        **common,
    )


def _achievement(cur: Cursor, spec: ChartSpec, lang: str, common: dict) -> ChartData:
    year = spec.years[1]
    ranked = achievement.year_ranking(cur, year, spec.scope)
    names = common["names"]
    met = Text("{s} · 完成 {m}/{n} 项目标", "{s} · {m} of {n} targets met")(lang)  # filled per pilot: thousands
    statuses = achievement.status_labels(lang)
    codes, status = ranked["city_code"].tolist(), ranked["status"].tolist()
    shares = [math.nan if pd.isna(s) else float(s) * 100 for s in ranked["mean_share"].tolist()]
    details = [
        met.format(s=statuses[s], m=int(m), n=int(n))
        for s, m, n in zip(status, ranked["met"].tolist(), ranked["targets"].tolist(), strict=True)
    ]
    texts = ["—" if math.isnan(s) else f"{s:.0f}%" for s in shares]
    bars = _bars(codes, names, shares, [TARGET_COLOURS[s] for s in status], texts, details)
    counts = achievement.status_counts(ranked)
    missed = _listed([names[c] for c in ranked.loc[ranked["status"] == "missed", "city_code"]], lang)
    notes = (
        TARGETS_COUNTED.format(
            y=year, n=counts["pilots"], a=counts["met"], b=counts["nearly"], c=counts["missed"], d=counts["no_actual"]
        )(lang),
        Text("未完成：{c}", "Missed: {c}").format(c=missed or "—")(lang),
    )
    legend = tuple(
        (_counted(label(lang), counts[key], lang), TARGET_COLOURS[key]) for key, label in achievement.STATUSES.items()
    )
    return ChartData(
        title=" · ".join([TARGET_SHARE.label(lang), str(year), *([SELECTED(lang)] if spec.scope != Scope() else [])]),
        indicator=TARGET_SHARE,
        frame=bars,
        table_of=functools.partial(achievement_table, ranked, names, lang),
        notes=notes,
        caption=SHARE_RULE(lang),
        legend=legend,
        guides=((100.0, Text("目标", "target")(lang)), (80.0, "80%")),
        **common,
    )


def _bars(codes: list[str], names: dict[str, str], *columns: list) -> pd.DataFrame:
    """A ranking's frame (BARS) from its columns after the pilot's name: value, colour, text and detail."""
    columns = (codes, [names[c] for c in codes], *columns)
    return pd.DataFrame(dict(zip(BARS, columns, strict=True)), columns=BARS)


def _one_pilot(spec: ChartSpec) -> None:
    if len(spec.cities) != 1:
        raise ValueError("a breakdown is of one pilot")


def _some_pilots(spec: ChartSpec) -> None:
    if not spec.cities:
        raise ValueError("an index over time needs at least one pilot")


INDEX_RANKING = ChartKind("index", RANKING, "ranking", frozenset({"method"}), _index, rank_charts.ranking_chart,
                          slide_charts.ranking, miniatures.ranking, one_year=True, score="composite_index",
                          who=ALL_PILOTS)  # fmt: skip
INDEX_HISTORY = ChartKind("index_history", LINE_CHART, "lines", frozenset({"cities", "method", "focus", "events"}),
                          _index_history, year_charts.lines_figure, slide_charts.lines, miniatures.lines,
                          score="composite_index", check=_some_pilots)  # fmt: skip
BREAKDOWN = ChartKind("breakdown", RANKING, "ranking", frozenset({"cities", "method"}), _breakdown,
                      rank_charts.ranking_chart, slide_charts.ranking, miniatures.ranking, one_year=True,
                      score="index_contribution", check=_one_pilot)  # fmt: skip
ACHIEVEMENT = ChartKind("achievement", RANKING, "ranking", frozenset({"scope"}), _achievement,
                        rank_charts.ranking_chart, slide_charts.ranking, miniatures.ranking, one_year=True,
                        score="target_share", who=ALL_PILOTS)  # fmt: skip
