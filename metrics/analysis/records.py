"""A frame's rows as dicts, as `DataFrame.to_dict("records")` gives them, or as named tuples, as `itertuples` does, or
its columns as lists of those values, a column at a time: pandas boxes each cell of a text column on its own, which
with thousands of pilots was most of the round tracker's time (and of the assessment's charts)."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionDtype
from pandas.core.dtypes.cast import maybe_box_native
from pandas.core.dtypes.dtypes import BaseMaskedDtype


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """`frame.to_dict("records")`: the same keys, values and value types."""
    if not len(frame):  # no rows (most tables of what changed, most often): nothing to convert
        return []
    values = columns(frame)
    names = list(values)
    if not names:
        return [{} for _ in range(len(frame))]
    return [dict(zip(names, row, strict=True)) for row in zip(*values.values(), strict=True)]


def columns(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """Each column's values as `records` gives them (pandas' own values boxed as Python's), by name."""
    out = {}
    for name in frame.columns:
        column = frame[name]
        values = column.tolist()
        if isinstance(column.dtype, pd.StringDtype | BaseMaskedDtype):  # Python's values already, or pd.NA
            values = [None if value is pd.NA else value for value in values]
        elif column.dtype == np.dtype(object) or isinstance(column.dtype, ExtensionDtype):
            values = [maybe_box_native(value) for value in values]  # as to_dict boxes these columns
        out[name] = values
    return out


def rows(frame: pd.DataFrame, *columns: str) -> Iterator[Any]:
    """`frame.itertuples(index=False)` of the given columns (all, if none): the same values, as named tuples."""
    names = list(columns or frame.columns)
    row = namedtuple("row", names, rename=True)  # type: ignore[misc]
    if not names:
        return (row() for _ in range(len(frame)))
    return map(row._make, zip(*(frame[c].tolist() for c in names), strict=True))
