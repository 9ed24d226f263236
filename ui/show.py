"""Showing results: charts with the project's style, city names and colours, the source line."""

from __future__ import annotations

import math
from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st

from metrics import charts, queries, registry
from metrics.formatting import format_change, format_value
from metrics.i18n import SAMPLE_SOURCE, SOURCE, Text

from . import data

HEADLINE_HELP = Text(
    "增幅按两年都报送的城市同口径计算，因此不受个别城市未报送影响。",
    "Growth compares the cities that reported both years, so a city that has not reported yet does not distort it.",
)
REPORTED = Text("{n}/{m} 个试点已报送", "{n} of {m} pilots reported")
PREVIOUS = Text("上年 {value}", "previous year {value}")


@st.cache_resource(show_spinner=False, max_entries=512)
def _figure(builder: str, args: tuple, kwargs: tuple) -> go.Figure:
    # cache_resource hands back the same object without copying it; figures are never changed once built.
    return getattr(charts, builder)(*args, **dict(kwargs))


def chart(builder: Callable[..., go.Figure], *args, key: str | None = None, **kwargs) -> None:
    """Draw builder(*args, **kwargs), a figure from metrics.charts, full width and in our own style.

    The figure is built once per distinct input, so a rerun that changes nothing it depends on builds nothing.
    """
    fig = _figure(builder.__name__, args, tuple(sorted(kwargs.items())))
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


def headline(head, lang: str) -> None:
    """One headline card: the year's value, like-for-like change, who reported, last year's value."""
    ind = registry.get(head.key)
    with st.container(border=True):
        st.metric(
            ind.label(lang),
            format_value(head.value, ind, lang),
            delta=None if math.isnan(head.growth_pct) else format_change(head.growth_pct, lang),
            help=HEADLINE_HELP(lang),
        )
        reported = REPORTED.format(n=head.reporting, m=head.designated)(lang)
        previous = PREVIOUS.format(value=format_value(head.previous, ind, lang, compact=False))(lang)
        st.caption(f"{reported} · {previous}")


def cumulative_line(heads, lang: str) -> None:
    """The running totals since 2014 of several flows, on one line that wraps as needed."""
    parts = []
    for head in heads:
        ind = registry.get(head.key)
        label = registry.get(ind.base).label(lang) if ind.base else ind.label(lang)
        parts.append(f"{label} **{format_value(head.value, ind, lang, compact=False)}**")
    st.markdown(" · ".join(parts))


NO_PILOTS = Text("所选范围内没有试点城市，请调整侧栏筛选。", "No pilots match the sidebar filters.")


class EndOfPage(Exception):
    """Raised by a page that has nothing more to show; dashboard.py catches it.

    Unlike st.stop(), the run then still finishes normally, so the URL is brought up to date.
    """


def end_page(message: str) -> None:
    """Show why the page has nothing more to show, and end it."""
    st.info(message)
    raise EndOfPage


def cities_in_scope(view):
    """The pilots the sidebar selects; on an empty selection, say so and end the page."""
    cities = data.get(queries.list_cities, view.scope)
    if cities.empty:
        end_page(NO_PILOTS(view.lang))
    return cities
