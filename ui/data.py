"""Cached access to metrics from the app: results are keyed on the data version, so a commit invalidates them."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from metrics import analysis, queries
from metrics.db import Database, open_database

# Functions the pages may call through `get`: the public functions of queries and analysis (cursor first).
_FUNCTIONS: dict[str, Callable] = {
    f"{module.__name__}.{name}": function
    for module in (queries, analysis)
    for name, function in vars(module).items()
    if callable(function) and not name.startswith("_") and getattr(function, "__module__", None) == module.__name__
}


@st.cache_resource(show_spinner=False)
def database() -> Database:
    """The process's read-write connection, opened once for all sessions."""
    return open_database()


def refresh_data_version() -> int:
    """Read the data version once at the start of a run; `get` keys its cache on it."""
    with database().cursor() as cur:
        st.session_state["_data_version"] = queries.data_version(cur)
    return st.session_state["_data_version"]


@st.cache_data(show_spinner=False, max_entries=2048)
def _cached(version: int, name: str, args: tuple, kwargs: tuple):
    with database().cursor() as cur:
        return _FUNCTIONS[name](cur, *args, **dict(kwargs))


def get(function: Callable, *args, **kwargs):
    """function(cursor, *args, **kwargs), cached until the data changes."""
    name = f"{function.__module__}.{function.__name__}"
    version = st.session_state.get("_data_version")
    if version is None:
        version = refresh_data_version()
    return _cached(version, name, args, tuple(sorted(kwargs.items())))
