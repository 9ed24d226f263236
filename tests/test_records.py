"""records(frame) gives a frame's rows exactly as DataFrame.to_dict("records") does: keys, values and their types;
rows(frame) as itertuples does."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from metrics.analysis.records import columns, records, rows
from metrics.analysis.round_status import PILOT_COLUMNS
from metrics.store.cities import list_cities
from metrics.store.reporting import round_reports
from metrics.store.rounds import default_round


def _same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a is b if a is pd.NaT or a is pd.NA else bool(a == b)


def _assert_as_to_dict(frame: pd.DataFrame) -> None:
    expected, got = frame.to_dict("records"), records(frame)
    assert len(got) == len(expected)
    for want, row in zip(expected, got, strict=True):
        assert list(row) == list(want)
        assert all(_same(row[k], want[k]) for k in want), (row, want)


FRAMES = {
    "every kind of column": pd.DataFrame(
        {
            "text": pd.Series(["a", None, "c"], dtype="str"),
            "text_na": pd.Series(["a", None, "c"], dtype="string"),
            "int": np.array([1, 2, 3], dtype="int32"),
            "float": [1.5, np.nan, 3.0],
            "bool": [True, False, True],
            "nullable": pd.Series([1, None, 3], dtype="Int32"),
            "nullable_bool": pd.Series([True, None, False], dtype="boolean"),
            "when": pd.to_datetime(["2026-01-02", None, "2026-03-04"]),
            "date": [dt.date(2026, 1, 2), None, dt.date(2026, 3, 4)],
            "objects": [np.int64(4), np.float64(2.5), [1, 2]],
            "mixed": [None, "x", 3],
        }
    ),
    "no rows": pd.DataFrame({"a": pd.Series([], dtype="str"), "b": pd.Series([], dtype="Int32")}),
    "no columns": pd.DataFrame(index=range(3)),
    "names that are not identifiers": pd.DataFrame({"class": [1], "2025": [2.0], "城市": ["北京"]}),
}


@pytest.mark.parametrize("name", list(FRAMES))
def test_records_are_to_dicts(name):
    _assert_as_to_dict(FRAMES[name])


@pytest.mark.parametrize("name", list(FRAMES))
def test_columns_hold_the_records_values(name):
    frame = FRAMES[name]
    got = columns(frame)
    assert list(got) == list(frame.columns)
    for name_, values in got.items():
        wanted = [r[name_] for r in frame.to_dict("records")]
        assert [type(v) for v in values] == [type(w) for w in wanted]
        assert all(v is w or v == w or (pd.isna(v) and pd.isna(w)) for v, w in zip(values, wanted, strict=True))


@pytest.mark.parametrize("name", list(FRAMES))
def test_rows_are_itertuples(name):
    frame = FRAMES[name]
    got, expected = list(rows(frame)), list(frame.itertuples(index=False))
    assert len(got) == len(expected)
    for row, want in zip(got, expected, strict=True):
        assert len(row) == len(want)
        for a, b in zip(row, want, strict=True):
            assert a is b or (pd.isna(a) is True and pd.isna(b) is True) or a == b


def test_rows_of_some_columns_are_named_by_them():
    first = next(rows(FRAMES["every kind of column"], "float", "text"))
    assert (first.float, first.text) == (1.5, "a")


@pytest.mark.parametrize("year", [2016, 2025, 2026])
def test_the_trackers_pilots_as_to_dict_gives_them(sample_db, year):
    with sample_db.cursor() as cur:
        cities = list_cities(cur)
        reports = round_reports(cur, year, default_round(year).indicators)
    pilots = cities[cities["designated_year"] <= year][["city_code", *PILOT_COLUMNS]].merge(reports, on="city_code")
    _assert_as_to_dict(pilots)
