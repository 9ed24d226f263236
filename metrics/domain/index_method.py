"""The composite index's method, declared as data: which indicators with what weights, when an indicator is
square-root transformed, how much a pilot must report, and the performance groups. The programme's default is
DEFAULT_METHOD, here and only here (never stored, never overwritten); officers' edited methods are saved under
names of their own (store/index_methods.py).

The method is the European Innovation Scoreboard's, adapted (analysis/index.py computes it): each indicator
square-root transformed when its values over the reporting pilots are skewed (population skewness above
`skew_threshold`), min–max normalised to 0–100, a pilot's index the weighted mean of its scores over the indicators
it reported (shown when those carry at least `coverage` of the method's total weight), groups by the index over
the programme's mean index.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

from . import registry
from .i18n import Text

DEFAULT_NAME = "default"


@dataclass(frozen=True)
class Group:
    """A performance group: its key (as the CLI prints it), its names, and the least index over the programme's mean
    index that puts a pilot in it (`strict`: more than that, not equal to it)."""

    key: str
    label: Text
    bound: float
    strict: bool = False


# The groups, best first; a pilot belongs to the first whose bound its relative index reaches. Leaders are above
# 125% (exactly 125% is Strong), Emerging below 70% (exactly 70% is Moderate); exactly the mean (100%) is Strong.
GROUPS: tuple[Group, ...] = (
    Group("leaders", Text("领先", "Leaders"), 1.25, strict=True),
    Group("strong", Text("较强", "Strong"), 1.00),
    Group("moderate", Text("中等", "Moderate"), 0.70),
    Group("emerging", Text("追赶", "Emerging"), float("-inf")),
)
GROUP_KEYS: tuple[str, ...] = tuple(g.key for g in GROUPS)
NOT_ENOUGH_DATA = Text("数据不足", "not enough data")


@dataclass(frozen=True)
class Method:
    """A way of computing the composite index: its name, its indicators with their weights (in order), the skewness
    above which an indicator is square-root transformed, and the share of the weights a pilot must have reported."""

    name: str
    weights: tuple[tuple[str, float], ...]  # (indicator key, weight >= 0), in the order results list them
    skew_threshold: float = 1.0
    coverage: float = 2 / 3
    groups: tuple[Group, ...] = GROUPS

    @property
    def keys(self) -> tuple[str, ...]:
        """The indicators, in order."""
        return tuple(k for k, _ in self.weights)

    def weight(self, key: str) -> float:
        """One indicator's weight (0 for an indicator the method does not have)."""
        return dict(self.weights).get(key, 0.0)

    def as_json(self) -> str:
        """The definition as the index_methods table keeps it (everything but the name and the groups)."""
        return json.dumps(
            {"weights": [[k, w] for k, w in self.weights], "skew_threshold": self.skew_threshold,
             "coverage": self.coverage},
            ensure_ascii=False,
        )  # fmt: skip

    @classmethod
    def from_json(cls, name: str, definition: str) -> Method:
        """A method as as_json wrote its definition."""
        data = json.loads(definition)
        return cls(
            name=name,
            weights=tuple((str(k), float(w)) for k, w in data["weights"]),
            skew_threshold=float(data.get("skew_threshold", 1.0)),
            coverage=float(data.get("coverage", 2 / 3)),
        )

    def with_weights(self, name: str, weights: dict[str, float]) -> Method:
        """The same method under another name with these weights (indicators in this method's order first, then
        any others in the order given)."""
        order = [k for k in self.keys if k in weights] + [k for k in weights if k not in self.keys]
        return Method(name, tuple((k, float(weights[k])) for k in order), self.skew_threshold, self.coverage,
                      self.groups)  # fmt: skip


# The programme's default method: the six indicators, equal weights.
DEFAULT_INDICATORS = (
    "activities",
    "agreements",
    "contract_value_10k_cny",
    "stations_founded",
    "experts_in_pool",
    "agreements_per_activity",
)
DEFAULT_METHOD = Method(DEFAULT_NAME, tuple((k, 1.0) for k in DEFAULT_INDICATORS))

# The indicators a method may use: a pilot's own value for a year means something for each of these (base
# indicators, and ratios of two of them, each pilot's own); counts of pilots, running totals and growth rates not.
INDEX_KEYS: tuple[str, ...] = tuple(i.key for i in registry.INDICATORS if i.kind in ("flow", "stock", "ratio"))


def group_of(relative: float, groups: tuple[Group, ...] = GROUPS) -> Group:
    """The group of a pilot whose index is `relative` times the programme's mean index (see GROUPS for the bounds;
    compared to nine decimals, so that float noise never moves a pilot exactly on a bound)."""
    r = round(relative, 9)
    return next(g for g in groups if (r > g.bound if g.strict else r >= g.bound))


def group(key: str) -> Group:
    """The group with this key."""
    return next(g for g in GROUPS if g.key == key)


def covered(method: Method, weight: float) -> bool:
    """Whether indicators reported with this much weight between them carry at least the method's coverage of its
    total weight (by count when the weights are equal: 4 of 6 is two thirds, compared to nine decimals)."""
    total = sum(w for _, w in method.weights)
    return total > 0 and round(weight / total, 9) >= round(method.coverage, 9)


def method_problems(method: Method) -> list[Text]:
    """What is wrong with an edited method (empty when it can be saved and used): a name, known indicators each
    once, weights that are numbers >= 0, at least one weighed above 0, a threshold and a coverage that make sense."""
    problems: list[Text] = []
    if not method.name.strip():
        problems.append(Text("方法需要名称。", "The method needs a name."))
    elif method.name.strip().lower() in (DEFAULT_NAME, "默认方法", "default method"):  # what its label reads
        problems.append(
            Text("“{n}”是默认方法，不能覆盖；请另取名称。", "'{n}' is the default method and cannot be overwritten; "
                 "choose another name.").format(n=method.name)
        )  # fmt: skip
    if not method.weights:
        problems.append(Text("至少需要一个指标。", "At least one indicator is needed."))
    seen: set[str] = set()
    for key, weight in method.weights:
        if key not in INDEX_KEYS:
            problems.append(
                Text("未知或不能用于指数的指标“{k}”。", "Unknown indicator '{k}', or one the index cannot use.").format(
                    k=key
                )
            )
        if key in seen:
            problems.append(Text("指标“{k}”重复。", "The indicator '{k}' is listed twice.").format(k=key))
        seen.add(key)
        if not isinstance(weight, int | float) or weight != weight or weight < 0 or weight == float("inf"):
            problems.append(
                Text("指标“{k}”的权重 {w} 无效：应为不小于 0 的数。", "The weight {w} of '{k}' must be a number >= 0.")
                .format(k=key, w=weight)
            )  # fmt: skip
    if method.weights and not any(isinstance(w, int | float) and w > 0 for _, w in method.weights):
        problems.append(Text("至少一个指标的权重应大于 0。", "At least one weight must be above 0."))
    if not 0 < method.coverage <= 1:
        problems.append(Text("覆盖率应在 0 至 1 之间。", "The coverage must lie between 0 and 1."))
    if method.skew_threshold != method.skew_threshold or method.skew_threshold < 0:
        problems.append(Text("偏度阈值应为不小于 0 的数。", "The skewness threshold must be a number >= 0."))
    return problems


def method_label(name: str) -> Text:
    """How a result names the method that made it: 默认方法 / the default method, or the saved method's name."""
    if name == DEFAULT_NAME:
        return Text("默认方法", "default method")
    return Text("方法“{n}”", "method “{n}”").format(n=name)


def coverage_text(method: Method) -> Text:
    """The share of the weight a pilot must report, in words: 三分之二 / two thirds, else a percentage."""
    if abs(method.coverage - 2 / 3) < 1e-9:
        return Text("三分之二", "two thirds")
    return Text(f"{method.coverage:.0%}", f"{method.coverage:.0%}")


def bounds_text(g: Group, groups: tuple[Group, ...] = GROUPS) -> str:
    """A group's range of the index over the mean: '> 125%', '100–125%', '< 70%' (from the groups' bounds)."""
    upper = {lower.key: higher.bound for higher, lower in itertools.pairwise(groups)}.get(g.key)
    if upper is None:
        return f"> {g.bound:.0%}"
    if g.bound == float("-inf"):
        return f"< {upper:.0%}"
    return f"{g.bound * 100:.0f}–{upper:.0%}"


def method_summary(method: Method) -> Text:
    """What a method does, in a sentence: its indicators with their weights, the transformation, the coverage and
    the groups."""
    equal = len({w for _, w in method.weights}) == 1
    zh = "、".join(registry.get(k).label_zh + ("" if equal else f" ×{w:g}") for k, w in method.weights)
    en = ", ".join(registry.get(k).label_en + ("" if equal else f" ×{w:g}") for k, w in method.weights)
    groups_zh = "，".join(f"{g.label.zh} {bounds_text(g, method.groups)}" for g in method.groups)
    groups_en = ", ".join(f"{g.label.en} {bounds_text(g, method.groups)}" for g in method.groups)
    return Text(
        "{n} 项指标{e}：{zh}。偏度大于 {s:g} 的指标先开平方，再在当年报送的试点间归一到 0—100；报送指标的权重达到"
        "{c}方计算指数；分组按相对全体平均的比值：{gz}。",
        "{n} indicators{e}: {en}. An indicator skewed above {s:g} is square-rooted first, then normalised to 0–100 "
        "over the pilots that reported it that year; a pilot needs {c} of the weight reported for an index; groups by "
        "the index over the mean: {ge}.",
    ).format(n=len(method.weights), e=Text("，等权", ", equal weights") if equal else Text("", ""), zh=zh, en=en,
             s=method.skew_threshold, c=coverage_text(method), gz=groups_zh, ge=groups_en)  # fmt: skip
