"""The floor a page is measured against: a bare Streamlit script drawing the same elements from precomputed data.

`capture` turns what a page drew (AppTest's element tree) into steps: the same text, metrics, tables and widgets,
and the same Plotly figures already built as objects. `floor_app.py` replays the steps of one captured state, so a
page's time over its floor's is the overhead of our own code (queries, caches, building figures); what Streamlit
itself costs to serialise and send the same elements is in both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import plotly.graph_objects as go

TEXT = ("title", "header", "subheader", "caption", "markdown", "info", "warning", "success", "error")
SKIPPED = {"event", "html"}  # navigation bookkeeping; static style


@dataclass
class Step:
    """One element to draw: the st function's name, its arguments, and whether it goes in the sidebar."""

    function: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    sidebar: bool = False


SCENES: dict[str, list[Step]] = {}  # state name -> steps; set by the benchmark before the floor app runs


def capture(at) -> list[Step]:
    """The steps that draw what an AppTest run of a page showed, containers flattened."""
    steps: list[Step] = []
    _walk(at._tree, steps, sidebar=False)
    return steps


def _walk(node, steps: list[Step], sidebar: bool) -> None:
    kind = node.type
    children = getattr(node, "children", None)
    if children is not None and kind not in ("plotly_chart",):
        for child in children.values():
            _walk(child, steps, sidebar or kind == "sidebar")
        return
    step = _step(node, kind, len(steps))
    if step is not None:
        step.sidebar = sidebar
        steps.append(step)


def _step(node, kind: str, i: int) -> Step | None:
    key = {"key": f"floor-{i}"}
    proto = node.proto
    if kind in TEXT:
        return Step(kind, (node.value,))
    if kind == "metric":
        return Step("metric", (proto.label, proto.body), {"delta": proto.delta or None})
    if kind == "plotly_chart":
        figure = go.Figure(json.loads(proto.spec))
        return Step("plotly_chart", (figure,), {"config": json.loads(proto.config or "{}"), "theme": None, **key})
    if kind in ("dataframe", "table"):
        return Step(kind, (node.value,), {"hide_index": True} if kind == "dataframe" else {})
    if kind in ("selectbox", "radio"):
        return Step(kind, (proto.label, list(proto.options)), {"index": node.index or 0, **key})
    if kind == "multiselect":
        return Step(kind, (proto.label, list(proto.options)), {"default": list(node.values), **key})
    if kind == "slider":
        value = node.value
        return Step(kind, (proto.label, int(proto.min), int(proto.max), value), key)
    if kind in ("toggle", "checkbox"):
        return Step(kind, (proto.label,), {"value": bool(node.value), **key})
    if kind == "button":
        return Step("button", (proto.label,), key)
    if kind == "download_button":
        return Step("download_button", (proto.label, b""), key)
    if kind == "text_input":
        return Step("text_input", (proto.label,), key)
    if kind == "file_uploader":
        return Step("file_uploader", (proto.label,), key)
    if kind == "page_link":
        return Step("markdown", (proto.label,))
    if kind in SKIPPED:
        return None
    raise ValueError(f"the floor cannot draw a {kind!r} element yet")


def draw(st, steps: list[Step]) -> None:
    """Replay steps with the Streamlit module `st`."""
    for step in steps:
        target = st.sidebar if step.sidebar else st
        function: Callable = getattr(target, step.function)
        function(*step.args, **step.kwargs)
