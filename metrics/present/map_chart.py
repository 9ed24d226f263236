"""The map of pilots: points at their coordinates sized by value, on plain axes (no tiles, no borders), with a
key to the sizes."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from ..domain.formatting import format_value, nice_ticks
from ..domain.i18n import Text
from ..domain.registry import Indicator
from .chart_data import ChartData
from .plotly_layout import SCREEN, Figure, Style, base_layout, display_units, merge, new_figure
from .style import PEER_COLOUR, REGION_COLOURS
from .year_charts import NOT_REPORTED


def map_figure(data: ChartData, source: str, style: Style) -> Figure:
    """Every pilot at its coordinates (a kind's Plotly drawing)."""
    return point_map(data.drawn(), data.indicator, data.lang, data.title, source, style=style)


def point_map(
    cities: pd.DataFrame,
    ind: Indicator,
    lang: str,
    title: str,
    source: str,
    height: int = 720,
    labelled: int = 15,
    style: Style = SCREEN,
) -> Figure:
    """Pilot cities as points at their coordinates, sized by value, without borders or a base map, with a key to
    the sizes.

    cities: name, lon, lat, value, region (key), region_label, colour. Drawn on plain longitude/latitude axes
    (no map tiles, no boundaries), so it works offline and draws no borders that would need the official
    standard map. Of the `labelled` largest points, those whose name finds a free place beside them carry it;
    hover shows every one.
    """
    shown = cities[cities["value"].notna()]
    missing = cities[cities["value"].isna()]
    largest = float(shown["value"].max()) if len(shown) else 0.0

    def size(value: float) -> float:
        return (10 + 40 * math.sqrt(max(value, 0) / largest) if largest > 0 else 10) * style.scale

    lon_lo, lon_hi = (float(cities["lon"].min()), float(cities["lon"].max())) if len(cities) else (73.0, 135.0)
    lat_lo, lat_hi = (float(cities["lat"].min()), float(cities["lat"].max())) if len(cities) else (18.0, 54.0)
    x_range, y_range = [lon_lo - 3, lon_hi + 6], [lat_lo - 2, lat_hi + 2]
    traces, groups = [], []
    for region in REGION_COLOURS:
        group = shown[shown["region"] == region]
        if group.empty:
            continue
        groups.append(group)
        traces.append(
            {
                "type": "scatter",
                "x": group["lon"].tolist(),
                "y": group["lat"].tolist(),
                "mode": "markers+text",
                "name": group["region_label"].iloc[0],
                "hovertext": group["name"].tolist(),
                "textfont": {"size": 12 * style.scale},
                "marker": {
                    "size": [size(v) for v in group["value"]],
                    "color": REGION_COLOURS[region],
                    "opacity": 0.72,
                    "line": {"width": 1, "color": "white"},
                },
                "customdata": [format_value(v, ind, lang, compact=False) for v in group["value"]],
                "hovertemplate": "<b>%{hovertext}</b><br>%{customdata}<extra></extra>",
            }
        )
    if len(missing):
        traces.append(
            {
                "type": "scatter",
                "x": missing["lon"].tolist(),
                "y": missing["lat"].tolist(),
                "mode": "markers",
                "name": NOT_REPORTED(lang),
                "hovertext": missing["name"].tolist(),
                "marker": {"size": 8, "color": "white", "line": {"width": 1.5, "color": PEER_COLOUR}},
                "hovertemplate": "<b>%{hovertext}</b><br>" + NOT_REPORTED(lang) + "<extra></extra>",
            }
        )
    fig = new_figure(traces)
    base_layout(fig, title, source, height, lang, style=style)
    layout = fig["layout"]
    plot_px = (style.plot_width, layout["height"] - layout["margin"]["t"] - layout["margin"]["b"])
    # Pixels per degree of longitude: the axes keep 1° of latitude 1.22 times as long, so the tighter of the two fits.
    px = min(plot_px[0] / (x_range[1] - x_range[0]), plot_px[1] / ((y_range[1] - y_range[0]) * 1.22))
    points = [(float(r.lon), float(r.lat), size(r.value) if not math.isnan(r.value) else 8.0)
              for r in cities.itertuples()]  # fmt: skip
    key_trace, key_notes = _size_key(largest, size, ind, lang, (x_range[0] + 1, y_range[0] + 1.2), px, style)
    key_box = _key_box(key_trace, key_notes, px, style)
    positions = _label_places(shown, set(shown.nlargest(labelled, "value")["name"]), points, px, style, key_box)
    for trace, group in zip(traces, groups, strict=False):  # the regions' traces, named where a name fits
        trace["text"] = [n if n in positions else "" for n in group["name"]]
        trace["textposition"] = [positions.get(n, "middle right") for n in group["name"]]
    fig["data"] = [*traces, *key_trace]
    layout["annotations"].extend(key_notes)
    merge(layout, {
        "xaxis": {"range": x_range, "showgrid": False, "zeroline": False, "showticklabels": False},
        "yaxis": {"range": y_range, "showgrid": False, "zeroline": False, "showticklabels": False,
                  "scaleanchor": "x", "scaleratio": 1.22},
        "plot_bgcolor": "#f4f6f8",
    })  # fmt: skip
    return fig


SIZE_KEY = Text("点的大小：{unit}", "Point size: {unit}")
_PLACES = ("middle right", "middle left", "top center", "bottom center")


def _key_box(trace: list[dict], notes: list[dict], px: float, style: Style) -> list[tuple[float, ...]]:
    """The size key's box (its bubbles, their values and its heading) in the px of _label_places, where no name
    goes."""
    if not trace:
        return []
    k = style.scale
    xs, y, heading = trace[0]["x"], trace[0]["y"][0], notes[0]
    biggest = max(trace[0]["marker"]["size"])
    left = notes[0]["x"] * px
    right = max(xs[-1] * px + biggest / 2, left + display_units(heading["text"]) * 12 * k * 0.58)
    bottom = y * px * 1.22 - biggest / 2 - 11 * k * 1.45
    top = heading["y"] * px * 1.22 + 12 * k * 1.45
    return [(left, bottom, right, top)]


def _label_places(
    shown: pd.DataFrame,
    candidates: set[str],
    points: list[tuple[float, float, float]],
    px: float,
    style: Style,
    reserved: Sequence[tuple[float, ...]] = (),
) -> dict[str, str]:
    """Where each candidate's name goes beside its point (a Plotly textposition), largest point first: the first
    side where the name covers no other point and no name placed before it; a name with no free side is left to
    hover. `points` are every point's (lon, lat, diameter in px); boxes are in px, from the degrees' scale `px`
    and the names' estimated widths."""
    font = 12 * style.scale

    def at(lon: float, lat: float) -> tuple[float, float]:
        return lon * px, lat * px * 1.22

    bubbles = []  # every point's box, shrunk a little: a name may touch a bubble's rim
    for lon, lat, diameter in points:
        (x, y), r = at(lon, lat), diameter / 2 * 0.8
        bubbles.append(((lon, lat), (x - r, y - r, x + r, y + r)))
    names: list[tuple[float, ...]] = []
    places: dict[str, str] = {}
    for row in shown[shown["name"].isin(candidates)].sort_values("value", ascending=False).itertuples():
        own = (float(row.lon), float(row.lat))
        (x, y), r = at(*own), next(d for lon, lat, d in points if (lon, lat) == own) / 2
        w, h = display_units(str(row.name)) * font * 0.58 + 4, font * 1.45
        boxes = {
            "middle right": (x + r + 2, y - h / 2, x + r + 2 + w, y + h / 2),
            "middle left": (x - r - 2 - w, y - h / 2, x - r - 2, y + h / 2),
            "top center": (x - w / 2, y + r, x + w / 2, y + r + h),
            "bottom center": (x - w / 2, y - r - h, x + w / 2, y - r),
        }
        others = [box for centre, box in bubbles if centre != own] + names + list(reserved)
        place = next((p for p in _PLACES if not any(_overlap(boxes[p], other) for other in others)), None)
        if place is not None:
            places[str(row.name)] = place
            names.append(boxes[place])
    return places


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _size_key(largest: float, size, ind: Indicator, lang: str, corner: tuple[float, float], px: float,
              style: Style) -> tuple[list[dict], list[dict]]:  # fmt: skip
    """Three reference bubbles with their values in a row from `corner` (the map's empty south-west), and the key's
    heading: what a point's size means."""
    if largest <= 0:
        return [], []
    top = max((v for v in nice_ticks(0, largest, count=6) if v <= largest), default=largest) or largest
    values = [top / 4, top / 2, top]
    texts = [format_value(v, ind, lang) for v in values]
    xs, x = [], corner[0]
    for v, text in zip(values, texts, strict=True):  # each bubble as wide as its value under it, then a gap
        half = max(size(v), display_units(text) * 11 * style.scale * 0.58) / 2
        x += half / px
        xs.append(x)
        x += (half + 12 * style.scale) / px
    y = corner[1] + size(values[-1]) / 2 / (px * 1.22)
    trace = {
        "type": "scatter", "x": xs, "y": [y] * len(xs), "mode": "markers+text", "showlegend": False,
        "hoverinfo": "skip", "text": texts, "textposition": "bottom center",
        "textfont": {"size": 11 * style.scale, "color": "#5f6b7a"},
        "marker": {"size": [size(v) for v in values], "color": "rgba(0,0,0,0)",
                   "line": {"width": 1.2, "color": "#8a94a0"}},
    }  # fmt: skip
    heading = {
        "x": corner[0], "y": y + (size(values[-1]) / 2 + 6 * style.scale) / (px * 1.22), "xref": "x", "yref": "y",
        "xanchor": "left", "yanchor": "bottom", "showarrow": False,
        "text": SIZE_KEY.format(unit=ind.label(lang))(lang), "font": {"size": 12 * style.scale, "color": "#5f6b7a"},
    }  # fmt: skip
    return [trace], [heading]
