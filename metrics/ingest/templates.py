"""Blank upload templates: yearly figures and targets, headers in Chinese or English, rows for the current pilots."""

from __future__ import annotations

import pandas as pd

from ..domain import registry
from ..domain.i18n import Text
from ..present import exports
from ..store.cities import list_cities
from ..store.figures import year_values
from ..store.transactions import Cursor
from .kinds.targets import TARGET_KEYS

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


INDICATOR_HEADER = Text("指标", "indicator")
TARGET_HEADER = Text("目标值", "target")
ACTUAL_HEADER = Text("上年完成值（参考）", "Last year's actual (reference)")


def targets_template(cur: Cursor, lang: str, year: int, file_format: str) -> bytes:
    """A targets file to fill in: a row per pilot designated by `year` and commonly targeted indicator, the target
    blank, last year's actual beside it for reference (a column the upload does not read)."""
    header = [CITY_HEADER(lang), YEAR_HEADER(lang), INDICATOR_HEADER(lang), TARGET_HEADER(lang), ACTUAL_HEADER(lang),
              NOTES_HEADER(lang)]  # fmt: skip
    cities = list_cities(cur)
    cities = cities[cities["designated_year"] <= year]
    last = year_values(cur, year - 1).set_index("city_code")
    rows = []
    for code, name in zip(cities["city_code"], cities[f"name_{lang}"], strict=True):
        for key in TARGET_KEYS:
            actual = last.at[code, key] if code in last.index else None
            rows.append((name, year, registry.get(key).title(lang), None, None if pd.isna(actual) else actual, None))
    frame = pd.DataFrame(rows, columns=header)
    return exports.to_bytes(frame, file_format, sheet=str(year))
