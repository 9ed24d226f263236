"""Showing results: charts with the project's style, city names and colours, the source line."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from metrics import charts, queries
from metrics.i18n import SAMPLE_SOURCE, SOURCE

from . import data


def chart(fig: go.Figure, key: str | None = None) -> None:
    """Draw a Plotly figure full width, in our own style (not Streamlit's theme)."""
    st.plotly_chart(fig, theme=None, config=charts.CONFIG, width="stretch", key=key)


def source(lang: str) -> str:
    """The source line under every chart, naming the sample while it is loaded."""
    return (SAMPLE_SOURCE if data.get(queries.is_sample) else SOURCE)(lang)


def city_names(lang: str) -> dict[str, str]:
    """City code -> name in the language."""
    cities = data.get(queries.list_cities)
    return dict(zip(cities["city_code"], cities[f"name_{lang}"], strict=True))


def city_colours() -> dict[str, str]:
    """City code -> its colour, the same on every chart."""
    return charts.city_colours(data.get(queries.list_cities)["city_code"].tolist())


def ranking(table, height: int = 440) -> None:
    """A sortable ranking table (from tables.ranking_table) whose narrow columns stay narrow."""
    rank, _city, _value, move = table.columns
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=height,
        column_config={rank: st.column_config.Column(width=60), move: st.column_config.Column(width=70)},
    )
