"""The look shared by the dashboard's Plotly charts and the deck's PowerPoint charts: type, colours, one colour per
city everywhere, one colour per region, and the colours of reporting status."""

from __future__ import annotations

import colorsys
from collections.abc import Sequence

import colorcet

FONT_FAMILY = '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "Source Han Sans SC", Arial, sans-serif'
PROGRAMME_COLOUR = "#1f3b73"
PEER_COLOUR = "#8a8f98"
TEXT_COLOUR = "#1d2530"
GRID_COLOUR = "#e3e6ea"
EVENT_COLOUR = "#b5542d"
REGION_COLOURS = {"east": "#1f77b4", "central": "#e6842a", "west": "#2ca02c", "northeast": "#8c564b"}
COMPLETENESS_COLOURS = {"reported": "#2e7d5b", "missing": "#d9534f", "not_designated": "#eceff2"}


def city_colours(codes: Sequence[str]) -> dict[str, str]:
    """A distinct, stable colour per city, given every city code in a fixed order (the cities table's).

    Colours come from colorcet's Glasbey palette that starts with the ten Tableau colours (each next colour is
    as different as possible from all before it), keeping those that read well on white: no greys (they mean
    "peers" and "not reported" here), nothing too pale or too dark.
    """
    palette = [c for c in colorcet.palette["glasbey_category10"] if _readable(c)]
    return {code: palette[i % len(palette)] for i, code in enumerate(codes)}


def _readable(hex_colour: str) -> bool:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    _, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return saturation > 0.3 and lightness > 0.18 and luminance < 0.6
