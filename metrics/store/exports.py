"""The contract tables read as stored, for export."""

from __future__ import annotations

import pandas as pd

from ..domain import registry
from ..domain.programme import CITY_FIELDS
from .transactions import Cursor
from .uploads import upload_history

EXPORT_TABLES = ("cities", *registry.VALUE_TABLES, "targets", "events", "uploads")


def table_rows(cur: Cursor, table: str) -> pd.DataFrame:
    """Every row of a contract table as stored, yearly tables with the city names beside the code."""
    if table not in EXPORT_TABLES:
        raise ValueError(f"unknown table {table!r}")
    if table == "cities":
        return cur.execute(f"SELECT city_code, {', '.join(CITY_FIELDS)}, upload_id FROM cities ORDER BY city_code").df()
    if table == "uploads":
        return upload_history(cur).sort_values("upload_id").reset_index(drop=True)
    if table == "events":  # the events upload format, so the list can be edited and loaded again
        return cur.execute(
            """SELECT CAST(event_date AS VARCHAR) AS date, title_zh, title_en
               FROM events ORDER BY event_date, title_zh"""
        ).df()
    if table == "targets":
        return cur.execute(
            """SELECT t.city_code, c.name_zh, c.name_en, t.year, t.indicator, t.target, t.upload_id
               FROM targets t LEFT JOIN cities c USING (city_code) ORDER BY t.city_code, t.year, t.indicator"""
        ).df()
    columns = ", ".join(f"t.{i.column}" for i in registry.columns_of(table))
    return cur.execute(
        f"""SELECT t.city_code, c.name_zh, c.name_en, t.year, {columns}, t.upload_id
            FROM {table} t LEFT JOIN cities c USING (city_code)
            ORDER BY t.city_code, t.year"""
    ).df()
