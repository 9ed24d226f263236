"""Validation rules across indicators (domain/rules.py): the operators and missing sides, expressions with last
year's value, at a file's check (the file's values merged with the stored ones), over the stored data, the CLI, and
an admin's changes on both engines."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import ADMIN, EDITOR

from metrics.analysis.validation import broken, check_stored
from metrics.cli import main
from metrics.domain.i18n import Refused
from metrics.domain.rules import RULES, Constant, LastYear, Rule, Times, Value, new_rule, parse, text
from metrics.ingest import uploads
from metrics.store.rules import add_rule, rules_in_force, save_rule, set_enabled

pytestmark = pytest.mark.both_engines


def frame(**columns) -> pd.DataFrame:
    """One row per value given, city and year filled in."""
    n = len(next(iter(columns.values())))
    data = {k: pd.array(v, dtype="Float64") for k, v in columns.items()}
    return pd.DataFrame({"city_code": ["330100"] * n, "year": [2025] * n, **data})


AGREEMENTS, ACTIVITIES = Value("agreements"), Value("activities")


def rule(operator, left=AGREEMENTS, right=ACTIVITIES, missing="skip") -> Rule:
    return Rule("r", "", "", left, operator, right, "high", missing)


@pytest.mark.parametrize(
    ("operator", "left", "right", "is_broken"),
    [
        ("==", 3, 3, False), ("==", 3, 4, True),
        ("!=", 3, 4, False), ("!=", 3, 3, True),
        ("<", 3, 4, False), ("<", 4, 4, True),
        ("<=", 4, 4, False), ("<=", 5, 4, True),
        (">", 5, 4, False), (">", 4, 4, True),
        (">=", 4, 4, False), (">=", 3, 4, True),
        ("both_or_neither", 3, 4, False), ("both_or_neither", None, None, False), ("both_or_neither", 3, None, True),
        ("both_or_neither", None, 0, True),
        ("not_both", 3, None, False), ("not_both", None, None, False), ("not_both", 3, 0, True),
    ],
)  # fmt: skip
def test_each_operator(operator, left, right, is_broken):
    mask, _, _ = broken(rule(operator), frame(agreements=[left], activities=[right]))
    assert bool(mask[0]) is is_broken


@pytest.mark.parametrize(
    ("missing", "left", "right", "is_broken"),
    [
        ("skip", None, 4, False), ("skip", 4, None, False), ("skip", None, None, False),
        ("violation", None, 4, True), ("violation", 4, None, True), ("violation", None, None, True),
        ("violation", 4, 4, False),
        ("skip", 0, 0, False),  # a reported zero is a value
    ],
)  # fmt: skip
def test_each_missing_side_behaviour(missing, left, right, is_broken):
    mask, _, _ = broken(rule("<=", missing=missing), frame(agreements=[left], activities=[right]))
    assert bool(mask[0]) is is_broken


@pytest.mark.parametrize(
    ("this_year", "last_year", "is_broken"),
    [(100, 180, False), (100, 200, False), (99, 200, True), (100, None, False), (None, 200, False)],
)
def test_last_years_value(this_year, last_year, is_broken):
    kept = rule(">=", Value("experts_in_pool"), Times(0.5, LastYear("experts_in_pool")))
    found = frame(experts_in_pool=[this_year], last__experts_in_pool=[last_year])
    assert bool(broken(kept, found)[0][0]) is is_broken


def test_a_ratio_by_zero_is_missing():
    ratio = rule(">=", parse("contract_value_10k_cny/agreements"), Constant(0.1))
    mask, left, _ = broken(ratio, frame(contract_value_10k_cny=[5, 5, 0.01], agreements=[0, 10, 1]))
    assert mask.tolist() == [False, False, True] and np.isnan(left[0]) and left[1] == 0.5


@pytest.mark.parametrize(
    "source",
    ["activities", "20*activities", "0.5*last_year(experts_in_pool)", "contract_value_10k_cny/agreements", "0.1",
     "(agreements/activities)/stations_founded"],
)  # fmt: skip
def test_expressions_read_back_as_written(source):
    assert text(parse(source)) == source


@pytest.mark.parametrize(
    "source", ["", "unknown_key", "activities *", "last_year(nope)", "eval('1')", "a+b", "(activities"]
)
def test_a_bad_expression_is_refused(source):
    with pytest.raises(Refused):
        parse(source)


def test_a_shipped_id_cannot_be_added_again():
    with pytest.raises(Refused):
        new_rule(RULES[0].id, "activities", ">=", "0")


def test_the_sample_breaks_no_high_rule(db):
    with db.snapshot() as cur:
        found = check_stored(cur)
    assert not [v for v in found if v.rule.importance == "high"], [v.message(v.city_code)("en") for v in found[:5]]


def warnings_of(db, csv: str) -> list:
    prepared = uploads.prepare(db, csv.encode(), "rules.csv")
    assert prepared.report.ok, [i.as_dict("en") for i in prepared.report.issues]
    return [i for i in prepared.report.issues if i.rule is not None]


def test_a_file_breaking_a_rule_gets_a_warning_naming_it(db):
    found = warnings_of(db, "城市,年份,对接活动（场）,签订合作协议（项）\n杭州市,2025,30,900\n")
    assert [(i.rule, i.level, i.row) for i in found] == [("agreements-per-activity", "warning", 2)]
    assert found[0].message.zh == (
        "杭州市 2025：签订合作协议 900 项 > 20 × 对接活动 30 场 = 600（规则 agreements-per-activity，高）"
    )
    assert "Hangzhou 2025" in found[0].message.en and "(rule agreements-per-activity, high)" in found[0].message.en


def test_a_rule_runs_across_the_file_and_the_stored_values(db):
    # 杭州市 2025 has 37 matching activities stored: 800 agreements is more than 20 × 37 = 740
    found = warnings_of(db, "城市,年份,签订合作协议（项）\n杭州市,2025,800\n")
    assert [i.rule for i in found] == ["agreements-per-activity"] and "740" in found[0].message.en
    assert not warnings_of(db, "城市,年份,签订合作协议（项）\n杭州市,2025,700\n")


def test_last_year_in_the_file_or_else_stored(db):
    with db.snapshot() as cur:
        pool = cur.execute("SELECT experts_in_pool FROM experts WHERE city_code = '330100' AND year = 2024").fetchall()
    half = int(pool[0][0]) // 2
    found = warnings_of(db, f"城市,年份,专家库人数（人）\n杭州市,2025,{half - 1}\n")
    assert [i.rule for i in found] == ["talent-pool-kept"]
    assert not warnings_of(db, f"城市,年份,专家库人数（人）\n杭州市,2024,{half * 2 - 2}\n杭州市,2025,{half - 1}\n")


@pytest.mark.parametrize(
    "years, warned",
    [
        # Last year's pool is the file's own row of that year, wherever it stands (a sheet newest year first, a
        # year added at the bottom); the pool below half of it is the one warning.
        ({2024: "high", 2025: "low"}, [3]),
        ({2025: "low", 2024: "high"}, [2]),
        ({2024: "high", 2025: "low", 2023: "high"}, [3]),
        ({2025: "low", 2023: "high", 2024: "kept"}, []),
    ],
)
def test_last_year_is_the_file_row_of_that_year_in_any_order(db, years, warned):
    with db.snapshot() as cur:
        pool = cur.execute("SELECT experts_in_pool FROM experts WHERE city_code = '330100' AND year = 2024").fetchall()
    low = int(pool[0][0]) // 2
    values = {"low": low, "high": 4 * low, "kept": 2 * low}
    csv = "城市,年份,专家库人数（人）\n" + "".join(f"杭州市,{y},{values[v]}\n" for y, v in years.items())
    found = warnings_of(db, csv)
    assert [(i.rule, i.row) for i in found] == [("talent-pool-kept", r) for r in warned]


def test_a_switched_off_rule_does_not_run_and_a_changed_threshold_does(db):
    csv = "城市,年份,对接活动（场）,签订合作协议（项）\n杭州市,2025,30,900\n"
    set_enabled(db, "agreements-per-activity", False, ADMIN)
    assert not warnings_of(db, csv)
    with db.snapshot() as cur:
        changed = rules_in_force(cur)[1].changed(right="40*activities", enabled=True)
    save_rule(db, changed, ADMIN)
    assert not warnings_of(db, csv)
    save_rule(db, changed.changed(right="25*activities"), ADMIN)
    assert [i.rule for i in warnings_of(db, csv)] == ["agreements-per-activity"]


def test_add_disable_enable_round_trip(db):
    added = new_rule("enterprises-at-activities", "enterprises_participating", ">=", "activities", "low",
                     description_zh="参与企业不少于活动场次", description_en="An enterprise at each")  # fmt: skip
    save_rule(db, added, ADMIN)
    for enabled in (False, True):
        set_enabled(db, added.id, enabled, ADMIN)
        with db.snapshot() as cur:
            found = {r.id: r for r in rules_in_force(cur)}
        assert found[added.id] == added.changed(enabled=enabled)
    set_enabled(db, RULES[0].id, False, ADMIN)
    with db.snapshot() as cur:
        shipped = rules_in_force(cur)[0]
    assert shipped.id == RULES[0].id and not shipped.enabled and shipped.changed(enabled=True) == RULES[0]


def test_only_an_admin_changes_rules(db):
    with pytest.raises(Refused):
        set_enabled(db, RULES[0].id, False, EDITOR)
    with pytest.raises(Refused):
        set_enabled(db, "no-such-rule", False, ADMIN)


@pytest.mark.duckdb_only
def test_rules_check_exit_codes_and_json(sample_path, capsys):
    db = ["--db", str(sample_path)]
    assert main(["rules", "check", "--json", *db]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["high"] == 0
    assert main(["rules", "edit", "agreements-per-activity", "--right", "2*activities", *db]) == 0
    assert main(["rules", "check", "--year", "2024", "--json", *db]) == 1
    out = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    broken_here = [v for v in out["violations"] if v["rule"] == "agreements-per-activity"]
    assert out["year"] == 2024 and out["counts"]["high"] == len(broken_here) > 0
    assert {"rule", "importance", "city_code", "year", "left", "right", "message"} == set(broken_here[0])
    assert main(["rules", "disable", "agreements-per-activity", *db]) == 0
    assert main(["rules", "check", "--year", "2024", *db]) == 0
    assert main(["rules", "enable", "nope", *db]) == 1
    assert main(["rules", "add", "x-rule", "--left", "activities", "--op", ">=", "--right", "oops", *db]) == 1
    capsys.readouterr()
    assert main(["rules", "list", "--json", *db]) == 0
    listed = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert not listed["agreements-per-activity"]["enabled"] and listed["agreements-per-activity"]["right"] == (
        "2*activities"
    )


@pytest.mark.duckdb_only
def test_import_json_names_the_rule(sample_path, tmp_path, capsys):
    path = tmp_path / "rules.csv"
    path.write_text("城市,年份,对接活动（场）,签订合作协议（项）\n杭州市,2025,30,900\n", encoding="utf-8")
    assert main(["import", str(path), "--dry-run", "--json", "--db", str(sample_path), "--lang", "en"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [i["rule"] for i in printed["warnings"] if i["rule"]] == ["agreements-per-activity"]


GOOD = {"rule_id": "pool-per-station", "left": "experts_in_pool", "operator": ">=",
        "right": "0.5*last_year(experts_in_pool)", "importance": "low", "missing": "skip"}  # fmt: skip


@pytest.mark.parametrize(
    ("changed", "field"),
    [
        ({"left": "experts_in_pol"}, ("左侧", "Left side")),  # a misspelt key
        ({"right": "0.5*last_year(experts_in_pool"}, ("右侧", "Right side")),  # a bracket left open
        ({"right": ""}, ("右侧", "Right side")),
        ({"operator": "=<"}, ("运算符", "Operator")),
        ({"importance": "urgent"}, ("重要性", "Importance")),
        ({"missing": "zero"}, ("缺少一侧时", "A side missing")),
        ({"rule_id": "Pool Rule"}, ("规则编号", "rule id")),
        ({"rule_id": RULES[0].id}, ("规则编号", "Rule id")),  # a shipped rule's
    ],
)
def test_a_rule_that_cannot_be_added_names_the_field(changed, field):
    with pytest.raises(Refused) as refused:
        new_rule(**(GOOD | changed))
    assert field[0] in refused.value.text.zh and field[1] in refused.value.text.en


def test_a_rule_is_added_once(db):
    added = new_rule(**GOOD)
    add_rule(db, added, ADMIN)
    with pytest.raises(Refused, match="Rule id: 'pool-per-station' exists already"):
        add_rule(db, added, ADMIN)
    with pytest.raises(Refused, match="may not"):
        add_rule(db, new_rule(**(GOOD | {"rule_id": "another"})), EDITOR)
    with db.snapshot() as cur:
        assert [r for r in rules_in_force(cur) if not r.shipped] == [added]


@pytest.mark.duckdb_only
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_admin_adds_a_rule_on_the_about_page(app_db, lang):
    from test_pages import open_app, table_with

    at = open_app("about", lang=lang)
    typed = {"rule-add-id": "pool-per-station", "rule-add-left": "experts_in_pool",
             "rule-add-right": "0.5*last_year(experts_in_pol)", "rule-add-zh": "专家库不少于上年一半"}  # fmt: skip
    for key, value in typed.items():
        at.text_input(key=key).input(value)
    at.button[-1].click().run()  # the form's submit button
    said = " ".join(e.value for e in at.error).replace("\\", "")
    assert ("右侧" if lang == "zh" else "Right side") in said and "experts_in_pol" in said
    at.text_input(key="rule-add-right").input("0.5*last_year(experts_in_pool)")
    at.button[-1].click().run()
    assert not at.error and at.success, [e.value for e in at.error]
    table = table_with(at, "编号" if lang == "zh" else "Id")
    added = table[table["编号" if lang == "zh" else "Id"] == "pool-per-station"].iloc[0]
    assert added.iloc[0] == ("专家库人数 ≥ 0.5 × 上年专家库人数" if lang == "zh" else
                             "Experts in the talent pool ≥ 0.5 × last year's Experts in the talent pool")  # fmt: skip
