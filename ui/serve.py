"""Start the dashboard: `python -m ui.serve [streamlit options]` is `streamlit run dashboard.py` with the app warmed.

Streamlit imports the app's modules and builds its first figure on the first visit, which then waits for them
(about a second here). This imports them, and draws one figure, while the server starts instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

ENTRY = Path(__file__).resolve().parent.parent / "dashboard.py"


def warm() -> None:
    """Import what every page uses and build one chart, so that Plotly's validators exist."""
    import plotly.graph_objects as go

    from metrics import analysis, charts, deck, highlights, specs  # noqa: F401
    from ui import auth, data, show, slides, state  # noqa: F401

    go.Figure(go.Scatter(x=[2014, 2015], y=[1, 2], name="warm")).update_layout(title="warm").to_json()


def main() -> None:
    """Warm the app, then hand over to `streamlit run dashboard.py` with the options given."""
    warm()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(ENTRY), *sys.argv[1:]]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
