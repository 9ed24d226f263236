"""Assessing the pilots: the composite index worked out by hand, its groups, ranks and methods; targets against
actuals; the targets upload; the index and targets commands."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from conftest import ADMIN, EDITOR
from older_schemas import SIGN_IN_UNDONE, drop_name_key_index

from metrics.analysis import index as composite
from metrics.analysis import targets as achievement
from metrics.cli import main
from metrics.domain import registry
from metrics.domain.i18n import LANGS, Refused
from metrics.domain.index_method import DEFAULT_METHOD, GROUP_KEYS, Method, covered, group_of, method_problems
from metrics.domain.roles import Forbidden
from metrics.ingest import templates, uploads
from metrics.store.index_methods import delete_method, get_method, list_methods, method_names, save_method
from metrics.store.meta import get_meta, set_meta
from metrics.store.schema import (
    _UPLOAD_COLUMNS_V4,
    SCHEMA_VERSION,
    _kinds_check,
    _rebuilt_uploads,
    migrate,
)
from metrics.store.transactions import transaction

pytestmark = pytest.mark.both_engines

BASE = [i.column for i in registry.BASE_INDICATORS]


def figures(rows: dict[str, dict[str, float | None]]) -> pd.DataFrame:
    """A year's figures, a row per pilot (columns not given are not reported)."""
    frame = pd.DataFrame([{"city_code": code, **values} for code, values in rows.items()])
    for column in BASE:
        if column not in frame:
            frame[column] = math.nan
    return frame[["city_code", *BASE]].astype({c: float for c in BASE})


def pilot(activities, agreements, value, stations, experts) -> dict[str, float | None]:
    return {"activities": activities, "agreements": agreements, "contract_value_10k_cny": value,
            "stations_founded": stations, "experts_in_pool": experts}  # fmt: skip


# Three pilots of different size. Every indicator's three values have a skewness below 1 (three values never have
# more than 1/sqrt(2)), so none is transformed:
#   activities 4, 10, 16        symmetric                      -> 0, 50, 100
#   agreements 8, 30, 40        mean 26, d = -18, 4, 14: m2 = 536/3, m3 = -3024/3, skew -0.42 -> 0, 22/32 = 68.75, 100
#   value 100, 400, 1600        mean 700, d = -600, -300, 900: m2 = 420000, m3 = 162e6, skew 0.60
#                                                              -> 0, 300/1500 = 20, 100
#   stations 1, 3, 5            symmetric                      -> 0, 50, 100
#   experts 50, 150, 250        symmetric                      -> 0, 50, 100
#   agreements per activity: own ratios 8/4 = 2, 30/10 = 3, 40/16 = 2.5 (symmetric) -> 0, 100, 50
# Indexes (equal weights): SMALL 0; MID (50 + 68.75 + 20 + 50 + 50 + 100) / 6 = 338.75 / 6 = 56.458333;
# BIG (100 * 5 + 50) / 6 = 91.666667. Mean index (0 + 56.458333 + 91.666667) / 3 = 49.375: MID is at 114.3% (Strong),
# BIG at 185.7% (Leaders), SMALL at 0% (Emerging).
THREE = {
    "SMALL": pilot(4, 8, 100, 1, 50),
    "MID": pilot(10, 30, 400, 3, 150),
    "BIG": pilot(16, 40, 1600, 5, 250),
}
BY_HAND = {  # city: (index, group, rank, scores in the default method's order)
    "BIG": (550 / 6, "leaders", 1, (100, 100, 100, 100, 100, 50)),
    "MID": (338.75 / 6, "strong", 2, (50, 68.75, 20, 50, 50, 100)),
    "SMALL": (0.0, "emerging", 3, (0, 0, 0, 0, 0, 0)),
}


@pytest.mark.parametrize("code", list(BY_HAND))
def test_the_index_of_three_pilots_as_worked_out_by_hand(code):
    result = composite.compute_index(figures(THREE), DEFAULT_METHOD, 2024)
    row = result.pilots.set_index("city_code").loc[code]
    index, group, rank, scores = BY_HAND[code]
    assert row["index"] == pytest.approx(index)
    assert (row["group"], int(row["rank"])) == (group, rank)
    assert list(result.scores_of(code).values()) == pytest.approx(list(scores))
    assert result.mean_index == pytest.approx(49.375) and result.transformed == ()
    assert result.method.name == "default" and result.year == 2024
    assert result.pilots["city_code"].tolist() == ["BIG", "MID", "SMALL"]  # best first


def test_a_breakdown_adds_up_to_the_index():
    result = composite.compute_index(figures(THREE))
    parts = composite.breakdown(result, "MID")
    # weight 1 x score / total weight 6, for each indicator
    assert parts["contribution"].tolist() == pytest.approx([50 / 6, 68.75 / 6, 20 / 6, 50 / 6, 50 / 6, 100 / 6])
    assert parts["contribution"].sum() == pytest.approx(338.75 / 6)


# (what MID leaves out, MID's index by hand or None for not enough data)
MISSING = [
    # value normalised over SMALL and BIG only; MID's index over its other five: (50 + 68.75 + 50 + 50 + 100) / 5
    (("contract_value_10k_cny",), 318.75 / 5),
    # activities gone takes the ratio with it: 4 of 6 left (exactly two thirds): agreements 68.75, value 20,
    # stations 50, experts 50
    (("activities",), (68.75 + 20 + 50 + 50) / 4),
    (("activities", "stations_founded"), None),  # 3 of 6: not enough data
]


@pytest.mark.parametrize(("missing", "expected"), MISSING)
def test_a_pilot_missing_an_indicator(missing, expected):
    rows = {**THREE, "MID": {**THREE["MID"], **dict.fromkeys(missing)}}
    result = composite.compute_index(figures(rows))
    row = result.pilots.set_index("city_code").loc["MID"]
    if expected is None:
        assert pd.isna(row["index"]) and pd.isna(row["group"]) and pd.isna(row["rank"])
        assert result.pilots["city_code"].iloc[-1] == "MID"  # those without an index come last
    else:
        assert row["index"] == pytest.approx(expected)
    breakdown = composite.breakdown(result, "MID").set_index("key")
    assert not breakdown.loc[list(missing), "reported"].any()


def test_an_indicator_one_pilot_reported_scores_100():
    rows = {code: {**values, "stations_founded": None} for code, values in THREE.items()}
    rows["SMALL"]["stations_founded"] = 1
    result = composite.compute_index(figures(rows))
    assert result.scores.at["SMALL", "stations_founded"] == 100
    assert result.scores["stations_founded"].isna().sum() == 2


def test_ties_share_a_rank_and_the_next_is_skipped():
    rows = {"A": THREE["BIG"], "B": THREE["BIG"], "C": THREE["MID"], "D": THREE["SMALL"]}
    ranks = composite.compute_index(figures(rows)).pilots.set_index("city_code")["rank"]
    assert ranks.to_dict() == {"A": 1, "B": 1, "C": 3, "D": 4}


@pytest.mark.parametrize(
    ("values", "expected"), [((4, 1, 1, 1), (1, 2, 2, 2)), ((3, 3, 2, 1), (1, 1, 3, 4)), ((5, 5, 5), (1, 1, 1))]
)
def test_competition_ranks(values, expected):
    assert composite.competition_ranks(pd.Series(values, dtype=float)).tolist() == list(expected)


# (index over the programme's mean index, group): above 125% Leaders, 100-125% Strong, 70-100% Moderate, below 70%
# Emerging; exactly 125% is Strong, exactly 100% Strong, exactly 70% Moderate.
BOUNDS = [
    (1.2500001, "leaders"),
    (1.25, "strong"),
    (1.0, "strong"),
    (0.9999, "moderate"),
    (0.7, "moderate"),
    (0.6999, "emerging"),
    (0.0, "emerging"),
    (0.1 * 7, "moderate"),  # 0.7000000000000001: float noise on a bound does not move a pilot
    (0.3 * 3 + 0.1, "strong"),  # 0.9999999999999999
]


@pytest.mark.parametrize(("relative", "expected"), BOUNDS)
def test_the_groups_boundaries(relative, expected):
    assert group_of(relative).key == expected


def test_groups_of_indexes_exactly_on_the_bounds():
    # One indicator, so a pilot's index is its score; values 0 to 100 are their own scores (skewness -0.03: mean 50,
    # deviations -50, -15, 0, 2.5, 12.5, 50). Mean index 300 / 6 = 50: 62.5 is exactly 125%, 35 exactly 70%.
    method = Method("one", (("activities", 1.0),))
    values = {"A": 100, "B": 62.5, "C": 52.5, "D": 50, "E": 35, "F": 0}
    result = composite.compute_index(figures({c: {"activities": v} for c, v in values.items()}), method)
    assert result.mean_index == pytest.approx(50) and result.transformed == ()
    groups = result.pilots.set_index("city_code")["group"].to_dict()
    assert groups == {"A": "leaders", "B": "strong", "C": "strong", "D": "strong", "E": "moderate", "F": "emerging"}


def test_the_ratio_is_each_pilot_s_own_never_a_sum():
    rows = {**THREE, "ZERO": pilot(0, 5, 10, 1, 50), "HALF": {"agreements": 9}}
    values = composite.own_values(figures(rows), ("agreements_per_activity",))["agreements_per_activity"]
    assert values["SMALL"] == 2 and values["MID"] == 3 and values["BIG"] == 2.5  # not (8 + 30 + 40) / (4 + 10 + 16)
    assert pd.isna(values["ZERO"]) and pd.isna(values["HALF"])  # no activities, or none reported: no ratio


# (values over five pilots, whether square roots are taken, the score of the second pilot)
SKEW = [
    # mean 21.2; m2 = 1554.16, m3 = 91640.3, skew = 91640.3 / 1554.16^1.5 = 1.50 > 1: square roots 0, 1, 1, 2, 10
    ((0, 1, 1, 4, 100), True, 10.0),
    ((0, 25, 50, 75, 100), False, 25.0),  # symmetric: skew 0
    ((0, 0, 0, 0, 0), False, 100.0),  # all equal: no skewness, everyone 100
]


@pytest.mark.parametrize(("values", "transformed", "second"), SKEW)
def test_a_skewed_indicator_is_square_rooted_first(values, transformed, second):
    method = Method("one", (("activities", 1.0),))
    rows = {f"P{i}": {"activities": v} for i, v in enumerate(values)}
    result = composite.compute_index(figures(rows), method)
    assert (result.transformed == ("activities",)) is transformed
    assert result.scores.at["P1", "activities"] == pytest.approx(second)
    if transformed:
        assert result.scores.at["P3", "activities"] == pytest.approx(20.0)  # sqrt 4 / sqrt 100


def test_skewness_is_the_population_moment_coefficient():
    assert composite.skewness(pd.Series([0, 1, 1, 4, 100], dtype=float)) == pytest.approx(1.4956, abs=1e-4)
    assert composite.skewness(pd.Series([3.0])) is None


@pytest.mark.parametrize(
    ("weight", "expected"), [(4, True), (3.99, False), (6, True), (0, False)]
)  # of six equal weights
def test_coverage_is_two_thirds_of_the_weight(weight, expected):
    assert covered(DEFAULT_METHOD, weight) is expected


def test_the_sample_s_index_names_its_method_and_groups_every_pilot_with_an_index(sample_db):
    with sample_db.snapshot() as cur:
        result = composite.year_index(cur, 2024)
        history = composite.pilot_history(cur, "330100")
    with_index = result.pilots.dropna(subset=["index"])
    assert result.method.name == "default" and len(result.pilots) == 65
    assert set(with_index["group"]) == set(GROUP_KEYS) and with_index["rank"].min() == 1
    assert history["year"].tolist() == list(range(2014, 2026)) and history["rank_change"].iloc[1:].notna().all()


# Methods: (weights, what the problem says, or None for a method that can be saved)
METHODS = [
    ((("activities", 1.0), ("agreements", 2.0)), None),
    ((("activities", 1.0), ("agreements", 0.0)), None),
    ((), "At least one indicator"),
    ((("activities", -1.0),), "must be a number >= 0"),
    ((("activities", 0.0),), "At least one weight must be above 0"),
    ((("nonsense", 1.0),), "Unknown indicator 'nonsense'"),
    ((("cumulative_agreements", 1.0),), "cannot use"),
    ((("activities", 1.0), ("activities", 1.0)), "listed twice"),
]


@pytest.mark.parametrize(("weights", "problem"), METHODS)
def test_an_edited_method_is_checked(weights, problem):
    problems = method_problems(Method("mine", weights))
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p.en for p in problems) and all(p.zh for p in problems)


def test_methods_are_saved_and_read_back(db):
    mine = DEFAULT_METHOD.with_weights("heavier agreements", {k: 2.0 if k == "agreements" else 1.0
                                                             for k in DEFAULT_METHOD.keys})  # fmt: skip
    save_method(db, mine, ADMIN)
    with db.cursor() as cur:
        assert get_method(cur, "heavier agreements") == mine
        assert method_names(cur) == ("default", "heavier agreements")
        saved = list_methods(cur)
        assert saved[0].method == DEFAULT_METHOD and saved[1].saved_by == ADMIN.name
        assert get_method(cur, None) is DEFAULT_METHOD and get_method(cur, "nope") is None
    save_method(db, mine.with_weights("heavier agreements", {"activities": 1.0, "agreements": 1.0}), ADMIN)
    with db.cursor() as cur:  # saved again under its name: replaced
        assert get_method(cur, "heavier agreements").keys == ("activities", "agreements")
        result = composite.year_index(cur, 2024, get_method(cur, "heavier agreements"))
    assert result.method.name == "heavier agreements"
    assert delete_method(db, "heavier agreements", ADMIN) and not delete_method(db, "heavier agreements", ADMIN)


def test_the_default_method_cannot_be_overwritten_and_editors_cannot_save(db):
    with pytest.raises(Refused, match="default method"):
        save_method(db, DEFAULT_METHOD.with_weights("default", {"activities": 1.0}), ADMIN)
    with pytest.raises(Forbidden):
        save_method(db, DEFAULT_METHOD.with_weights("mine", {"activities": 1.0}), EDITOR)
    with db.cursor() as cur:
        assert method_names(cur) == ("default",) and get_method(cur, "default") is DEFAULT_METHOD


# Targets: (actual, target, share, status)
ACHIEVED = [
    (100, 100, 1.0, "met"),  # met exactly
    (130, 100, 1.3, "met"),
    (92, 115, 0.8, "nearly"),  # exactly 80%
    (91, 115, 91 / 115, "missed"),
    (None, 100, None, "no_actual"),  # a target without an actual
    (0, 0, None, "met"),  # a target of 0 is met by any reported actual; it has no share
    (0, 5, 0.0, "missed"),
]


@pytest.mark.parametrize(("actual", "target", "share", "status"), ACHIEVED)
def test_a_target_against_its_actual(actual, target, share, status):
    targets = pd.DataFrame({"city_code": ["A"], "indicator": ["activities"], "target": [float(target)]})
    result = achievement.achievement(targets, figures({"A": {"activities": actual}})).iloc[0]
    assert result["status"] == status
    assert pd.isna(result["share"]) if share is None else result["share"] == pytest.approx(share)


# (the statuses of a pilot's targets, the pilot's status)
PILOTS = [
    (["met", "met"], "met"),
    (["met", "nearly"], "nearly"),
    (["met", "missed", "no_actual"], "missed"),
    (["met", "no_actual"], "no_actual"),
    (["nearly", "nearly"], "nearly"),
]


@pytest.mark.parametrize(("statuses", "expected"), PILOTS)
def test_a_pilot_s_status(statuses, expected):
    targets = pd.DataFrame({"city_code": "A", "target": 1.0, "share": 1.0, "status": statuses})
    assert achievement.ranking(targets)["status"].tolist() == [expected]


def test_the_ranking_and_the_summary():
    targets = pd.DataFrame(
        [("A", "activities", 10), ("A", "agreements", 10), ("B", "activities", 10), ("B", "agreements", 10),
         ("C", "activities", 10), ("D", "activities", 10)],
        columns=["city_code", "indicator", "target"],
    )  # fmt: skip
    actual = figures({"A": {"activities": 30, "agreements": 10},  # shares 3.0 (capped at 1.5) and 1.0: mean 1.25
                      "B": {"activities": 9, "agreements": 8},  # 0.9 and 0.8: mean 0.85, nearly
                      "C": {"activities": 5},  # 0.5, missed
                      "D": {}})  # no actual: 0  # fmt: skip
    achieved = achievement.achievement(targets, actual)
    ranked = achievement.ranking(achieved).set_index("city_code")
    assert ranked["mean_share"].to_dict() == pytest.approx({"A": 1.25, "B": 0.85, "C": 0.5, "D": 0.0})
    assert ranked["rank"].to_dict() == {"A": 1, "B": 2, "C": 3, "D": 4}
    assert ranked["status"].to_dict() == {"A": "met", "B": "nearly", "C": "missed", "D": "no_actual"}
    assert achievement.summary(achieved) == {"met": 1, "nearly": 1, "missed": 1, "no_actual": 1, "pilots": 4}


def test_the_sample_has_targets_met_nearly_met_and_missed(sample_db):
    with sample_db.snapshot() as cur:
        counts = achievement.summary(achievement.year_achievement(cur, 2023))
    assert counts["pilots"] == 65
    assert min(counts["met"], counts["nearly"], counts["missed"]) >= 5


# The targets upload.
GOOD_TARGETS = (
    "城市,年份,指标,目标值\n杭州,2025,对接活动（场）,50\n武汉市,2026,agreements,300\n"
    "330100,2026,Experts in the talent pool,2000\n"
)
GOOD_ENGLISH = 'city_code,year,indicator,target,notes\n330100,2026,activities,60,\n420100,2026,协议金额,"1,234.5",x\n'


def targets_of(database) -> pd.DataFrame:
    with database.cursor() as cur:
        return cur.execute(
            """SELECT city_code, year, indicator, CAST(target AS VARCHAR) AS target, upload_id FROM targets
               ORDER BY 1, 2, 3"""
        ).df()


@pytest.mark.parametrize(("text", "counts"), [(GOOD_TARGETS, (2, 1, 0)), (GOOD_ENGLISH, (2, 0, 0))])
def test_a_good_targets_file_loads_and_undo_restores_exactly(db, text, counts):
    before = targets_of(db)
    data = text.encode()
    prepared = uploads.prepare(db, data, "targets.csv")
    assert prepared.report.ok and prepared.kind is not None and prepared.kind.name == "targets"
    assert tuple(prepared.counts.values()) == counts
    upload_id = uploads.commit(db, prepared, data, EDITOR)
    after = targets_of(db)
    assert len(after[after["upload_id"] == upload_id]) == sum(counts)
    assert uploads.prepare(db, data, "again.csv").counts == {"inserted": 0, "updated": 0, "unchanged": sum(counts)}
    uploads.undo(db, upload_id, EDITOR)
    pd.testing.assert_frame_equal(before, targets_of(db))


def test_a_later_targets_upload_blocks_undo_of_the_earlier_one(db):
    first = b"city,year,indicator,target\n330100,2026,activities,60\n"
    second = b"city,year,indicator,target\n330100,2026,activities,70\n"
    one = uploads.commit(db, uploads.prepare(db, first, "a.csv"), first, EDITOR)
    two = uploads.commit(db, uploads.prepare(db, second, "b.csv"), second, EDITOR)
    other = b"city,year,indicator,target\n330100,2026,agreements,70\n"  # another indicator of the same pilot-year
    three = uploads.commit(db, uploads.prepare(db, other, "c.csv"), other, EDITOR)
    with pytest.raises(Refused, match=str(two)):
        uploads.undo(db, one, EDITOR)
    uploads.undo(db, two, EDITOR)
    uploads.undo(db, one, EDITOR)  # the third, on another indicator, does not stand in the way
    uploads.undo(db, three, EDITOR)


BAD_TARGETS = (
    "city,year,indicator,target\n"
    "杭洲,2025,activities,5\n"  # row 2: unknown city
    "杭州,2025,activitys,5\n"  # row 3: unknown indicator
    "杭州,2025,agreements,-3\n"  # row 4: negative target
    "杭州,2025,agreements_per_activity,2\n"  # row 5: a ratio
    "武汉,2025,activities,5\n"
    "武汉,2025,对接活动,6\n"  # row 7: the same pilot, year and indicator again
    "武汉,1999,agreements,6\n"  # row 8: a bad year
    "武汉,2025,stations_founded,2.5\n"  # row 9: a count must be whole
)
# (row, column, words in the English message, words in the Chinese one)
BAD = [
    (2, "city", "Unknown city '杭洲'", "杭州市"),
    (3, "indicator", "Unknown indicator 'activitys'. The closest are: 对接活动（activities）", "未知指标"),
    (4, "target", "must not be negative", "不能为负"),
    (5, "indicator", "derived from other indicators and cannot have a target", "不能设目标"),
    (7, "indicator", "already appears in row 6", "第 6 行"),
    (8, "year", "Year '1999' is not valid", "年份"),
    (9, "target", "whole number", "整数"),
]


def test_a_bad_targets_file_is_refused_with_every_problem_in_one_pass(db):
    before = targets_of(db)
    data = BAD_TARGETS.encode()
    prepared = uploads.prepare(db, data, "bad.csv")
    errors = [i for i in prepared.report.issues if i.level == "error"]
    assert [(i.row, i.column) for i in errors] == [(row, column) for row, column, _, _ in BAD]
    for issue, (_, _, en, zh) in zip(errors, BAD, strict=True):
        assert en in issue.message.en and zh in issue.message.zh
    with pytest.raises(Refused):
        uploads.commit(db, prepared, data, EDITOR)
    pd.testing.assert_frame_equal(before, targets_of(db))


@pytest.mark.parametrize(
    ("header", "words"),
    [("city,year,indicator,target,actual", "Unknown column 'actual'"), ("city,year,target", "'indicator' column")],
)
def test_a_targets_file_s_columns_are_checked(db, header, words):
    report = uploads.prepare(db, f"{header}\n杭州,2025,activities,5\n".encode(), "h.csv").report
    assert report.kind == "targets" and any(words in i.message.en for i in report.issues)


@pytest.mark.parametrize("lang", LANGS)
def test_the_targets_template_filled_in_loads(db, lang):
    with db.snapshot() as cur:
        blank = templates.targets_template(cur, lang, 2026, "csv").decode("utf-8-sig")
    lines = blank.splitlines()
    assert lines[0].split(",")[:4] == (["城市", "年份", "指标", "目标值"] if lang == "zh" else
                                       ["city", "year", "indicator", "target"])  # fmt: skip
    assert len(lines) == 1 + 65 * 5
    first = lines[1].split(",")
    first[3] = "12"
    data = "\n".join([lines[0], ",".join(first), *lines[2:]]).encode()
    prepared = uploads.prepare(db, data, "template.csv")
    assert prepared.report.ok and prepared.counts["inserted"] + prepared.counts["updated"] == 1
    assert prepared.report.read  # the reference column was passed over, and said so


# The commands, on the sample.
def test_cli_index_json(sample_path, capsys):
    assert main(["index", "2024", "--db", str(sample_path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) >= {"year", "method", "pilots"} and result["year"] == 2024 and result["method"] == "default"
    first = result["pilots"][0]
    assert set(first) >= {"city_code", "index", "group", "rank", "scores"}
    assert first["rank"] == 1 and first["group"] == "leaders" and set(first["scores"]) == set(DEFAULT_METHOD.keys)
    assert all(0 <= v <= 100 for p in result["pilots"] for v in p["scores"].values() if v is not None)
    assert any(p["index"] is None and p["group"] is None for p in result["pilots"])  # not enough data


def test_cli_targets_json(sample_path, capsys):
    assert main(["targets", "2024", "--db", str(sample_path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["year"] == 2024 and set(result["summary"]) == {"met", "nearly", "missed", "no_actual", "pilots"}
    one = result["pilots"][0]["indicators"][0]
    assert set(one) == {"indicator", "target", "actual", "share", "status"}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("args", "status"),
    [(["index", "2024"], 0), (["targets", "2024"], 0), (["index", "2024", "--method", "nope"], 2),
     (["index", "2010"], 2), (["targets", "2013"], 2), (["index", "3000"], 2)],
)  # fmt: skip
def test_cli_exit_statuses(sample_path, capsys, args, status, lang):
    assert main([*args, "--db", str(sample_path), "--lang", lang]) == status
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and (captured.out if status == 0 else captured.err)


def test_a_version_5_database_gains_targets_and_methods_and_keeps_its_uploads(db):
    """A database made before the assessment (on either engine): migration 6 adds the tables and the upload kind,
    keeps every upload row, and the upload ids carry on."""
    drop_name_key_index(db)
    with db.write_lock, db.cursor() as cur, transaction(cur):  # back to version 5, as such a database was
        for statement in ("DROP TABLE targets", "DROP TABLE index_methods", *SIGN_IN_UNDONE,
                          *_rebuilt_uploads("uploads_v5", _kinds_check(("sample", "cities", "figures", "events")),
                                            _UPLOAD_COLUMNS_V4)):  # fmt: skip
            cur.execute(statement)
        set_meta(cur, "schema_version", "5")
        before = cur.execute("SELECT * FROM uploads ORDER BY upload_id").df()
    with db.write_lock, db.cursor() as cur:
        migrate(cur)
        assert get_meta(cur, "schema_version") == str(SCHEMA_VERSION)
        pd.testing.assert_frame_equal(before, cur.execute("SELECT * FROM uploads ORDER BY upload_id").df())
        assert cur.execute("SELECT count(*) FROM targets").fetchall()[0][0] == 0
    data = GOOD_ENGLISH.encode()
    upload_id = uploads.commit(db, uploads.prepare(db, data, "targets.csv"), data, EDITOR)
    assert upload_id == int(before["upload_id"].max()) + 1 and len(targets_of(db)) == 2
    save_method(db, DEFAULT_METHOD.with_weights("after-migration", {"activities": 1}), ADMIN)
