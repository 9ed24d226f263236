"""The charts an officer has added to the deck, in their order: kept in the session and in the URL (`deck=`), so
that a reload keeps the deck and a link to the deck or to a slide of /present shows the sender's."""

from __future__ import annotations

import streamlit as st

from metrics.present.chart_spec import ChartSpec
from metrics.present.deck_link import specs_from_text, specs_text
from ui import state

_KEY = "_deck"


def keep_in_url() -> None:
    """Bind the deck to the URL's `deck` parameter for this run (every page's, so that it survives a reload)."""
    state.bind(_KEY, [], specs_from_text, specs_text, name="deck")


def chosen() -> list[ChartSpec]:
    """The charts in the deck, in slide order."""
    return st.session_state.setdefault(_KEY, [])


def contains(spec: ChartSpec) -> bool:
    """Whether this chart is in the deck."""
    return spec in chosen()


def toggle(spec: ChartSpec) -> None:
    """Add the chart to the end of the deck, or take it out if it is there."""
    deck = chosen()
    if spec in deck:
        deck.remove(spec)
    else:
        deck.append(spec)


def move(index: int, step: int) -> None:
    """Move the chart at `index` one place up (step -1) or down (+1)."""
    deck = chosen()
    target = index + step
    if 0 <= index < len(deck) and 0 <= target < len(deck):
        deck[index], deck[target] = deck[target], deck[index]


def remove(index: int) -> None:
    """Take the chart at `index` out of the deck."""
    deck = chosen()
    if 0 <= index < len(deck):
        del deck[index]


def replace_all(specs: list[ChartSpec]) -> None:
    """Make the deck exactly these charts."""
    st.session_state[_KEY] = list(specs)
