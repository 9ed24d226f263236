"""Commands about the data itself: init, indicators, series and export (the deck: decks.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..domain import registry
from ..domain.i18n import Text
from ..domain.programme import SAMPLE_NOTICE, Scope
from ..present import definitions, exports
from ..store import sample
from ..store.cities import list_cities
from ..store.creation import AlreadyExists, initialise
from ..store.exports import EXPORT_TABLES
from ..store.meta import is_sample
from ..store.schema import FROZEN_TABLES
from ..store.series import series
from .common import (
    EXIT_OK,
    UsageError,
    add_release,
    add_selection,
    checked_cities,
    checked_years,
    indicator,
    json_number,
    known,
    print_json,
    release_json,
    say_release,
    shown_data,
    write_out,
)


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register init, indicators, series and export."""
    init = commands.add_parser(
        "init",
        parents=[common],
        help="create the database (with the built-in sample)",
        description="create the schema and load the built-in sample (unless `--empty`), published as one release "
        "labelled as sample data (`2025年度数据（样例）`, after the sample's last year); refuses (exit 1) to replace "
        "an existing database unless `--force`, or leaves it as it is with `--if-missing` (exit 0). On PostgreSQL it "
        "creates the database when the server has none of that name. `--scale N` (1 to 100) loads N × 65 pilots over "
        "the same years: the sample and N − 1 synthetic copies of every unit (codes such as `330107`, `P0703`, names "
        "such as 杭州市07), for measuring the dashboard as the programme grows",
    )
    init.add_argument("--empty", action="store_true", help="create the schema only, without the sample")
    init.add_argument("--force", action="store_true", help="replace an existing database (deletes its data)")
    init.add_argument(
        "--if-missing", action="store_true", help="leave a database that is already there as it is (exit 0)"
    )
    init.add_argument(
        "--scale",
        type=int,
        default=1,
        metavar="N",
        help=f"a sample N times the size: N x 65 units, synthetic copies after the first (1-{sample.MAX_SCALE})",
    )
    init.set_defaults(run=run_init)

    listed = commands.add_parser(
        "indicators",
        parents=[common],
        help="list the indicator registry",
        description="the registry: a line per indicator (key, kind, title); `--json` prints every field of each, "
        "`--markdown` the README's table of indicators",
    )
    listed.add_argument("--json", action="store_true", help="print JSON")
    listed.add_argument("--markdown", action="store_true", help="print the README's Markdown table")
    listed.set_defaults(run=run_indicators)

    yearly = commands.add_parser(
        "series",
        parents=[common],
        help="the yearly series of one indicator",
        description="the yearly series the dashboard draws: the programme total, or one series per named city; years "
        'from 2000 to the current year. `--json` prints `{"indicator", "label", "unit", "scope", "cities", '
        '"sample_data", "release", "series": [{"city_code", "name", "year", "value", "cities_reporting"}, …]}`, '
        '`city_code` null for the programme, `release` `{"name", "published_at", "withdrawn"}` with `--release NAME` '
        "(the figures as that release froze them), else null",
    )
    yearly.add_argument("indicator", help="indicator key (see `indicators`)")
    add_selection(yearly)
    add_release(yearly)
    yearly.add_argument("--json", action="store_true", help="print JSON")
    yearly.set_defaults(run=run_series)

    export = commands.add_parser(
        "export",
        parents=[common],
        help="a table or an indicator as CSV or XLSX for Excel",
        description="data out, safe to open in Excel (format from the extension unless given). A table (`cities`, "
        "`matching_activities`, `agreements`, `service_stations`, `experts`, `targets`, `events`, `uploads`) as "
        "stored, yearly tables with `name_zh`/`name_en` beside the code; `events` in the upload format, so the list "
        "can be edited and loaded again. An indicator: one row per city and year (`city_code`, `name_zh`, `name_en`, "
        "`year`, the value, `cities_reporting`), then the programme total (blank `city_code`) unless cities are "
        "named. `agreements` is both a table and an indicator: the table unless `--indicator`. `--release NAME`: as "
        "that release froze it (every table but `uploads`)",
    )
    export.add_argument(
        "name", metavar="TABLE_OR_INDICATOR", help=f"one of {', '.join(EXPORT_TABLES)} or an indicator key"
    )
    export.add_argument("--format", choices=exports.FORMATS, help="csv or xlsx (default: from the --out extension)")
    export.add_argument("--out", required=True, metavar="PATH", help="file to write")
    export.add_argument(
        "--indicator", action="store_true", help="read the name as an indicator key (agreements is both)"
    )
    add_selection(export)
    add_release(export)
    export.set_defaults(run=run_export)


def run_init(args: argparse.Namespace, lang: str) -> int:
    """init: the schema, and the built-in sample unless --empty."""
    if not 1 <= args.scale <= sample.MAX_SCALE or (args.empty and args.scale != 1):
        raise UsageError(
            Text(
                "--scale 应为 1 至 {m} 的整数，且不能与 --empty 同用。",
                "--scale must be from 1 to {m}, without --empty.",
            ).format(m=sample.MAX_SCALE)
        )
    try:
        database = initialise(args.db, with_sample=not args.empty, force=args.force, scale=args.scale)
    except AlreadyExists:
        if not args.if_missing or args.force:
            raise
        return EXIT_OK
    with database.cursor() as cur:
        cities = len(list_cities(cur))
    what = Text("含示例数据，{n} 个试点城市和园区", "with the built-in sample, {n} pilot cities and parks").format(
        n=cities
    )
    if args.scale > 1:
        what = Text(
            "含 {s} 倍示例数据，{n} 个试点单位（原样本之外为合成副本，用于性能测试）",
            "with the built-in sample {s} times over, {n} pilot units (synthetic copies beyond the first, for "
            "benchmarks)",
        ).format(s=args.scale, n=cities)
    if args.empty:
        what = Text("空库", "empty")
    print(
        Text("已创建数据库 {path}（{what}）。", "Created the database {path} ({what}).").format(
            path=database.location, what=what(lang)
        )(lang)
    )
    return EXIT_OK


def run_indicators(args: argparse.Namespace, lang: str) -> int:
    """indicators: the registry, as a list, JSON or the README's Markdown table."""
    if args.json:
        print_json([i.as_dict() for i in registry.INDICATORS])
        return EXIT_OK
    if args.markdown:
        print(definitions.indicator_markdown())
        return EXIT_OK
    width = max(len(i.key) for i in registry.INDICATORS)
    for i in registry.INDICATORS:
        print(f"{i.key:<{width}}  {i.kind:<10}  {i.title(lang)}")
    return EXIT_OK


def run_series(args: argparse.Namespace, lang: str) -> int:
    """series: one indicator's yearly values, for the programme or per city."""
    ind = indicator(args.indicator)
    with shown_data(args, lang) as (cur, release):
        codes = checked_cities(cur, args.city)
        years = checked_years(cur, args)
        cities = list_cities(cur).set_index("city_code")
        scope = Scope(cities=codes) if codes else Scope()
        frame = series(cur, ind.key, scope, per_city=bool(codes), years=years)
        sample_data = release.sample if release else is_sample(cur)

    points = [
        {
            "city_code": row.city_code,
            "name": None if row.city_code is None else cities.at[row.city_code, f"name_{lang}"],
            "year": int(row.year),
            "value": json_number(row.value, ind.decimals),
            "cities_reporting": int(row.reporting),
        }
        for row in frame.itertuples()
    ]
    if args.json:
        print_json(
            {
                "indicator": ind.key,
                "label": ind.label(lang),
                "unit": ind.unit(lang),
                "scope": "cities" if args.city else "programme",
                "cities": list(args.city or []),
                "sample_data": sample_data,
                "release": release_json(release),
                "series": points,
            }
        )
        return EXIT_OK
    say_release(release, lang)
    if sample_data:
        print(f"# {SAMPLE_NOTICE(lang)}", file=sys.stderr)
    print(ind.title(lang))
    for p in points:
        who = p["name"] or Text("全部试点", "programme")(lang)
        value = "—" if p["value"] is None else f"{p['value']:,.{ind.decimals}f}"
        print(f"{who}\t{p['year']}\t{value}")
    return EXIT_OK


def run_export(args: argparse.Namespace, lang: str) -> int:
    """export: a contract table as stored, or an indicator's yearly values, as CSV or XLSX."""
    out = Path(args.out)
    file_format = args.format or out.suffix.lower().lstrip(".")
    if file_format not in exports.FORMATS:
        raise UsageError(
            Text("请用 --format csv 或 xlsx 指定格式。", "Say --format csv or xlsx (or end --out with .csv or .xlsx).")
        )
    if args.indicator:
        indicator(args.name)
    else:
        known(args.name, exports.export_names(), Text("表或指标", "table or indicator"))
    as_table = args.name in EXPORT_TABLES and not args.indicator
    if args.release and as_table and args.name not in FROZEN_TABLES:
        raise UsageError(NOT_IN_RELEASES.format(t=args.name))
    with shown_data(args, lang) as (cur, release):
        codes = checked_cities(cur, args.city)
        years = None if as_table else checked_years(cur, args)
        frame = exports.export_frame(cur, args.name, codes, years, as_table=as_table)
    write_out(out, exports.to_bytes(frame, file_format, sheet=args.name))
    say_release(release, lang)
    if release is None:
        print(Text("已导出 {n} 行到 {f}。", "Wrote {n} rows to {f}.").format(n=len(frame), f=out)(lang))
    else:
        wrote = Text("已导出 {n} 行到 {f}（{s}）。", "Wrote {n} rows to {f} ({s}).")
        print(wrote.format(n=len(frame), f=out, s=release.source())(lang))
    return EXIT_OK


NOT_IN_RELEASES = Text(
    "{t} 表不属于发布（发布冻结数字、目标、城市和事件，不含上传记录），请去掉 --release。",
    "The table {t} is not part of a release (a release freezes figures, targets, cities and events, not the record "
    "of uploads); leave out --release.",
)
