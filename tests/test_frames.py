"""Reading a frame row by row gives what itertuples gives, for every kind of column the store hands out."""

import math

import numpy as np
import pandas as pd
import pytest

from metrics.domain.frames import rows

FRAMES = {
    "text, numbers, missing": pd.DataFrame(
        {
            "city_code": ["110000", None, "P0001"],
            "value": [1.5, math.nan, 3.0],
            "rank": pd.array([1, None, 3], dtype="Int64"),
            "at": pd.to_datetime(["2025-01-01", None, "2026-03-01"]),
        }
    ),
    "object text": pd.DataFrame({"name": pd.Series(["北京", "<b>"], dtype="object"), "n": np.array([1, 2])}),
    "empty": pd.DataFrame({"city_code": pd.Series([], dtype="str"), "value": pd.Series([], dtype="float64")}),
    "a name that is not an identifier": pd.DataFrame({"class": [1], "2025": [2.0]}),
}


@pytest.mark.parametrize("name", FRAMES)
def test_rows_equal_itertuples(name):
    frame = FRAMES[name]
    ours = [tuple(r) for r in rows(frame)]
    theirs = [tuple(r) for r in frame.itertuples(index=False)]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert all((pd.isna(x) and pd.isna(y)) or x == y for x, y in zip(a, b, strict=True))


def test_rows_of_some_columns_are_named_by_them():
    frame = FRAMES["text, numbers, missing"]
    first = next(rows(frame, "value", "city_code"))
    assert (first.value, first.city_code) == (1.5, "110000")
