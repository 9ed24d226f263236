"""Commands that assess the pilots: `index` (the composite index, its groups and ranks) and `targets` (each
pilot's targets against its actuals)."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from ..analysis import index as composite
from ..analysis import targets as achievement
from ..domain import registry
from ..domain.i18n import Text
from ..domain.index_method import NOT_ENOUGH_DATA, group
from ..domain.programme import MIN_YEAR, SAMPLE_NOTICE, max_year
from ..store.cities import list_cities
from ..store.index_methods import get_method, method_names
from ..store.meta import is_sample
from ..store.targets import target_years
from ..store.transactions import Cursor
from .common import EXIT_OK, UsageError, add_release, json_number, print_json, release_json, say_release, shown_data


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register index and targets."""
    index = commands.add_parser(
        "index",
        parents=[common],
        help="the composite index of a year: groups and ranks",
        description='the composite index of the pilots designated by YEAR: `{"year", "method", "pilots": '
        '[{"city_code", "index", "group", "rank", "rank_change", "scores": {KEY: 0–100}}, …]}`, best first; `index` '
        "and `group` null for not enough data, `group` one of `leaders`, `strong`, `moderate`, `emerging`; an "
        "unknown method or a year with no pilots exits 2; `--release NAME`: as that release froze the figures and "
        'methods (`"release": {"name", "published_at", "withdrawn"}`, null for the working data)',
    )
    index.add_argument("year", type=int)
    index.add_argument("--method", default=None, metavar="NAME", help="a saved method (default: the programme's)")
    add_release(index)
    index.add_argument("--json", action="store_true", help="print one JSON object")
    index.set_defaults(run=run_index)
    targets = commands.add_parser(
        "targets",
        parents=[common],
        help="each pilot's targets of a year, met or not",
        description="each pilot's targets of the year with the actual, the share achieved and its status (`met`, "
        "`nearly`, `missed`, `no_actual`), the pilots ranked by achievement, and `summary` counts of pilots; a year "
        "without targets exits 2; `--release NAME`: that release's targets and figures (`release` as `index` "
        "gives it)",
    )
    targets.add_argument("year", type=int)
    add_release(targets)
    targets.add_argument("--json", action="store_true", help="print one JSON object")
    targets.set_defaults(run=run_targets)


def _checked_year(cur: Cursor, year: int) -> int:
    """The year, when pilots had been designated by then; a usage error otherwise."""
    if not MIN_YEAR <= year <= max_year() + 1:
        raise UsageError(
            Text("年份 {y} 无效：应在 {lo} 至 {hi} 之间。", "Invalid year {y}: it must lie between {lo} and {hi}.")
            .format(y=year, lo=MIN_YEAR, hi=max_year() + 1)
        )  # fmt: skip
    cities = list_cities(cur)
    if cities.empty or int(cities["designated_year"].min()) > year:
        raise UsageError(Text("{y} 年还没有试点。", "There were no pilots in {y}.").format(y=year))
    return year


def run_index(args: argparse.Namespace, lang: str) -> int:
    """index: every pilot designated by the year with its index, group, rank and scores, under a method."""
    with shown_data(args, lang) as (cur, release):
        method = get_method(cur, args.method)
        if method is None:
            raise UsageError(
                Text("未知指数方法“{m}”。可用的方法：{all}", "Unknown index method '{m}'. The methods: {all}").format(
                    m=args.method, all=", ".join(method_names(cur))
                )
            )
        year = _checked_year(cur, args.year)
        result = composite.year_index(cur, year, method)
        previous = composite.year_index(cur, year - 1, method) if year > MIN_YEAR else None
        cities = list_cities(cur).set_index("city_code")
        sample_data = release.sample if release else is_sample(cur)
    if result.mean_index is None:
        raise UsageError(
            Text("{y} 年没有试点报送足够的数据，无法计算指数。", "No pilot reported enough for an index in {y}.")
            .format(y=year)
        )  # fmt: skip
    pilots = composite.with_movement(result, previous)
    if args.json:
        print_json(
            {
                "year": year,
                "method": method.name,
                "sample_data": sample_data,
                "release": release_json(release),
                "weights": dict(method.weights),
                "transformed": list(result.transformed),
                "mean_index": json_number(result.mean_index, 2),
                "pilots": [
                    {
                        "city_code": p["city_code"],
                        "name_zh": cities.at[p["city_code"], "name_zh"],
                        "name_en": cities.at[p["city_code"], "name_en"],
                        "index": json_number(p["index"], 2),
                        "group": p["group"] if isinstance(p["group"], str) else None,
                        "rank": None if pd.isna(p["rank"]) else int(p["rank"]),
                        "rank_change": None if pd.isna(p["rank_change"]) else int(p["rank_change"]),
                        "scores": {k: json_number(v, 2) for k, v in result.scores_of(p["city_code"]).items()},
                    }
                    for p in pilots.to_dict("records")
                ],
            }
        )
        return EXIT_OK
    say_release(release, lang)
    if sample_data:
        print(f"# {SAMPLE_NOTICE(lang)}", file=sys.stderr)
    title = Text("{y} 年综合指数（方法：{m}；平均 {a:.1f}）", "Composite index {y} (method: {m}; mean {a:.1f})")
    print(title.format(y=year, m=method.name, a=result.mean_index)(lang))
    for p in pilots.to_dict("records"):
        rank = "—" if pd.isna(p["rank"]) else str(int(p["rank"]))
        value = NOT_ENOUGH_DATA(lang) if pd.isna(p["index"]) else f"{p['index']:.1f}"
        label = group(p["group"]).label(lang) if isinstance(p["group"], str) else ""
        moved = "" if pd.isna(p["rank_change"]) else f"{int(p['rank_change']):+d}" if p["rank_change"] else "="
        print(f"{rank:>3}  {p['city_code']}  {cities.at[p['city_code'], f'name_{lang}']:<12}  {value:>8}  "
              f"{label:<8}  {moved}")  # fmt: skip
    return EXIT_OK


def run_targets(args: argparse.Namespace, lang: str) -> int:
    """targets: each pilot's targets of the year with the actual, the share achieved and whether it was met."""
    with shown_data(args, lang) as (cur, release):
        year = _checked_year(cur, args.year)
        years = target_years(cur)
        if year not in years:
            listed = ", ".join(map(str, years)) or "—"
            raise UsageError(
                Text("{y} 年没有设定目标。设有目标的年份：{l}", "No targets are set for {y}. Years with targets: {l}")
                .format(y=year, l=listed)
            )  # fmt: skip
        achieved = achievement.year_achievement(cur, year)
        cities = list_cities(cur).set_index("city_code")
        sample_data = release.sample if release else is_sample(cur)
    ranked = achievement.ranking(achieved)
    by_pilot = {code: frame for code, frame in achieved.groupby("city_code", sort=False)}
    if args.json:
        print_json(
            {
                "year": year,
                "sample_data": sample_data,
                "release": release_json(release),
                "summary": achievement.status_counts(ranked),
                "pilots": [
                    {
                        "city_code": p["city_code"],
                        "name_zh": cities.at[p["city_code"], "name_zh"],
                        "name_en": cities.at[p["city_code"], "name_en"],
                        "status": p["status"],
                        "mean_share": json_number(p["mean_share"], 2),
                        "rank": None if pd.isna(p["rank"]) else int(p["rank"]),
                        "indicators": [
                            {
                                "indicator": t["indicator"],
                                "target": json_number(t["target"], registry.get(t["indicator"]).decimals),
                                "actual": json_number(t["actual"], registry.get(t["indicator"]).decimals),
                                "share": json_number(t["share"], 2),
                                "status": t["status"],
                            }
                            for t in by_pilot[p["city_code"]].to_dict("records")
                        ],
                    }
                    for p in ranked.to_dict("records")
                ],
            }
        )
        return EXIT_OK
    say_release(release, lang)
    if sample_data:
        print(f"# {SAMPLE_NOTICE(lang)}", file=sys.stderr)
    counts = achievement.status_counts(ranked)
    line = Text(
        "{y} 年目标：{a} 个试点全部完成，{b} 个基本完成，{c} 个未完成，{d} 个有指标未报送（共 {n} 个）。",
        "Targets {y}: {a} pilots met all, {b} nearly met, {c} missed, {d} lack an actual ({n} pilots).",
    )
    print(line.format(y=year, a=counts["met"], b=counts["nearly"], c=counts["missed"], d=counts["no_actual"],
                      n=counts["pilots"])(lang))  # fmt: skip
    for p in ranked.to_dict("records"):
        state = achievement.STATUSES[p["status"]](lang)
        print(f"{p['city_code']}  {cities.at[p['city_code'], f'name_{lang}']:<12}  {state}")
        for t in by_pilot[p["city_code"]].to_dict("records"):
            ind = registry.get(t["indicator"])
            actual = "—" if pd.isna(t["actual"]) else f"{t['actual']:,.{ind.decimals}f}"
            share = "—" if pd.isna(t["share"]) else f"{t['share']:.0%}"
            print(f"    {ind.title(lang):<40}  {t['target']:>12,.{ind.decimals}f}  {actual:>12}  {share:>6}  "
                  f"{achievement.STATUSES[t['status']](lang)}")  # fmt: skip
    return EXIT_OK
