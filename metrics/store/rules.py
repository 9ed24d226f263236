"""What admins changed of the validation rules: a shipped rule switched off or changed, a rule of their own added.

The shipped rules stay in the code (domain/rules.py); a row with a shipped rule's id keeps only what differs from
it (NULL: as shipped), so a later release's change to a rule still reaches the fields no admin changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from ..domain.i18n import Refused, Text
from ..domain.roles import Actor, require
from ..domain.rules import RULES, SHIPPED, Rule, parse, text
from .database import Database
from .meta import bump_records_version
from .transactions import Cursor, transaction

_FIELDS = ("left_side", "operator", "right_side", "importance", "missing", "description_zh", "description_en")
NO_RULE = Text("没有编号为“{i}”的规则。", "There is no rule '{i}'.")


def _row(rule: Rule) -> dict[str, object]:
    """A rule as its row's fields, NULL where a shipped rule's is unchanged."""
    fields = _fields(rule)
    shipped = SHIPPED.get(rule.id)
    if shipped is not None:
        fields = {k: (None if v == _fields(shipped)[k] else v) for k, v in fields.items()}
    return fields


def _fields(rule: Rule) -> dict[str, object]:
    """A rule as the fields of its row."""
    return {"left_side": text(rule.left), "operator": rule.operator, "right_side": text(rule.right),
            "importance": rule.importance, "missing": rule.missing, "description_zh": rule.description_zh,
            "description_en": rule.description_en}  # fmt: skip


def _rule(rule_id: str, stored: dict[str, object], enabled: bool) -> Rule | None:
    """A rule as its row makes it (over the shipped one of its id); None for a row of a rule no longer known."""
    base = SHIPPED.get(rule_id)
    if base is None:
        if any(stored[k] is None for k in ("left_side", "operator", "right_side")):
            return None
        base = Rule(rule_id, "", "", parse(str(stored["left_side"])), "==", parse(str(stored["right_side"])),
                    shipped=False)  # fmt: skip
    try:
        changed = base.changed(
            left=stored["left_side"], operator=stored["operator"], right=stored["right_side"],
            importance=stored["importance"], missing=stored["missing"], description_zh=stored["description_zh"],
            description_en=stored["description_en"],
        )  # fmt: skip
    except Refused:  # an indicator removed from the registry since: the rule cannot run
        return None
    return dataclasses.replace(changed, enabled=enabled)


def stored_rules(cur: Cursor) -> dict[str, tuple[Rule | None, str | None, dt.datetime | None]]:
    """Each stored row as (the rule it makes, who changed it last, when), by rule id."""
    rows = cur.execute(
        f"SELECT rule_id, {', '.join(_FIELDS)}, enabled, changed_by, changed_at FROM rule_overrides ORDER BY rule_id"
    ).fetchall()
    found = {}
    for row in rows:
        stored = dict(zip(_FIELDS, row[1:8], strict=True))
        found[row[0]] = (_rule(row[0], stored, bool(row[8])), row[9], row[10])
    return found


def rules_in_force(cur: Cursor) -> tuple[Rule, ...]:
    """Every rule, the shipped ones first (as admins changed them), then those admins added, each with whether it
    is switched on."""
    stored = stored_rules(cur)
    shipped = tuple((stored[r.id][0] or r) if r.id in stored else r for r in RULES)
    added = tuple(rule for key, (rule, _, _) in stored.items() if key not in SHIPPED and rule is not None)
    return shipped + added


def find_rule(cur: Cursor, rule_id: str) -> Rule:
    """The rule of this id, as in force; Refused when there is none."""
    for rule in rules_in_force(cur):
        if rule.id == rule_id:
            return rule
    raise Refused(NO_RULE.format(i=rule_id))


def save_rule(database: Database, rule: Rule, by: Actor | None) -> None:
    """Store a rule an admin added or changed (replacing its row); refused unless `by` is an admin."""
    actor = require(by, "admin")
    fields = _row(rule)
    with database.write_lock, database.cursor() as cur, transaction(cur):
        cur.execute("DELETE FROM rule_overrides WHERE rule_id = $id", {"id": rule.id})
        cur.execute(
            f"""INSERT INTO rule_overrides (rule_id, {", ".join(_FIELDS)}, enabled, changed_by, changed_at)
                VALUES ($id, {", ".join(f"${f}" for f in _FIELDS)}, $enabled, $by, now()::TIMESTAMP)""",
            {"id": rule.id, **fields, "enabled": rule.enabled, "by": actor.name},
        )
        bump_records_version(cur, [("rule_overrides", None)])


TAKEN = Text("规则编号：“{i}”已存在。", "Rule id: '{i}' exists already.")


def add_rule(database: Database, rule: Rule, by: Actor | None) -> None:
    """Store a rule an admin added; refused when a rule of its id exists already or `by` is not an admin."""
    require(by, "admin")
    with database.cursor() as cur:
        if any(r.id == rule.id for r in rules_in_force(cur)):
            raise Refused(TAKEN.format(i=rule.id))
    save_rule(database, rule, by)


def set_enabled(database: Database, rule_id: str, enabled: bool, by: Actor | None) -> Rule:
    """Switch a rule on or off, keeping what else was changed of it; the rule as it now is. Refused for an
    unknown id or someone not an admin."""
    require(by, "admin")
    with database.cursor() as cur:
        rule = find_rule(cur, rule_id)
    changed = dataclasses.replace(rule, enabled=enabled)
    save_rule(database, changed, by)
    return changed
