"""The floor a page is measured against: a bare Streamlit script drawing the same elements from precomputed data.

`capture` turns what a page drew (AppTest's element tree) into steps: the same text, metrics, tables and widgets,
and the same Plotly figures already built as objects. `floor_app.py` replays the steps of one captured state, so a
page's time over its floor's is the overhead of our own code (queries, caches, building figures); what Streamlit
itself costs to serialise and send the same elements is in both.
"""

from __future__ import annotations

import base64
import copyreg
import functools
import json
import re
import urllib.parse
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler
from streamlit import dataframe_util
from streamlit.proto.Block_pb2 import Block
from streamlit.proto.TextInput_pb2 import TextInput

from ui import show

TEXT = ("title", "header", "subheader", "caption", "markdown", "info", "warning", "success", "error")
SKIPPED = {"event", "html"}  # navigation bookkeeping; static style
TEXT_INPUT_TYPES = {TextInput.PASSWORD: "password"}  # st.text_input's `type`, as its proto says it


@dataclass
class Step:
    """One element to draw: the st function's name and arguments; a container also has the steps inside it (for
    columns, one list per column)."""

    function: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    children: list[list[Step]] | None = None


SCENES: dict[str, list[Step]] = {}  # state name -> steps; set by the benchmark before the floor app runs
PAGE = ["overview"]  # the URL of the page the floor stands in for (its navigation entry is the one drawn)


def capture(at) -> list[Step]:
    """The steps that draw what an AppTest run of a page showed, in the same containers (sidebar first)."""
    sidebar = [Step("sidebar", children=[_steps(at.sidebar)])]
    return sidebar + _steps(at.main)


def _steps(block) -> list[Step]:
    steps: list[Step] = []
    for node in block.children.values():
        step = _step(node, node.type, f"{id(block)}-{len(steps)}")
        if step is not None:
            steps.append(step)
    return steps


def _container(node, kind: str) -> Step:
    proto = node.proto
    if kind == "flex_container":
        kids = list(node.children.values())
        if kids and all(k.type == "column" for k in kids):
            weights = [k.weight or 1 for k in kids]
            return Step("columns", (weights,), children=[_steps(k) for k in kids])
        flex = proto.flex_container
        horizontal = flex.direction == Block.FlexContainer.HORIZONTAL
        border = bool(getattr(flex, "border", False))
        return Step("container", (), {"horizontal": horizontal, "border": border}, [_steps(node)])
    if kind == "popover":
        return Step("popover", (proto.popover.label,), children=[_steps(node)])
    if kind == "expander":  # open where ours opens it (the Accounts page's form to add the first account)
        return Step("expander", (node.label,), {"expanded": proto.expanded}, [_steps(node)])
    if kind == "form":
        return Step("form", (f"floor-{proto.form.form_id}",), {"border": proto.form.border}, [_steps(node)])
    raise ValueError(f"the floor cannot draw a {kind!r} block yet")


def _step(node, kind: str, i: str) -> Step | None:
    if kind in SKIPPED:
        return None
    if kind in ("flex_container", "popover", "expander", "form"):
        return _container(node, kind)
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
        shown = _styled(node.value, proto.arrow_data.styler) if proto.arrow_data.styler.styles else node.value
        return Step(kind, (shown,), {"hide_index": True} if kind == "dataframe" else {})
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
        return Step("form_submit_button" if proto.is_form_submitter else "button", (proto.label,), key)
    if kind == "download_button":
        return Step("download_button", (proto.label, b""), key)
    if kind == "text_input":
        return Step("text_input", (proto.label,), {"type": TEXT_INPUT_TYPES.get(proto.type, "default"), **key})
    if kind == "number_input":  # the Assessment page's weights
        return Step("number_input", (proto.label,), {"value": float(node.value), **key})
    if kind == "date_input":  # the Collection round page's due date
        return Step("date_input", (proto.label,), {"value": node.value, **key})
    if kind == "file_uploader":
        return Step("file_uploader", (proto.label,), key)
    if kind == "button_group":  # st.segmented_control and st.pills
        return Step("segmented_control", (proto.label, [o.content for o in proto.options]), key)
    if kind == "page_link":
        return Step("markdown", (proto.label,))
    if kind == "image":  # st.image (the deck's miniatures): the same picture where it is inline, else one as small
        return Step("image", (_picture(proto.imgs[0].url),), {"width": 160})
    raise ValueError(f"the floor cannot draw a {kind!r} element yet")


def _styled(frame: pd.DataFrame, styler) -> Styler:
    """A table drawn with colours (a Styler): the same cells' styles and shown values as the page's, worked out
    once (show.held), as the page's are; so that the floor's table costs Streamlit what the page's does."""
    css = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for rule in styler.styles.splitlines():
        selectors, _, declarations = rule.partition("{")
        for row, column in CELL.findall(selectors):
            css.iat[int(row), int(column)] = declarations.strip(" }")
    values = dataframe_util.convert_arrow_bytes_to_pandas_df(styler.display_values)
    formats = {}
    for i, column in enumerate(frame.columns):
        written = dict(zip(frame[column], values.iloc[:, i], strict=True))
        if any(str(value) != text for value, text in written.items()):
            formats[column] = functools.partial(_written, written)
    return _held_table(frame, css, formats)


def _held_table(frame: pd.DataFrame, css: pd.DataFrame, formats: dict) -> Styler:
    """The frame with these cells' styles and written values, held (show.held); pickled as this recipe (the
    browser benchmark hands the captured pages to its floor app as a pickle, and a held Styler keeps closures)."""
    held = show.held(frame.style.apply(functools.partial(_same_styles, css), axis=None).format(formats))
    _RECIPES[id(held)] = (held, (frame, css, formats))
    return held


def _same_styles(css: pd.DataFrame, _frame: pd.DataFrame) -> pd.DataFrame:
    return css


_RECIPES: dict[int, tuple[Styler, tuple]] = {}  # id(held table) -> (it, how it was made): kept alive, ids not reused


def _pickled_table(styler: Styler) -> tuple:
    return _held_table, _RECIPES[id(styler)][1]


copyreg.pickle(Styler, _pickled_table)


CELL = re.compile(r"row(\d+)_col(\d+)")


def _written(written: dict, value: object) -> str:
    return written.get(value, "") if not pd.isna(value) else ""


def _picture(url: str) -> str:
    """The SVG an image element shows, from its data URL; a blank one of the miniatures' size otherwise."""
    head, _, body = url.partition(",")
    if head.startswith("data:image/svg+xml"):
        return base64.b64decode(body).decode() if head.endswith(";base64") else urllib.parse.unquote(body)
    return '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="90"><rect width="160" height="90"/></svg>'


def draw(parent, steps: list[Step]) -> None:
    """Replay steps into `parent` (the streamlit module, or a container)."""
    for step in steps:
        made = getattr(parent, step.function)
        if step.function != "sidebar":  # st.sidebar is a container already, not a function
            made = made(*step.args, **step.kwargs)
        if step.children is not None:
            blocks = made if step.function == "columns" else [made]
            for block, inner in zip(blocks, step.children, strict=True):
                draw(block, inner)
