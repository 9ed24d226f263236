"""A table's Arrow data, converted once per frame (ui.show.arrow_table), is byte for byte what st.dataframe sends for
the frame itself, for every kind of column the pages show."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from streamlit import dataframe_util

from ui.show import arrow_table

# fmt: off
FRAMES = {
    "numbers": pd.DataFrame({"rank": [1, 2, 3], "value": [1.5, np.nan, 3.25],
                             "count": pd.array([1, None, 3], "Int64")}),
    "text": pd.DataFrame({"name": ["杭州市", None, "Guangzhou"], "note": pd.array(["a", None, "c"], "string")}),
    "arrow text": pd.DataFrame({"code": pd.array(["330100", "440100", None], "string[pyarrow]")}),
    "dates": pd.DataFrame({"when": [dt.date(2025, 3, 31), None, dt.date(2026, 1, 1)],
                           "at": pd.to_datetime(["2026-12-07 03:00", None, "2025-01-01 00:00"])}),
    "mixed": pd.DataFrame({"cell": [1, "two", 3.0]}),  # Streamlit fixes the column's type before converting
    "indexed": pd.DataFrame({"value": [10, 20]}, index=pd.Index(["a", "b"], name="pilot")),
    "years as text": pd.DataFrame({"2024": [1.0, 2.0], "2025": [3.0, None]}),
    "empty": pd.DataFrame({"name": pd.Series([], dtype=object), "value": pd.Series([], dtype=float)}),
}
# fmt: on


@pytest.mark.parametrize("name", FRAMES)
def test_a_kept_arrow_table_is_what_st_dataframe_sends(name):
    frame = FRAMES[name]
    sent = dataframe_util.convert_pandas_df_to_arrow_bytes(frame)
    assert dataframe_util.convert_arrow_table_to_arrow_bytes(arrow_table(frame)) == sent
    assert arrow_table(frame) is arrow_table(frame)  # converted once, kept
    copy = frame.copy()  # another frame of the same values: its own table, the same bytes
    assert arrow_table(copy) is not arrow_table(frame)
    assert dataframe_util.convert_arrow_table_to_arrow_bytes(arrow_table(copy)) == sent
