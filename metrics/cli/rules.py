"""Commands of the validation rules: `rules list`, `rules check` (over the stored figures), and an admin's `rules
add`, `rules edit`, `rules disable` and `rules enable`."""

from __future__ import annotations

import argparse
import sys

from ..analysis.validation import check_stored, named
from ..domain.i18n import Refused, Text
from ..domain.rules import IMPORTANCES, MISSING, OPERATORS, new_rule
from ..store.cities import pilot_names
from ..store.database import open_database
from ..store.rules import add_rule, find_rule, rules_in_force, save_rule, set_enabled
from .common import (
    EXIT_OK,
    EXIT_REFUSED,
    Parser,
    actor,
    add_by,
    add_release,
    print_json,
    reading_database,
    release_json,
    say_release,
    shown_data,
)

_OP_HELP = f"the operator: {', '.join(OPERATORS)}"


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register rules list, check, add, edit, disable and enable."""
    what = "validation rules across indicators: list them, check the stored figures, change them"
    rules = commands.add_parser("rules", help=what, description=what)
    steps = rules.add_subparsers(dest="step", required=True, metavar="STEP", parser_class=Parser)
    listed = steps.add_parser(
        "list",
        parents=[common],
        help="every validation rule, on or off",
        description='every validation rule: `[{"id", "description", "left", "operator", "right", "formula", '
        '"importance", "missing", "enabled", "shipped"}, …]`, the shipped ones first',
    )
    listed.add_argument("--json", action="store_true", help="print one JSON array")
    listed.set_defaults(run=run_list)
    check = steps.add_parser(
        "check",
        parents=[common],
        help="the stored figures against the rules in force",
        description='every rule in force over the stored figures (of `--year`, else all years): `{"year", "counts": '
        '{"high", "medium", "low"}, "violations": [{"rule", "importance", "city_code", "year", "left", "right", '
        '"message"}, …], "release"}`; exits 1 when a high-importance rule is broken; `--release NAME`: that release\'s '
        'figures against the rules as it froze them (`"release": {"name", "published_at", "withdrawn"}`, else null)',
    )
    check.add_argument("--year", type=int, metavar="YEAR", help="only this year (default: every year)")
    add_release(check)
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.set_defaults(run=run_check)
    add = steps.add_parser(
        "add",
        parents=[common],
        help="add a rule of your own (admin)",
        description="add a rule: sides are indicator keys, numbers, multiples (`20*activities`), ratios "
        "(`contract_value_10k_cny/agreements`) or last year's values (`0.5*last_year(experts_in_pool)`); exits 1 "
        "for a bad side or an id already taken",
    )
    add.add_argument("id", metavar="ID")
    add.add_argument("--left", required=True, metavar="EXPR", help="the left side")
    add.add_argument("--op", required=True, choices=list(OPERATORS), metavar="OP", help=_OP_HELP)
    add.add_argument("--right", required=True, metavar="EXPR", help="the right side")
    _rule_options(add, defaults=True)
    edit = steps.add_parser(
        "edit",
        parents=[common],
        help="change a rule, a shipped one too (admin)",
        description="change any of a rule's sides, operator, importance, missing-side meaning or descriptions (a "
        "shipped rule's threshold: `--right 30*activities`); exits 1 for an unknown rule or a bad side",
    )
    edit.add_argument("id", metavar="ID")
    edit.add_argument("--left", metavar="EXPR", help="the left side")
    edit.add_argument("--op", choices=list(OPERATORS), metavar="OP", help=_OP_HELP)
    edit.add_argument("--right", metavar="EXPR", help="the right side")
    _rule_options(edit, defaults=False)
    for name, verb in (("disable", "switch a rule off (admin); exits 1 for an unknown rule"),
                       ("enable", "switch a rule back on (admin); exits 1 for an unknown rule")):  # fmt: skip
        switch = steps.add_parser(name, parents=[common], help=verb, description=verb)
        switch.add_argument("id", metavar="ID")
        add_by(switch, "changes it")
        switch.set_defaults(run=run_switch, enabled=name == "enable")


def _rule_options(parser: argparse.ArgumentParser, defaults: bool) -> None:
    parser.add_argument("--importance", choices=list(IMPORTANCES), default="medium" if defaults else None,
                        help="high, medium or low" + (" (default: medium)" if defaults else ""))  # fmt: skip
    parser.add_argument("--missing", choices=list(MISSING), default="skip" if defaults else None,
                        help="a side not reported: skip the rule or count it broken" +
                        (" (default: skip)" if defaults else ""))  # fmt: skip
    parser.add_argument("--zh", metavar="TEXT", help="what the rule checks, in Chinese")
    parser.add_argument("--en", metavar="TEXT", help="what the rule checks, in English")
    add_by(parser, "changes it")
    parser.set_defaults(run=run_add if defaults else run_edit)


def run_list(args: argparse.Namespace, lang: str) -> int:
    """rules list: every rule, with its state."""
    with reading_database(args, lang).snapshot() as cur:
        rules = rules_in_force(cur)
    if args.json:
        print_json([r.as_dict(lang) for r in rules])
        return EXIT_OK
    off = Text("（已停用）", " (off)")(lang)
    for r in rules:
        print(f"{r.id:<28}  {IMPORTANCES[r.importance](lang):<6}  {r.formula(lang)}{'' if r.enabled else off}")
    return EXIT_OK


def run_check(args: argparse.Namespace, lang: str) -> int:
    """rules check: the stored figures against the rules in force; 1 when a high-importance one is broken."""
    with shown_data(args, lang) as (cur, release):
        found = check_stored(cur, args.year)
        names = pilot_names(cur)
    counts = {level: sum(v.rule.importance == level for v in found) for level in IMPORTANCES}
    if args.json:
        print_json({"year": args.year, "counts": counts,
                    "violations": [v.as_dict(lang, named(names, v.city_code)) for v in found],
                    "release": release_json(release)})  # fmt: skip
    else:
        say_release(release, lang)
        for v in found:
            print(v.message(named(names, v.city_code))(lang))
        summary = Text(
            "违反规则 {n} 处（高 {h}，中 {m}，低 {l}）。", "{n} rule violations ({h} high, {m} medium, {l} low)."
        )
        print(summary.format(n=len(found), h=counts["high"], m=counts["medium"], l=counts["low"])(lang),
              file=sys.stderr)  # fmt: skip
    return EXIT_REFUSED if counts["high"] else EXIT_OK


def run_add(args: argparse.Namespace, lang: str) -> int:
    """rules add: a rule of an admin's own."""
    try:
        rule = new_rule(args.id, args.left, args.op, args.right, args.importance, args.missing, args.zh or "",
                        args.en or "")  # fmt: skip
        add_rule(open_database(args.db), rule, actor(args))
    except Refused as exc:
        print(exc.text(lang), file=sys.stderr)
        return EXIT_REFUSED
    print(Text("已添加规则 {i}：{f}", "Added the rule {i}: {f}").format(i=rule.id, f=rule.formula(lang))(lang))
    return EXIT_OK


def run_edit(args: argparse.Namespace, lang: str) -> int:
    """rules edit: change a rule's fields (a shipped one's too)."""
    database = open_database(args.db)
    try:
        with database.cursor() as cur:
            rule = find_rule(cur, args.id)
        rule = rule.changed(left=args.left, operator=args.op, right=args.right, importance=args.importance,
                            missing=args.missing, description_zh=args.zh, description_en=args.en)  # fmt: skip
        save_rule(database, rule, actor(args))
    except Refused as exc:
        print(exc.text(lang), file=sys.stderr)
        return EXIT_REFUSED
    print(Text("规则 {i} 现为：{f}", "The rule {i} is now: {f}").format(i=rule.id, f=rule.formula(lang))(lang))
    return EXIT_OK


def run_switch(args: argparse.Namespace, lang: str) -> int:
    """rules disable|enable: switch a rule off or on."""
    try:
        rule = set_enabled(open_database(args.db), args.id, args.enabled, actor(args))
    except Refused as exc:
        print(exc.text(lang), file=sys.stderr)
        return EXIT_REFUSED
    done = Text("已启用规则 {i}。", "Switched the rule {i} on.") if rule.enabled else Text(
        "已停用规则 {i}。", "Switched the rule {i} off.")  # fmt: skip
    print(done.format(i=rule.id)(lang))
    return EXIT_OK
