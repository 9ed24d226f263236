"""A chart in miniature, as a small SVG drawn from its data (the deck page's list of slides), each kind drawing its
shapes as it says (kinds.KINDS, from miniatures.py). Plain SVG, so a deck of twenty draws at once."""

from __future__ import annotations

from .chart_data import ChartData
from .kinds import kind_of
from .miniatures import HEIGHT, WIDTH


def thumbnail(data: ChartData) -> str:
    """The chart's miniature as an SVG document, 160x90."""
    shapes = kind_of(data.spec).miniature(data)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}">'
        f'<rect width="{WIDTH}" height="{HEIGHT}" rx="4" fill="#f7f8fa" stroke="#e3e6ea"/>{"".join(shapes)}</svg>'
    )
