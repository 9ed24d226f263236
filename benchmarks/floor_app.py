"""The floor app: draws one captured state of a page (see floor.py); the radio switches state like a widget does."""

import streamlit as st

from benchmarks import floor

state = st.radio("state", list(floor.SCENES), key="floor_state", horizontal=True)
floor.draw(st, floor.SCENES[state])
