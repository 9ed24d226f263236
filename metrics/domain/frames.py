"""Reading a frame row by row: column by column first, since pandas hands out Arrow-backed text one cell at a time."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator
from typing import Any

import pandas as pd


def rows(frame: pd.DataFrame, *columns: str) -> Iterator[Any]:
    """The frame's rows as named tuples of the given columns (all, if none), values as `itertuples` gives them."""
    names = list(columns or frame.columns)
    row = namedtuple("row", names, rename=True)  # type: ignore[misc]
    return map(row._make, zip(*(frame[c].tolist() for c in names), strict=True))
