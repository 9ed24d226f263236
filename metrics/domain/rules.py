"""Validation rules across indicators, declared once as data (DHIS2's validation rules): a left side, an operator,
a right side, an importance, and what a side that is not reported means.

A side is a tiny typed expression over one pilot's figures of one year: an indicator, a constant, a multiple, a
ratio, or an indicator's value the year before. Its text form (`20*activities`, `0.5*last_year(experts_in_pool)`,
`contract_value_10k_cny/agreements`) is how an admin writes one and how the database keeps an edited one.
A broken rule flags a figure for review; it never refuses a file.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Literal, Union

from . import registry
from .i18n import Refused, Text

Operator = Literal["==", "!=", "<", "<=", ">", ">=", "both_or_neither", "not_both"]
Importance = Literal["high", "medium", "low"]
Missing = Literal["skip", "violation"]

OPERATORS: dict[str, Text] = {
    "==": Text("=", "="),
    "!=": Text("≠", "≠"),
    "<": Text("<", "<"),
    "<=": Text("≤", "≤"),
    ">": Text(">", ">"),
    ">=": Text("≥", "≥"),
    "both_or_neither": Text("同时填报或同时不填", "both or neither"),
    "not_both": Text("不可同时填报", "not both"),
}
# What a broken comparison shows between its two values.
BROKEN: dict[str, str] = {"==": "≠", "!=": "=", "<": "≥", "<=": ">", ">": "≤", ">=": "<"}
PAIRS = ("both_or_neither", "not_both")  # operators on whether each side is reported, not on values
IMPORTANCES: dict[str, Text] = {"high": Text("高", "high"), "medium": Text("中", "medium"), "low": Text("低", "low")}
MISSING: dict[str, Text] = {
    "skip": Text("缺少一侧时跳过", "skipped when a side is missing"),
    "violation": Text("缺少一侧即视为违反", "broken when a side is missing"),
}


@dataclass(frozen=True)
class Value:
    """An indicator's value for the pilot and year."""

    key: str


@dataclass(frozen=True)
class LastYear:
    """An indicator's value for the pilot the year before."""

    key: str


@dataclass(frozen=True)
class Constant:
    """A number."""

    value: float


@dataclass(frozen=True)
class Times:
    """A multiple of another expression (`20 × activities`)."""

    factor: float
    of: Expr


@dataclass(frozen=True)
class Over:
    """One expression divided by another (none where the divisor is 0)."""

    numerator: Expr
    denominator: Expr


Expr = Union[Value, LastYear, Constant, Times, Over]  # noqa: UP007 (a runtime alias of dataclasses)


def number(value: float) -> str:
    """A number as rules show it: thousands separated, no trailing zeros (20, 0.5, 50,000)."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4f}".rstrip("0")


def text(expr: Expr) -> str:
    """The expression's text form, which `parse` reads back."""
    if isinstance(expr, Value):
        return expr.key
    if isinstance(expr, LastYear):
        return f"last_year({expr.key})"
    if isinstance(expr, Constant):
        return number(expr.value).replace(",", "")
    if isinstance(expr, Times):
        return f"{number(expr.factor).replace(',', '')}*{text(expr.of)}"
    return f"{_grouped(expr.numerator)}/{_grouped(expr.denominator)}"


def _grouped(expr: Expr) -> str:
    return f"({text(expr)})" if isinstance(expr, Over) else text(expr)


def shown(expr: Expr, lang: str) -> str:
    """The expression in words of one language: `20 × 对接活动`, `0.5 × last year's Experts in the talent pool`."""
    if isinstance(expr, Value):
        return registry.get(expr.key).label(lang)
    if isinstance(expr, LastYear):
        label = registry.get(expr.key).label(lang)
        return f"上年{label}" if lang == "zh" else f"last year's {label}"
    if isinstance(expr, Constant):
        return number(expr.value)
    if isinstance(expr, Times):
        return f"{number(expr.factor)} × {shown(expr.of, lang)}"
    return f"{shown(expr.numerator, lang)} ÷ {shown(expr.denominator, lang)}"


def keys(expr: Expr) -> frozenset[tuple[str, int]]:
    """The values an expression reads, as (indicator, years back): (activities, 0), (experts_in_pool, 1)."""
    if isinstance(expr, Value):
        return frozenset({(expr.key, 0)})
    if isinstance(expr, LastYear):
        return frozenset({(expr.key, 1)})
    if isinstance(expr, Constant):
        return frozenset()
    if isinstance(expr, Times):
        return keys(expr.of)
    return keys(expr.numerator) | keys(expr.denominator)


_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z_0-9]*)|(?P<sign>[*/×÷()]))")


def parse(source: str) -> Expr:
    """An expression from its text form; Refused naming what is wrong (an unknown indicator, a stray sign)."""
    tokens: list[str] = []
    rest = source.strip()
    while rest:
        found = _TOKEN.match(rest)
        if found is None or not found.group().strip():
            raise Refused(_BAD.format(s=source))
        tokens.append(found.group().strip())
        rest = rest[found.end() :].strip()
    expr, left = _ratio(tokens, source)
    if left or expr is None:
        raise Refused(_BAD.format(s=source))
    return expr


_BAD = Text(
    "无法理解表达式“{s}”：可写指标键、数字、乘数（20*activities）、比值（a/b）或上年值（0.5*last_year(key)）。",
    "Cannot read the expression '{s}': write an indicator key, a number, a multiple (20*activities), a ratio (a/b) "
    "or last year's value (0.5*last_year(key)).",
)


def _ratio(tokens: list[str], source: str) -> tuple[Expr | None, list[str]]:
    top, rest = _product(tokens, source)
    if rest and rest[0] in ("/", "÷") and top is not None:
        bottom, rest = _product(rest[1:], source)
        if bottom is None:
            raise Refused(_BAD.format(s=source))
        return Over(top, bottom), rest
    return top, rest


def _product(tokens: list[str], source: str) -> tuple[Expr | None, list[str]]:
    first, rest = _atom(tokens, source)
    if rest and rest[0] in ("*", "×"):
        second, rest = _atom(rest[1:], source)
        if isinstance(first, Constant) and second is not None:
            return Times(first.value, second), rest
        if isinstance(second, Constant) and first is not None:
            return Times(second.value, first), rest
        raise Refused(_BAD.format(s=source))
    return first, rest


def _atom(tokens: list[str], source: str) -> tuple[Expr | None, list[str]]:
    if not tokens:
        return None, tokens
    head, rest = tokens[0], tokens[1:]
    if head == "(":
        inner, rest = _ratio(rest, source)
        if not rest or rest[0] != ")":
            raise Refused(_BAD.format(s=source))
        return inner, rest[1:]
    if re.fullmatch(r"\d+(\.\d+)?", head):
        return Constant(float(head)), rest
    if head == "last_year" and len(rest) >= 3 and rest[0] == "(" and rest[2] == ")":
        return LastYear(_known(rest[1])), rest[3:]
    if re.fullmatch(r"[A-Za-z_]\w*", head):
        return Value(_known(head)), rest
    return None, tokens


def _known(key: str) -> str:
    if key not in registry.BASE_KEYS:
        raise Refused(
            Text("未知指标“{k}”；可用：{all}", "Unknown indicator '{k}'; the indicators: {all}").format(
                k=key, all=", ".join(i.key for i in registry.BASE_INDICATORS)
            )
        )
    return key


@dataclass(frozen=True)
class Rule:
    """One validation rule: `left operator right` for every pilot and year, its importance, and what a side that
    is not reported means (skip the rule, or count it as broken)."""

    id: str
    description_zh: str
    description_en: str
    left: Expr
    operator: Operator
    right: Expr
    importance: Importance = "medium"
    missing: Missing = "skip"
    enabled: bool = True
    shipped: bool = True  # declared here (an admin may switch it off or change it), not added by an admin

    def description(self, lang: str) -> str:
        """What the rule checks, in one language."""
        return self.description_zh if lang == "zh" else self.description_en

    def formula(self, lang: str) -> str:
        """`签订合作协议 ≤ 20 × 对接活动`; `协议金额、签订合作协议：同时填报或同时不填`."""
        if self.operator in PAIRS:
            pair = "、" if lang == "zh" else ", "
            return (
                f"{shown(self.left, lang)}{pair}{shown(self.right, lang)}{'：' if lang == 'zh' else ': '}"
                + OPERATORS[self.operator](lang)
            )
        return f"{shown(self.left, lang)} {OPERATORS[self.operator](lang)} {shown(self.right, lang)}"

    def reads(self) -> frozenset[tuple[str, int]]:
        """The values the rule reads, as (indicator, years back)."""
        return keys(self.left) | keys(self.right)

    def as_dict(self, lang: str) -> dict[str, object]:
        """The rule as plain data (`rules list --json`)."""
        return {
            "id": self.id,
            "description": self.description(lang),
            "left": text(self.left),
            "operator": self.operator,
            "right": text(self.right),
            "formula": self.formula(lang),
            "importance": self.importance,
            "missing": self.missing,
            "enabled": self.enabled,
            "shipped": self.shipped,
        }

    def changed(self, **fields: object) -> Rule:
        """The rule with some fields replaced (None leaves a field as it is), sides given as text; Refused naming
        the field that is wrong."""
        given = {k: v for k, v in fields.items() if v is not None}
        for side in ("left", "right"):
            if isinstance(given.get(side), str):
                try:
                    given[side] = parse(str(given[side]))
                except Refused as bad:
                    raise Refused(FIELDS[side].then(bad.text, zh="：", en=": ")) from None
        problem = _field_problem(given)
        if problem is not None:
            raise Refused(problem)
        return dataclasses.replace(self, **given)  # type: ignore[arg-type]


# A rule's fields as a form (the About page) and a refusal name them.
FIELDS = {
    "id": Text("规则编号", "Rule id"),
    "left": Text("左侧", "Left side"),
    "operator": Text("运算符", "Operator"),
    "right": Text("右侧", "Right side"),
    "importance": Text("重要性", "Importance"),
    "missing": Text("缺少一侧时", "A side missing"),
    "description_zh": Text("中文名称", "Name (Chinese)"),
    "description_en": Text("英文名称", "Name (English)"),
}


def _field_problem(given: dict[str, object]) -> Text | None:
    """What is wrong with a rule's fields: an unknown operator, importance or missing-side meaning."""
    for name, allowed in (("operator", OPERATORS), ("importance", IMPORTANCES), ("missing", MISSING)):
        if name in given and given[name] not in allowed:
            return Text("{f}：“{v}”不是可用的值：{all}", "{f}: '{v}' is not a valid value: {all}").format(
                f=FIELDS[name], v=given[name], all=", ".join(allowed)
            )
    return None


RULE_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")


def new_rule(rule_id: str, left: str, operator: str, right: str, importance: str = "medium",
             missing: str = "skip", description_zh: str = "", description_en: str = "") -> Rule:  # fmt: skip
    """A rule an admin adds, from text; Refused naming what is wrong (an id taken by a shipped rule, a bad side)."""
    if not RULE_ID.fullmatch(rule_id):
        raise Refused(
            Text("规则编号“{i}”无效：只能用小写字母、数字和连字符（2 至 63 个）。",
                 "Invalid rule id '{i}': use 2 to 63 of a-z, 0-9 and '-'.").format(i=rule_id)
        )  # fmt: skip
    if rule_id in SHIPPED:
        raise Refused(
            Text("规则编号：“{i}”是内置规则，请修改它（rules edit）。",
                 "Rule id: '{i}' is a built-in rule: change it instead (rules edit).")
            .format(i=rule_id)
        )  # fmt: skip
    blank = Rule(rule_id, description_zh, description_en or description_zh, Constant(0), "==", Constant(0),
                 shipped=False)  # fmt: skip
    return blank.changed(left=left, operator=operator, right=right, importance=importance, missing=missing)


# The programme's rules, checked against the built-in sample (tests/test_rules.py): it breaks none of the high ones.
RULES: tuple[Rule, ...] = (
    Rule(
        "subcentres-within-stations",
        "新建成果转化分中心数不超过新建学会服务站数（分中心依托服务站设立）。",
        "Sub-centres founded do not exceed service stations founded (sub-centres are set up at stations).",
        Value("subcenters_founded"), "<=", Value("stations_founded"), "high",
    ),
    Rule(
        "agreements-per-activity",
        "签订合作协议数不超过对接活动场次的 20 倍。",
        "Agreements signed are at most 20 per matching activity held.",
        Value("agreements"), "<=", Times(20, Value("activities")), "high",
    ),
    Rule(
        "value-per-agreement-min",
        "单项协议金额不低于 0.1 万元（低于此多为按万元误填元）。",
        "Value per agreement is at least 0.1 (10k CNY); below it is mostly 元 written where 万元 is asked.",
        Over(Value("contract_value_10k_cny"), Value("agreements")), ">=", Constant(0.1), "high",
    ),
    Rule(
        "value-per-agreement-max",
        "单项协议金额不超过 50,000 万元（5 亿元）。",
        "Value per agreement is at most 50,000 (10k CNY), 500 million CNY.",
        Over(Value("contract_value_10k_cny"), Value("agreements")), "<=", Constant(50_000), "high",
    ),
    Rule(
        "experts-per-activity",
        "参与专家人次不少于对接活动场次（每场至少一位专家）。",
        "Expert participations are at least the matching activities held (an expert at every activity).",
        Value("experts_participating"), ">=", Value("activities"), "medium",
    ),
    Rule(
        "talent-pool-kept",
        "年末专家库人数不低于上年末的一半。",
        "The talent pool at year end is at least half of last year-end's.",
        Value("experts_in_pool"), ">=", Times(0.5, LastYear("experts_in_pool")), "high",
    ),
    Rule(
        "value-with-agreements",
        "协议金额与签订合作协议数同时填报或同时不填。",
        "Agreement value and agreements signed are reported together or not at all.",
        Value("contract_value_10k_cny"), "both_or_neither", Value("agreements"), "low",
    ),
)  # fmt: skip
SHIPPED: dict[str, Rule] = {r.id: r for r in RULES}
