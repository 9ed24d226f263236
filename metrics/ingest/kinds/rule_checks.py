"""The validation rules at a figures file's check: over the file's values merged with the stored ones, each broken
rule a warning on the file's row that names the rule, the pilot, the year and both sides' values."""

from __future__ import annotations

from collections.abc import Callable

from ...analysis.validation import file_violations
from ...domain.i18n import Text
from ...store.cities import pilot_names
from ...store.transactions import Cursor
from ..report import Report


def broken_rules(cur: Cursor, report: Report, name_of: Callable[[str], str]) -> None:
    """A warning for each rule in force that the file's parsed rows break (rules flag figures for review; they
    never refuse a file); the issue carries the rule's id."""
    rows = report.rows
    if rows is None or rows.empty:
        return
    found = file_violations(cur, rows)
    if not found:
        return
    names = pilot_names(cur, (v.city_code for v in found))

    def named(code: str) -> Text:
        return names.get(code) or Text(name_of(code), name_of(code))

    report.add_all(((v.row, None, v.message(named(v.city_code)), v.rule.id) for v in found), "warning")
