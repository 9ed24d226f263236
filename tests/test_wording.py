"""Numbers in words: a list cut short says how many more (never the total), and a column of rank moves says what
the move is against, in both languages."""

import datetime as dt

import pytest
from conftest import EDITOR, SAMPLE_END_YEAR

from metrics.domain.i18n import named_few
from metrics.domain.index_method import DEFAULT_METHOD
from metrics.domain.roles import person, shown_name
from metrics.ingest import forms
from metrics.present import assessment_tables, deck, tables
from metrics.present.chart_resolve import file_stem
from metrics.present.chart_spec import ChartSpec
from metrics.present.kinds import kind_of
from metrics.store.rounds import Round

NAMES = ["沈阳市", "大连市", "常州市", "苏州市"]


@pytest.mark.parametrize(
    ("names", "limit", "lang", "expected"),
    [
        (NAMES, 2, "zh", "沈阳市、大连市，另有 2 个"),
        (["Shenyang", "Dalian", "Changzhou", "Suzhou"], 2, "en", "Shenyang, Dalian and 2 more"),
        (NAMES, 4, "zh", "沈阳市、大连市、常州市、苏州市"),  # all of them: no count
        (NAMES[:1], 3, "en", "沈阳市"),
        ([], 3, "zh", ""),
        ([f"{i}市" for i in range(1030)], 1, "zh", "0市，另有 1,029 个"),
        ([str(i) for i in range(1030)], 1, "en", "0 and 1,029 more"),
    ],
)
def test_a_list_cut_short_says_how_many_more(names, limit, lang, expected):
    assert named_few(names, limit, lang) == expected


ROUND_YEAR = SAMPLE_END_YEAR + 1


@pytest.mark.parametrize(
    ("lang", "counts", "todo", "rest"),
    [
        ("zh", "65 个试点：已导入 0，被拒绝待改正 0，未收到 65", "尚未导入：", "，另有 41 个"),
        ("en", "65 pilots: 0 loaded, 0 refused (to be corrected), 65 not received", "Not loaded yet: ", " and 41 more"),
    ],
)
def test_the_round_slide_names_24_pilots_not_loaded_and_how_many_more(db, lang, counts, todo, rest):
    forms.open_round(db, Round(ROUND_YEAR, ("activities",), dt.date(ROUND_YEAR, 3, 31)), EDITOR)
    with db.snapshot() as cur:
        first, names = deck.round_lines(cur, ROUND_YEAR, lang, dt.date(ROUND_YEAR, 1, 15))
    assert first.startswith(counts)
    assert names.startswith(todo) and names.endswith(rest)
    named = names.removeprefix(todo).removesuffix(rest)
    assert len(named.split("、" if lang == "zh" else ", ")) == deck.ROUND_NAMED == 65 - 41


YEAR_MOVE = {"zh": "较上年", "en": "Vs year before"}
METHOD_MOVE = {"zh": "方法间位次变化", "en": "Move between methods"}


def _tables(cur, lang: str) -> dict[str, list[str]]:
    edited = DEFAULT_METHOD.with_weights("edited", {"agreements": 1.0, "activities": 1.0})
    return {
        "ranking": tables.ranking(cur, "agreements", SAMPLE_END_YEAR, None, lang).columns.tolist(),
        "profile": tables.profile(cur, "330100", SAMPLE_END_YEAR, lang).columns.tolist(),
        "rank history": assessment_tables.index_rank_history(
            cur, ("330100",), DEFAULT_METHOD, (SAMPLE_END_YEAR - 1, SAMPLE_END_YEAR), lang
        ).columns.tolist(),
        "reweighted": assessment_tables.reweighted(cur, SAMPLE_END_YEAR, DEFAULT_METHOD, edited, lang).columns.tolist(),
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    ("table", "move"),
    [("ranking", YEAR_MOVE), ("profile", YEAR_MOVE), ("rank history", YEAR_MOVE), ("reweighted", METHOD_MOVE)],
)
def test_a_column_of_rank_moves_says_what_it_moves_against(sample_db, table, move, lang):
    with sample_db.snapshot() as cur:
        headers = _tables(cur, lang)[table]
    other = METHOD_MOVE if move is YEAR_MOVE else YEAR_MOVE
    assert move[lang] in headers and other[lang] not in headers


FIVE = ("330100", "440100", "420100", "510100", "320500")


@pytest.mark.parametrize(
    ("cities", "lang", "expected"),
    [
        (("330100", "440100"), "zh", "签订合作协议_杭州市、广州市_2014-2025"),
        (FIVE, "zh", "签订合作协议_杭州市、广州市、武汉市，另有2个_2014-2025"),
        (FIVE, "en", "Cooperation-agreements-signed_Hangzhou-Guangzhou-Wuhan-and-2-more_2014-2025"),
    ],
)
def test_a_file_name_of_many_cities_says_how_many_more(cities, lang, expected):
    spec = ChartSpec("compare", "agreements", (2014, 2025), cities=cities)
    names = {"330100": "杭州市", "440100": "广州市", "420100": "武汉市", "510100": "成都市", "320500": "苏州市"}
    if lang == "en":
        names = {"330100": "Hangzhou", "440100": "Guangzhou", "420100": "Wuhan", "510100": "Chengdu"}
    assert file_stem(spec, kind_of(spec), lang, names) == expected


@pytest.mark.parametrize(
    ("name", "lang", "expected"),
    [
        ("local", "zh", "本机用户"),  # no accounts: who opened a round or undid an upload
        ("local", "en", "this computer's user"),
        ("init", "zh", "系统（初始化）"),
        ("cli", "zh", "命令行"),
        ("王伟", "en", "王伟"),  # a person's name as recorded
        (None, "zh", ""),
    ],
)
def test_the_program_s_own_names_for_a_person_are_shown_in_the_language(name, lang, expected):
    assert shown_name(name, lang) == expected
    assert person(name)(lang) == expected  # as a message naming them says it (a release published, a deck saved)
