"""The look shared by the dashboard's Plotly charts and the deck's PowerPoint charts: type, colours, one colour per
city everywhere, one colour per region, and the colours of reporting status."""

from __future__ import annotations

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
# The index's performance groups, best first: two blues and two warm colours, told apart on a projector and by
# readers with red-green colour blindness (dark and light differ as much as hue does).
GROUP_COLOURS = {"leaders": "#0b4f8a", "strong": "#4a98d3", "moderate": "#e69f00", "emerging": "#c0392b"}
# How a pilot did against its targets: a teal, not a green, for met, so that readers with red-green colour blindness
# still tell it from the red of missed.
TARGET_COLOURS = {"met": "#127a8a", "nearly": "#e69f00", "missed": "#c0392b", "no_actual": "#a7adb5"}


def city_colours(codes: Sequence[str]) -> dict[str, str]:
    """A distinct, stable colour per city, given every city code in a fixed order (the cities table's).

    Colours come from colorcet's Glasbey palette that starts with the ten Tableau colours (each next colour is
    as different as possible from all before it), keeping those that read well on white and on a projector: no
    greys (they mean "peers" and "not reported" here), nothing too pale and nothing near black.
    """
    palette = _palette()
    return {code: palette[i % len(palette)] for i, code in enumerate(codes)}


SAME_COLOUR = 28.0  # CIELAB distance under which two lines' colours are told apart only with effort


def chart_colours(codes: Sequence[str], home: dict[str, str]) -> dict[str, str]:
    """The colours of the cities one chart draws, in the order given: each keeps its own colour (`home`) unless it
    would be hard to tell from one taken before it in the chart; then it takes the palette's colour farthest from
    all taken. Sixty-five colours cannot all be far apart, but the dozen a chart draws can."""
    taken: dict[str, str] = {}
    for code in codes:
        own = home[code]
        if all(_distance(own, other) >= SAME_COLOUR for other in taken.values()):
            taken[code] = own
        else:
            free = [c for c in _palette() if c not in taken.values()]
            taken[code] = max(free, key=lambda c: min(_distance(c, other) for other in taken.values()))
    return taken


def _palette() -> list[str]:
    return [c for c in colorcet.palette["glasbey_category10"] if _readable(c)]


def _readable(hex_colour: str) -> bool:
    """Colourful (CIELAB chroma over 30), neither near black nor pale (lightness 38 to 75 of 100)."""
    lightness, a, b = _lab(hex_colour)
    return 38 <= lightness <= 75 and (a * a + b * b) ** 0.5 > 30


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return r, g, b


def _distance(a: str, b: str) -> float:
    """CIE76 distance of two sRGB colours: the straight line between them in CIELAB (D65)."""
    return sum((p - q) ** 2 for p, q in zip(_lab(a), _lab(b), strict=True)) ** 0.5


def _lab(hex_colour: str) -> tuple[float, float, float]:
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _rgb(hex_colour)]
    r, g, b = linear
    xyz = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )
    fx, fy, fz = (t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116 for t in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)
