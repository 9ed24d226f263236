"""Every widget's default is what it shows. Streamlit's page in the browser sometimes loses a widget's state at the
start of a run and falls back on the default its element carries; a form submitted then sent that default (the
language went back to Chinese when a release was published from an English page, the events marks off). So a widget
seeded from the URL or the session (ui/state.bind) carries its seed as its default too: each page is opened with a
link that moves every choice off the widget's first option, and every widget drawn must fall back on what it shows."""

from __future__ import annotations

import pytest
from conftest import SAMPLE_END_YEAR
from streamlit.testing.v1.element_tree import ButtonGroup, Multiselect, Radio, Selectbox, Slider
from test_pages import open_app

SIDEBAR = {"lang": "en", "events": "0", "region": "east,west", "kind": "city", "batch": "1,2", "years": "2016-2022"}
MOVED = ["lang", "events", "region", "kind", "batch", "years"]
# A link per page choosing other than every widget's first option (or its empty default), and the widgets it moves.
# fmt: off
LINKS = [
    ("overview", {}, []),
    ("city", {"city": "440100"}, ["city"]),
    ("compare", {"indicator": "stations_founded", "mode": "indexed", "base": "2017", "cities": "330100,440100",
                 "chart": "multiples", "focus": "440100"},
     ["compare_indicator", "mode", "base", "cities", "compare_chart", "focus"]),
    ("map", {"indicator": "stations_founded", "year": "2018"}, ["map_indicator", "year"]),
    ("assessment", {"year": "2018", "cities": "330100,440100", "city": "440100"},
     ["assess_year", "assess_cities", "assess_city"]),
    ("completeness", {"indicator": "agreements"}, ["completeness_indicator"]),
    ("round", {"year": str(SAMPLE_END_YEAR), "show": "warned"}, ["round_year", "round_filter"]),
    ("changes", {}, []),
    ("upload", {}, []),
    ("present", {"screen": "1080"}, ["present_screen"]),
]
# fmt: on


def falls_back_on(widget) -> object:
    """What the browser would show if it fell back on the widget's default, in the terms of shows()."""
    proto = widget.proto
    if isinstance(widget, Radio | Selectbox):
        return proto.default if proto.HasField("default") else None
    if isinstance(widget, Multiselect | ButtonGroup | Slider):
        return list(proto.default)
    return proto.default  # a toggle, a checkbox or a text field


def shows(widget) -> object:
    """What the widget shows now: an index, a list of indices, a slider's values or the value."""
    if isinstance(widget, Radio | Selectbox):
        return widget.index
    if isinstance(widget, Multiselect | ButtonGroup):
        return list(widget.indices)
    if isinstance(widget, Slider):
        return list(widget._widget_state.double_array_value.data)
    return widget.value


def widgets(at) -> list:
    """Every widget drawn of the kinds above, in the page and its sidebar."""
    kinds = ("radio", "selectbox", "multiselect", "button_group", "checkbox", "toggle", "text_input", "slider")
    return [w for kind in kinds for w in at.get(kind)]


def unlike(at) -> list[tuple]:
    """The widgets that would fall back on other than they show: key, fallback, shown."""
    return [(w.key, falls_back_on(w), shows(w)) for w in widgets(at) if falls_back_on(w) != shows(w)]


@pytest.mark.parametrize(("page", "params", "moved"), LINKS, ids=[page for page, _, _ in LINKS])
def test_every_widget_falls_back_on_what_it_shows(sample_app, page, params, moved):
    at = open_app(page, **SIDEBAR, **params)
    assert unlike(at) == []
    assert unlike(at.run()) == []  # a rerun, as after a click: the defaults still follow
    # The link moved every widget named (else this test would prove nothing about them): the sidebar's from the page
    # opened without a link, the page's from the page opened with the sidebar's link only (where it may not be drawn).
    drawn = {w.key for w in widgets(at)}
    assert set(moved) <= drawn and (page == "present" or set(MOVED) <= drawn)  # presentation mode has no sidebar
    plain, sidebar_only = open_app(page), open_app(page, **SIDEBAR)
    for key, before in [*((k, plain) for k in MOVED if k in drawn), *((k, sidebar_only) for k in moved)]:
        was = [shows(w) for w in widgets(before) if w.key == key]
        assert was != [shows(at.get_by_key(key))], key
