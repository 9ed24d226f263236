"""The charts an officer has added to the deck, in their order: kept in the session and in the URL (`deck=`), so
that a reload keeps the deck and a link to the deck or to a slide of /present shows the sender's. And the saved deck
opened (`saved=`): its charts, and the release it shows, which the Deck page and presentation mode read."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from dataclasses import dataclass

import streamlit as st

from metrics.domain.i18n import Refused
from metrics.present.chart_spec import ChartSpec
from metrics.present.deck_link import saved_specs, specs_from_text, specs_text
from metrics.store import saved_decks
from metrics.store.releases import Release, list_releases
from metrics.store.saved_decks import SavedDeck
from ui import data, state

_KEY = "_deck"
_SAVED = "_saved_deck"  # the name of the saved deck opened ("" for none)


def keep_in_url() -> None:
    """Bind the deck to the URL's `deck` parameter and the saved deck opened to `saved` for this run (every page's,
    so that both survive a reload); a link naming only a saved deck opens its charts."""
    fresh = _KEY not in st.session_state
    state.bind(_KEY, [], specs_from_text, _deck_text, name="deck")
    state.bind(_SAVED, "", name="saved")
    if fresh and not st.session_state[_KEY] and st.session_state[_SAVED]:
        deck = next((d for d in saved() if d.name == st.session_state[_SAVED]), None)
        with contextlib.suppress(Refused):  # the Deck page says so when it opens the deck
            st.session_state[_KEY] = charts(deck) if deck else []


@functools.lru_cache(maxsize=256)
def _text(specs: tuple[ChartSpec, ...]) -> str:
    return specs_text(specs)


def _deck_text(specs: list[ChartSpec]) -> str:
    """The deck as its URL carries it, worked out once per deck (the URL is brought up to date on every run)."""
    return _text(tuple(specs))


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
    """Make the deck exactly these charts (no longer a saved deck's)."""
    st.session_state[_KEY] = list(specs)
    close_saved()


# --- saved decks -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    """A saved deck opened in this session, and the release it shows now (None: the working data, when it follows
    the latest release and none is in force)."""

    deck: SavedDeck
    release: Release | None

    @property
    def changed(self) -> bool:
        """Whether the charts in the deck are no longer the saved deck's (moved, removed or added since)."""
        try:
            return chosen() != charts(self.deck)
        except Refused:
            return True


def saved() -> tuple[SavedDeck, ...]:
    """The saved decks, newest first (read afresh whenever one is saved or deleted)."""
    return data.get(saved_decks.list_decks)


def releases() -> tuple[Release, ...]:
    """Every release, newest first (withdrawn ones too)."""
    return data.get(list_releases)


def charts(deck: SavedDeck) -> list[ChartSpec]:
    """The charts of a saved deck; Refused when they cannot be read."""
    return saved_specs(deck)


def release_of(deck: SavedDeck) -> Release | None:
    """The release a saved deck shows now: the one it is pinned to, or the latest in force; Refused when its release
    is not in the database."""
    return saved_decks.pinned_release(deck, releases())


def opened() -> Opened | None:
    """The saved deck opened in this session and its release; None when none is. Refused for a name no deck has (a
    deleted deck, a link mistyped), charts that cannot be read or a release not in the database: then it is
    closed, so the next run shows the deck as it is."""
    name = st.session_state.get(_SAVED)
    if not name:
        return None
    try:
        deck = next((d for d in saved() if d.name == name), None)
        if deck is None:
            known = "、".join(d.name for d in saved()) or "—"
            raise Refused(saved_decks.UNKNOWN.format(name=name, known=known))
        charts(deck)
        return Opened(deck, release_of(deck))
    except Refused:
        close_saved()
        raise


def open_saved(deck: SavedDeck) -> None:
    """Make the deck a saved deck's charts, shown over its release, from its first slide."""
    st.session_state[_KEY] = charts(deck)
    st.session_state[_SAVED] = deck.name
    st.session_state["slide"] = 1


def close_saved() -> None:
    """Leave the saved deck: the charts stay, shown over the data the sidebar chooses."""
    st.session_state[_SAVED] = ""


def deck_view(view: state.View, shown: Opened | None) -> state.View:
    """The view a deck is read with: the opened saved deck's release (its years being collected as it froze them)
    in place of the view's data."""
    if shown is None:
        return view
    return dataclasses.replace(view, release=shown.release, collection=data.collection(shown.release))
