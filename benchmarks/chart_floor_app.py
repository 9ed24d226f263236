"""The first chart's floor: a bare Streamlit page drawing one Plotly figure from its JSON ($PILOT_FLOOR_FIGURE), the
overview's first figure as the dashboard draws it (benchmarks/run.py writes it with `first_figure_json`)."""

import os
from pathlib import Path

import plotly.io as pio
import streamlit as st

from metrics.present.charts import CONFIG

figure = pio.from_json(Path(os.environ["PILOT_FLOOR_FIGURE"]).read_text(encoding="utf-8"))
st.plotly_chart(figure, theme=None, config=CONFIG, width="stretch")
