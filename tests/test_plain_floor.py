"""The plain floor (benchmarks/plain_floor.py) draws what each page draws: the same charts with as many traces and
points, tables with as many rows, as many metrics and pictures, so that its cold run is a fair floor for ours."""

from __future__ import annotations

import json
import re

import pytest

from benchmarks import floor, pages
from ui.nav import PAGES


def shape(at) -> dict[str, list]:
    """What a run drew, counted: each chart's points per trace, each table's rows, the metrics and pictures, a
    slide's number among the deck's ("1 / 9"); and the sidebar's elements."""
    found: dict[str, list] = {"charts": [], "tables": [], "metrics": [], "images": [], "slides": []}

    def walk(block) -> None:
        for node in block.children.values():
            if node.type == "plotly_chart":
                traces = json.loads(node.proto.spec)["data"]
                found["charts"].append(sorted(len(t.get("x") or t.get("lat") or t.get("z") or []) for t in traces))
            elif node.type in ("dataframe", "table"):
                found["tables"].append(len(node.value))
            elif node.type in ("metric", "image"):
                found[f"{node.type}s"].append(1)
            elif node.type in ("title", "header", "subheader", "heading") and re.fullmatch(r"\d+ / \d+", node.value):
                found["slides"].append(node.value)
            if getattr(node, "children", None):
                walk(node)

    walk(at.main)
    found["sidebar"] = [node.type for node in at.sidebar.children.values()]
    return {k: v if k == "sidebar" else sorted(v) for k, v in found.items()}


@pytest.mark.parametrize("page", [p.url for p in PAGES])
def test_the_plain_floor_draws_what_the_page_draws(page, sample_app):
    pages.scan_components_once()
    ours = pages._app(page)
    pages._timed_run(ours)
    floor.PAGE[0] = page
    plain = pages._app(page, pages.PLAIN_APP)
    pages._timed_run(plain)

    assert shape(plain) == shape(ours)
