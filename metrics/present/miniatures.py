"""The shapes of a chart in miniature, as the kinds of chart draw them (kinds.KINDS): lines, bars, slopes, points,
the reporting grid and rankings in their own colours, without text, in thumbnails.py's 160x90 box."""

from __future__ import annotations

import math
from collections.abc import Iterable

from .chart_data import ChartData
from .style import COMPLETENESS_COLOURS, PROGRAMME_COLOUR, REGION_COLOURS

WIDTH, HEIGHT, PAD = 160, 90, 6


def scale(values: Iterable[float], low_px: float, high_px: float, from_zero: bool = True):
    """Value to pixel, over the values' range (from 0 for values, from the lowest for years and coordinates)."""
    finite = [float(v) for v in values if not math.isnan(v)]
    low, high = min([0.0, *finite] if from_zero else finite), max([0.0, *finite] if from_zero else finite)
    span = high - low or 1.0
    return lambda v: low_px + (float(v) - low) / span * (high_px - low_px)


def lines(data: ChartData) -> list[str]:
    """Each line as a polyline, broken where a year was not reported."""
    years = sorted({y for line in data.lines for y in line.years})
    if not years:
        return []
    x = scale(years, PAD, WIDTH - PAD, from_zero=False)
    y = scale([v for line in data.lines for v in line.values], HEIGHT - PAD, PAD)
    shapes = []
    for line in data.lines:
        runs: list[list[str]] = [[]]  # a gap (a year not reported) breaks the line, as on the chart
        for year, value in zip(line.years, line.values, strict=True):
            if math.isnan(value):
                runs.append([])
            else:
                runs[-1].append(f"{x(year):.1f},{y(value):.1f}")
        opacity = 0.3 if line.faded else 1
        for run in (r for r in runs if r):
            shapes.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{line.colour}" '
                          f'stroke-width="2" stroke-opacity="{opacity}"/>')  # fmt: skip
    return shapes


def bars(data: ChartData) -> list[str]:
    """A bar per year."""
    frame = data.drawn()
    if frame.empty:
        return []
    values = [float(v) for v in frame["value"]]
    y = scale(values, HEIGHT - PAD, PAD)
    step = (WIDTH - 2 * PAD) / len(values)
    return [
        f'<rect x="{PAD + i * step + step * 0.15:.1f}" y="{y(v):.1f}" width="{step * 0.7:.1f}" '
        f'height="{max(y(0) - y(v), 0):.1f}" fill="{PROGRAMME_COLOUR}"/>'
        for i, v in enumerate(values)
        if not math.isnan(v)
    ]


def slope(data: ChartData) -> list[str]:
    """A segment per city, start to last year."""
    first, last = data.spec.years
    x = scale([first, last], PAD * 4, WIDTH - PAD * 4, from_zero=False)
    y = scale([v for line in data.lines for v in line.values], HEIGHT - PAD, PAD)
    shapes = []
    for line in data.lines:
        points = [(x(a), y(v)) for a, v in zip(line.years, line.values, strict=True) if not math.isnan(v)]
        if len(points) == 2:
            (x0, y0), (x1, y1) = points
            shapes.append(f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" stroke="{line.colour}" '
                          f'stroke-width="2"/>')  # fmt: skip
        shapes += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{line.colour}"/>' for px, py in points]
    return shapes


def points(data: ChartData) -> list[str]:
    """Pilots as dots at their coordinates, sized by value."""
    frame = data.drawn()
    if frame.empty:
        return []
    # Each column as Python's values at once: a map has a dot for every pilot, thousands of them.
    lons, lats, values, regions = (frame[c].tolist() for c in ("lon", "lat", "value", "region"))
    x = scale(lons, PAD * 3, WIDTH - PAD * 3, from_zero=False)
    y = scale(lats, HEIGHT - PAD, PAD, from_zero=False)
    largest = float(frame["value"].max()) if frame["value"].notna().any() else 0.0
    shapes = []
    for lon, lat, given, region in zip(lons, lats, values, regions, strict=True):
        value = float(given)
        if math.isnan(value):
            shapes.append(f'<circle cx="{x(lon):.1f}" cy="{y(lat):.1f}" r="1.5" fill="none" stroke="#8a8f98"/>')
        else:
            r = 1.5 + 5 * math.sqrt(max(value, 0) / largest) if largest > 0 else 1.5
            colour = REGION_COLOURS.get(str(region), PROGRAMME_COLOUR)
            shapes.append(f'<circle cx="{x(lon):.1f}" cy="{y(lat):.1f}" r="{r:.1f}" fill="{colour}" '
                          f'fill-opacity="0.7"/>')  # fmt: skip
    return shapes


def grid(data: ChartData) -> list[str]:
    """Pilots by years, each cell in its reporting colour."""
    frame = data.drawn()
    if frame.empty:
        return []
    codes = list(dict.fromkeys(frame["city_code"]))
    years = sorted(frame["year"].unique().tolist())
    w, h = (WIDTH - 2 * PAD) / len(years), (HEIGHT - 2 * PAD) / len(codes)
    rows = {c: i for i, c in enumerate(codes)}
    columns = {year: i for i, year in enumerate(years)}
    return [
        f'<rect x="{PAD + columns[r.year] * w:.1f}" y="{PAD + rows[r.city_code] * h:.1f}" width="{w * 0.9:.1f}" '
        f'height="{max(h * 0.85, 0.5):.1f}" fill="{COMPLETENESS_COLOURS.get(str(r.status), "#eceff2")}"/>'
        for r in frame.itertuples()
    ]


def ranking(data: ChartData) -> list[str]:
    """The first twenty bars, best at the top."""
    frame = data.drawn().head(20)
    if frame.empty:
        return []
    values = [0.0 if math.isnan(v) else float(v) for v in frame["value"]]
    x = scale(values, PAD * 2, WIDTH - PAD)
    step = (HEIGHT - 2 * PAD) / len(values)
    return [
        f'<rect x="{x(0):.1f}" y="{PAD + i * step + step * 0.15:.1f}" width="{max(x(v) - x(0), 0):.1f}" '
        f'height="{step * 0.7:.1f}" fill="{colour}"/>'
        for i, (v, colour) in enumerate(zip(values, frame["colour"], strict=True))
    ]
