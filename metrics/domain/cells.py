"""Single values as files and the change history hold them: what counts as missing, as a formula, as the same."""

from __future__ import annotations

import math
from decimal import Decimal

import pandas as pd

# A cell starting with one of these is run as a formula by Excel (and LibreOffice) when the file is opened.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_missing(value: object) -> bool:
    """Whether a value is absent: None, NaN or pandas' NA (not reported, never zero)."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def looks_like_formula(text: str) -> bool:
    """Text a spreadsheet would run as a formula when the file is opened (=, +, -, @, tab or CR first)."""
    return text.startswith(FORMULA_START)


def cell_text(value: object) -> str | None:
    """A value as the change history keeps it (numbers normalised, so 12.50 and 12.5 are the same text)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # pandas knows NaN, NaT and NA
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)
