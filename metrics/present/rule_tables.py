"""The validation rules as people read them: the About page's table, each rule with its state."""

from __future__ import annotations

import pandas as pd

from ..domain.i18n import Text
from ..domain.rules import IMPORTANCES, MISSING
from ..store.rules import rules_in_force
from ..store.transactions import Cursor

STATES = {True: Text("启用", "on"), False: Text("停用", "off")}


def rule_table(cur: Cursor, lang: str) -> pd.DataFrame:
    """Every rule in force (the shipped ones as admins changed them, then those admins added), on or off."""
    rules = rules_in_force(cur)
    return pd.DataFrame(
        {
            Text("规则", "Rule")(lang): [r.formula(lang) for r in rules],
            Text("说明", "What it checks")(lang): [r.description(lang) for r in rules],
            Text("重要性", "Importance")(lang): [IMPORTANCES[r.importance](lang) for r in rules],
            Text("缺少一侧时", "A side missing")(lang): [MISSING[r.missing](lang) for r in rules],
            Text("状态", "State")(lang): [STATES[r.enabled](lang) for r in rules],
            Text("编号", "Id")(lang): [r.id for r in rules],
        }
    )
