"""The review queue (analysis/outliers.py, analysis/review.py): the modified z-score, planted outliers flagged and
plausible growth not, the sample's few flags, decisions that stick until the value changes, a pilot sent back on
the tracker, and the CLI; the store on both engines."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from conftest import EDITOR
from test_pages import open_app, table_with

from metrics.analysis.outliers import THRESHOLDS, modified_z, outliers
from metrics.analysis.review import decide, review
from metrics.analysis.round_status import round_status
from metrics.cli import main
from metrics.domain import registry
from metrics.domain.i18n import Refused
from metrics.domain.roles import Actor
from metrics.store.transactions import transaction

pytestmark = pytest.mark.both_engines
YEAR = 2025
FLAGGED = ("320100", "experts_in_pool")  # Nanjing's talent pool: far above the other pilots' in the sample
OTHER = ("230100", "experts_in_pool")  # Harbin's, likewise


@pytest.mark.parametrize(
    ("x", "median", "mad", "expected"),
    [
        (100.0, 3.0, 1.0, 0.6745 * 97),  # [1, 2, 3, 4, 100]: median 3, deviations [2, 1, 0, 1, 97], MAD 1
        (1.0, 3.0, 1.0, -1.349),
        (30.0, 10.0, 4.0, 3.3725),
        (10.0, 10.0, 4.0, 0.0),
        (7.0, 5.0, 0.0, np.nan),  # a MAD of 0: no score from the bare formula (the detector floors the spread)
    ],
)
def test_modified_z_by_hand(x, median, mad, expected):
    got = float(modified_z(np.array([x]), median, mad)[0])
    assert (np.isnan(got) and np.isnan(expected)) or got == pytest.approx(expected)


def history(**planted: float) -> pd.DataFrame:
    """Twelve pilots 2019–2025 growing 15% a year, activities from 20 and talent pools from 300 up, each pilot a
    little bigger than the one before; `planted` sets P0's 2025 value of a key."""
    rows = []
    for i in range(12):
        for year in range(2019, 2026):
            grown = 1.15 ** (year - 2019)
            rows.append({"city_code": f"P{i}", "year": year, "activities": round((20 + 2 * i) * grown),
                         "experts_in_pool": round((300 + 20 * i) * grown)})  # fmt: skip
    frame = pd.DataFrame(rows).astype({"activities": "float64", "experts_in_pool": "float64"})
    for key, value in planted.items():
        frame.loc[(frame["city_code"] == "P0") & (frame["year"] == YEAR), key] = value
    return frame


def reasons(frame: pd.DataFrame, code: str = "P0") -> set[tuple[str, str]]:
    found = outliers(frame, YEAR)
    mine = found[found["city_code"] == code]
    return set(zip(mine["indicator"], mine["reason"], strict=True))


@pytest.mark.parametrize(
    ("planted", "expected"),
    [
        ({}, set()),  # ordinary growth
        ({"activities": 20 * 1.15**5 * 2}, set()),  # a flow that doubles: not an outlier on the log scale
        ({"activities": 20 * 1.15**5 * 100}, {("activities", "own_history"), ("activities", "peers")}),  # 100×
        ({"activities": 0}, {("activities", "own_history"), ("activities", "peers")}),  # from ~40 a year to none
        ({"experts_in_pool": 300 * 1.15**6 * 1.1}, set()),  # a stock growing 26% in the year (15% before)
        ({"experts_in_pool": 300 * 1.15**6 * 3}, {("experts_in_pool", "own_history"), ("experts_in_pool", "peers")}),
    ],
)
def test_planted_outliers_and_plausible_growth(planted, expected):
    assert reasons(history(**planted)) == expected


def test_a_value_fifty_times_the_peers_median_is_flagged_against_the_peers():
    frame = history()
    big = frame["city_code"] == "P5"
    frame.loc[big, "activities"] = frame.loc[big, "activities"] * 50  # always that big: its own history agrees
    assert reasons(frame, "P5") == {("activities", "peers")}


@pytest.mark.parametrize(("value", "flagged"), [(12, False), (24, False), (36, False), (72, True), (1200, True)])
def test_a_flat_history_has_a_floor_not_a_division_by_zero(value, flagged):
    frame = pd.DataFrame({"city_code": "P0", "year": range(2019, 2026), "activities": [12] * 6 + [value]})
    found = outliers(frame, YEAR)
    assert (not found.empty) == flagged
    assert np.isfinite(found["z"]).all()


def test_few_values_are_not_compared():
    frame = history(activities=20 * 1.15**5 * 100)
    few = frame[(frame["year"] >= 2023) & frame["city_code"].isin([f"P{i}" for i in range(THRESHOLDS.min_peers - 1)])]
    assert outliers(few, YEAR).empty  # two years before it, seven pilots: neither reference is enough


def test_the_sample_yields_few_flags(db):
    """About 500 values a year (65 pilots, 8 indicators): at most 8 outliers a year and 12 flags with the rules'."""
    with db.snapshot() as cur:
        counts = {year: review(cur, year)["reason"].value_counts() for year in range(2014, YEAR + 1)}
    assert all(c.sum() <= 12 for c in counts.values()), counts
    assert all(c.drop("rule", errors="ignore").sum() <= 8 for c in counts.values()), counts
    assert counts[2016].drop("rule", errors="ignore").sum() == 0


@pytest.mark.parametrize("kept", [False, True])
@pytest.mark.parametrize("years", [(YEAR, YEAR), (2016, YEAR)])
def test_a_pilots_own_review_is_the_whole_queue_s_rows_of_that_pilot(db, years, kept):
    """A city profile asks for one pilot's flags (still judged against every pilot); with reads kept, the pilots'
    figures and the outliers against peers are shared by every pilot's review."""
    from metrics.store.reads import READ_CACHE

    memo: dict = {}
    token = READ_CACHE.set((lambda name, args, compute: memo.setdefault((name, args), compute()) if (name, args)
                            not in memo else memo[(name, args)]) if kept else None)  # fmt: skip
    try:
        with db.snapshot() as cur:
            whole = review(cur, years[0], last=years[1])
            rules = whole.loc[whole["reason"] == "rule", "city_code"].iloc[0]
            for code in (FLAGGED[0], OTHER[0], rules, "330100"):
                mine = review(cur, years[0], last=years[1], cities=(code,))
                expected = whole[whole["city_code"] == code]
                key = ["year", "indicator", "reason", "rule_id"]
                pd.testing.assert_frame_equal(mine.sort_values(key).reset_index(drop=True),
                                              expected.sort_values(key).reset_index(drop=True), check_dtype=False,
                                              check_like=True)  # fmt: skip
    finally:
        READ_CACHE.reset(token)


def flag_of(db, code: str, key: str) -> dict:
    with db.snapshot() as cur:
        queue = review(cur, YEAR)
    mine = queue[(queue["city_code"] == code) & (queue["indicator"] == key) & (queue["reason"] == "peers")]
    return mine.iloc[0].to_dict()


def change_value(db, code: str, key: str, value: float, year: int = YEAR) -> None:
    ind = registry.get(key)
    with db.write_lock, db.cursor() as cur, transaction(cur):
        cur.execute(
            f"UPDATE {ind.table} SET {ind.column} = $v WHERE city_code = $c AND year = $y",
            {"v": value, "c": code, "y": year},
        )


def test_a_decision_sticks_and_reopens_when_the_value_changes(db):
    code, key = FLAGGED
    assert flag_of(db, code, key)["status"] == "open"
    assert decide(db, YEAR, code, (key,), "confirmed", "市科协电话确认：含两场大型对接会", EDITOR) == 1
    decided = flag_of(db, code, key)
    assert (decided["status"], decided["comment"], decided["decided_by"]) == (
        "confirmed", "市科协电话确认：含两场大型对接会", EDITOR.name)  # fmt: skip
    assert pd.notna(decided["decided_at"]) and not decided["reopened"]
    change_value(db, code, key, decided["value"] * 1.5)
    again = flag_of(db, code, key)
    assert (again["status"], again["reopened"]) == ("open", True) and pd.isna(again["comment"])


def test_a_pilot_sent_back_is_returned_on_the_tracker_until_its_values_change(db):
    code, key = OTHER
    decide(db, YEAR, code, None, "returned", "请核实专家库人数", EDITOR)
    with db.snapshot() as cur:
        pilots = round_status(cur, YEAR, dt.date(YEAR + 1, 1, 10)).pilots.set_index("city_code")
        counts = round_status(cur, YEAR, dt.date(YEAR + 1, 1, 10)).counts
    assert pilots.loc[code, "status"] == "returned" and counts["returned"] == 1
    assert "请核实专家库人数" in pilots.loc[code, "reasons"][0].message.zh
    change_value(db, code, key, 1900)
    with db.snapshot() as cur:
        assert round_status(cur, YEAR).pilots.set_index("city_code").loc[code, "status"] == "loaded"


@pytest.mark.parametrize(
    ("who", "indicators", "comment", "refusal"),
    [
        (Actor("v", "viewer", "password"), None, "why", "may not"),
        (EDITOR, None, "  ", "Say why"),
        (EDITOR, ("activities",), "why", "no flags"),
    ],
)
def test_decisions_refused(db, who, indicators, comment, refusal):
    with pytest.raises(Refused, match=refusal):
        decide(db, YEAR, FLAGGED[0], indicators, "confirmed", comment, who)


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["round", "review", str(YEAR), "--json"], 0),
        (["round", "confirm", str(YEAR), "--city", FLAGGED[0], "--indicator", FLAGGED[1], "--comment", "ok"], 0),
        (["round", "confirm", str(YEAR), "--city", FLAGGED[0], "--indicator", "activities", "--comment", "ok"], 1),
        (["round", "confirm", str(YEAR), "--city", FLAGGED[0], "--indicator", "nope", "--comment", "ok"], 2),
        (["round", "confirm", str(YEAR), "--city", "999999", "--indicator", FLAGGED[1], "--comment", "ok"], 2),
        (["round", "return", str(YEAR), "--city", OTHER[0], "--reason", "请核实"], 0),
        (["round", "return", str(YEAR), "--city", "330100", "--reason", "请核实"], 0),  # no flags: the whole year
        (["round", "return", str(YEAR + 1), "--city", "330100", "--reason", "请核实"], 1),  # no figures
        (["round", "review", "1990"], 2),
    ],
)
def test_cli_exit_codes(sample_path, capsys, args, status):
    assert main([*args, "--db", str(sample_path)]) == status
    assert "Traceback" not in capsys.readouterr().err


def test_cli_review_json_after_decisions(sample_path, capsys):
    db = ["--db", str(sample_path)]
    assert main(["round", "confirm", str(YEAR), "--city", FLAGGED[0], "--indicator", FLAGGED[1], "--comment", "ok",
                 *db]) == 0  # fmt: skip
    assert main(["round", "return", str(YEAR), "--city", OTHER[0], "--reason", "请核实", *db]) == 0
    capsys.readouterr()
    assert main(["round", "review", str(YEAR), "--json", *db]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["counts"]["confirmed"] >= 1 and out["counts"]["returned"] >= 1
    by = {(f["city_code"], f["indicator"], f["reason"]): f for f in out["flags"]}
    nanjing = by[(*FLAGGED, "peers")]
    assert (nanjing["status"], nanjing["comment"], len(nanjing["last_years"])) == ("confirmed", "ok", 3)
    assert nanjing["z"] > 3.5 and nanjing["value"] > 0
    assert {f["reason"] for f in out["flags"]} <= {"own_history", "peers", "rule"}
    assert main(["round", "status", str(YEAR), "--json", *db]) == 0
    status = {p["city_code"]: p["status"] for p in json.loads(capsys.readouterr().out)["pilots"]}
    assert status[OTHER[0]] == "returned"


@pytest.mark.duckdb_only
def test_the_round_page_lists_the_flags_and_an_editor_confirms_one(app_db):
    at = open_app("round", lang="en", year=str(YEAR))
    assert not at.exception, [e.value for e in at.exception]
    shown = table_with(at, "Why")
    assert list(shown.columns[:6]) == ["Pilot", "Indicator", str(YEAR), str(YEAR - 1), str(YEAR - 2), str(YEAR - 3)]
    assert "Nanjing" in set(shown["Pilot"]) and set(shown["Status"]) == {"open"}
    at.multiselect(key="review_pick").set_value(["|".join(FLAGGED)]).run()
    at.text_input(key="review_comment").set_value("confirmed by phone").run()
    at.button(key="review_confirm").click().run()
    assert any("1 flags confirmed" in s.value for s in at.success), [e.value for e in at.error]
    shown = table_with(at, "Why")
    nanjing = shown[(shown["Pilot"] == "Nanjing") & (shown["Status"] == "confirmed")]
    assert list(nanjing["Comment"]) == ["confirmed by phone"]


CLEAR = "120000"  # Tianjin: no flag in 2025 (39 activities, a talent pool of 869)
# (the rule, a value planted in Tianjin's 2025 to break it, the value changed after the flag is confirmed (its key,
# years back, new value), and whether the flag opens again): a rule's flag watches every value on either side
RULE_CHANGES = [
    ("agreements-per-activity", ("agreements", 2000), ("agreements", 0, 2100), True),  # the left side
    ("agreements-per-activity", ("agreements", 2000), ("activities", 0, 41), True),  # the right side
    ("agreements-per-activity", ("agreements", 2000), ("experts_in_pool", 0, 999), False),  # not read by the rule
    ("talent-pool-kept", ("experts_in_pool", 100), ("experts_in_pool", 1, 900), True),  # last year's, on the right
    ("talent-pool-kept", ("experts_in_pool", 100), ("experts_in_pool", 0, 101), True),
    ("talent-pool-kept", ("experts_in_pool", 100), ("activities", 0, 41), False),
]


def rule_flag(db, rule: str) -> dict:
    with db.snapshot() as cur:
        queue = review(cur, YEAR)
    mine = queue[(queue["city_code"] == CLEAR) & (queue["rule_id"] == rule)]
    assert len(mine) == 1, queue[queue["city_code"] == CLEAR]
    return mine.iloc[0].to_dict()


@pytest.mark.parametrize(("rule", "planted", "changed", "reopened"), RULE_CHANGES)
def test_a_rules_flag_opens_again_when_any_value_on_either_side_changes(db, rule, planted, changed, reopened):
    change_value(db, CLEAR, *planted)
    flag = rule_flag(db, rule)
    decide(db, YEAR, CLEAR, (flag["indicator"],), "confirmed", "checked by phone", EDITOR)
    assert rule_flag(db, rule)["status"] == "confirmed"
    key, back, value = changed
    change_value(db, CLEAR, key, value, YEAR - back)
    again = rule_flag(db, rule)
    assert (again["status"] == "open", bool(again["reopened"])) == (reopened, reopened)


@pytest.mark.parametrize(
    ("code", "year", "first", "refusal"),
    [
        (CLEAR, YEAR, None, None),  # no flag: the whole year goes back
        ("330500", YEAR, None, "has no 2025 figures"),  # Huzhou reported nothing for 2025
        (CLEAR, YEAR + 1, None, "has no 2026 figures"),
        (CLEAR, YEAR, "approve", "are approved and cannot be sent back"),
    ],
)
def test_a_pilot_without_a_flag_is_sent_back_whole_until_any_figure_changes(db, code, year, first, refusal):
    from metrics.analysis import approval

    if first == "approve":
        approval.approve(db, year, [code], EDITOR)
    if refusal:
        with pytest.raises(Refused, match=refusal):
            decide(db, year, code, None, "returned", "请核实全部数据", EDITOR)
        return
    assert decide(db, year, code, None, "returned", "请核实全部数据", EDITOR) == 0  # no flag decided
    with db.snapshot() as cur:
        pilot = round_status(cur, year).pilots.set_index("city_code").loc[code]
        assert pilot["status"] == "returned" and "请核实全部数据" in pilot["reasons"][0].message.zh
        assert code in approval.open_items(cur, year) and code not in approval.approvable(cur, year)
    with pytest.raises(Refused, match="open"):
        approval.approve(db, year, [code], EDITOR)
    change_value(db, code, "stations_founded", 7, year)  # any figure of the year: the pilot has answered
    with db.snapshot() as cur:
        assert round_status(cur, year).pilots.set_index("city_code").loc[code, "status"] == "loaded"
        assert code in approval.approvable(cur, year)


@pytest.mark.parametrize(
    "year, last, cities, empty",
    [
        (YEAR + 1, None, None, True),  # a round's year before any file
        (YEAR + 1, YEAR + 2, None, True),
        (YEAR, None, ("999999",), True),  # a code with no figures
        (YEAR, None, (FLAGGED[0],), False),
        (YEAR, YEAR + 1, None, False),
    ],
)
def test_years_without_figures_have_no_flags_and_the_queue_its_columns(db, year, last, cities, empty):
    from metrics.analysis.review import FLAG_COLUMNS, current_flags

    with db.snapshot() as cur:
        flags = current_flags(cur, year, last=last, cities=cities)
        queue = review(cur, year, last=last, cities=cities)
        full = review(cur, YEAR)
    assert flags.empty == queue.empty == empty
    if empty:  # as the whole computation gives it for no figures: no row, the same columns
        pd.testing.assert_frame_equal(flags, pd.DataFrame(columns=FLAG_COLUMNS))
        assert set(queue.columns) == set(full.columns)


@pytest.mark.parametrize("year, last", [(2016, None), (YEAR, None), (2014, YEAR), (YEAR + 1, None)])
def test_the_figures_judged_are_the_stored_values_as_floats(db, year, last):
    from metrics.analysis.review import _figures
    from metrics.store.figures import years_values

    with db.snapshot() as cur:
        figures = _figures(cur, year, THRESHOLDS, last)
        stored = years_values(cur, year - 5, year if last is None else last)
    for ind in registry.BASE_INDICATORS:  # as every value once was converted: through Python objects
        expected = pd.to_numeric(stored[ind.column].astype("object"), errors="coerce").astype("float64")
        pd.testing.assert_series_equal(figures[ind.key], expected, check_names=False, check_exact=True)
