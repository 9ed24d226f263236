"""Blank upload templates: the yearly-figures headers in Chinese or English, one row per current pilot."""

from __future__ import annotations

import pandas as pd

from ..domain import registry
from ..domain.i18n import Text
from ..present import exports
from ..store.cities import list_cities
from ..store.transactions import Cursor

CITY_HEADER = Text("城市", "city")
YEAR_HEADER = Text("年份", "year")
NOTES_HEADER = Text("备注", "notes")


def figures_template(cur: Cursor, lang: str, year: int, file_format: str) -> bytes:
    """A yearly-figures file to fill in: a row per pilot designated by `year`, value cells blank.

    CSV is UTF-8 with a BOM, so Excel on Chinese Windows opens it with the characters intact; XLSX is a workbook.
    """
    header = [
        CITY_HEADER(lang),
        YEAR_HEADER(lang),
        *((i.header_zh if lang == "zh" else i.header_en) for i in registry.BASE_INDICATORS),
        NOTES_HEADER(lang),
    ]
    cities = list_cities(cur)
    names = cities.loc[cities["designated_year"] <= year, f"name_{lang}"]
    frame = pd.DataFrame({header[0]: names, header[1]: year, **{h: None for h in header[2:]}})
    return exports.to_bytes(frame, file_format, sheet=str(year))
