"""Plotly figures fit for a projector: one colour per city everywhere, gaps for unreported years, labels and numbers
in the reader's language, and a source line under every chart. Any resolved chart (chart_data.ChartData) drawn as
Plotly's JSON form (plotly_layout.Figure) as its kind says (kinds.KINDS): lines, bars and slopes in year_charts.py,
the map in map_chart.py, the reporting grid and rankings in rank_charts.py; PNG and SVG through Kaleido; and the
config of a chart on a page."""

from __future__ import annotations

import functools
import html
import threading
import warnings
from dataclasses import replace

import pandas as pd

from .chart_data import ChartData
from .kinds import kind_of
from .plotly_layout import IMAGE, SCREEN, Figure, Style, as_figure
from .provisional import mark_provisional

CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
# Plotly's own words on a chart (the toolbar's tooltips, its hints) in Chinese: Plotly looks each up in the locale's
# dictionary, given with the chart's config (nothing to load from a CDN).
ZH_CN = {
    "Autoscale": "自动缩放",
    "Compare data on hover": "悬停时对比各条数据",
    "Double-click on legend to isolate one trace": "双击图例只显示这一条",
    "Double-click to zoom back out": "双击恢复原大小",
    "Download plot": "下载图片",
    "Download plot as a PNG": "下载图片（PNG）",
    "Download plot as a png": "下载图片（PNG）",
    "Image download succeeded": "图片已下载",  # the notices of the toolbar's download (Lib.notifier)
    "Pan": "平移",
    "Preparing image - this may take a few seconds": "正在生成图片，请稍候",
    "Reset axes": "重置坐标轴",
    "Reset view": "重置视图",
    "Reset": "重置",
    "Show closest data on hover": "悬停时显示最近的数据",
    "Sorry, there was a problem downloading your image!": "抱歉，图片下载失败。",
    "Toggle Spike Lines": "显示或隐藏辅助线",
    "Toggle show closest data on hover": "切换悬停显示最近的数据",
    "Zoom in": "放大",
    "Zoom out": "缩小",
    "Zoom": "缩放",
}


def config(lang: str, file_stem: str, style: Style = SCREEN) -> dict:
    """The Plotly config of a chart drawn in a style: on a page, its toolbar in the reader's language and its PNG
    download named for what it shows; presented (a projector's style), no toolbar at all."""
    words = {"locale": "zh-CN", "locales": {"zh-CN": {"dictionary": ZH_CN}}} if lang == "zh" else {}
    shown = {} if style.page else {"displayModeBar": False}
    return {**CONFIG, **words, **shown, "toImageButtonOptions": {"filename": file_stem, "scale": 2}}


def figure(data: ChartData, style: Style = SCREEN) -> Figure:
    """The Plotly figure for resolved chart data, in the given style (drawn as its kind draws it)."""
    data = _escaped(data)
    source = data.brief_source if style.page and data.brief_source else data.source
    return mark_provisional(kind_of(data.spec).plotly(data, source, style), data)


def _escaped(data: ChartData) -> ChartData:
    """The chart data with every text from the data escaped: Plotly reads tags such as <a href> in names and labels
    as markup, and a city name must never become a link."""
    esc = functools.partial(html.escape, quote=False)
    frame = data.frame
    shown: set[str] = set()  # the pilots the chart names (not every pilot there is)
    if frame is not None:
        frame = frame.assign(**{c: _escaped_text(frame[c]) for c in ("name", "region_label") if c in frame})
        shown = set(frame["city_code"].tolist()) if "city_code" in frame else set()
    return replace(
        data,
        title=esc(data.title),
        source=esc(data.source),  # it names a release, whose name an editor typed
        brief_source=esc(data.brief_source),
        lines=tuple(
            replace(line, name=esc(line.name), flags=tuple(map(esc, line.flags)) if line.flags else None)
            for line in data.lines
        ),
        names={code: esc(data.names[code]) for code in shown if code in data.names},
        marks=tuple(replace(mark, label=esc(mark.label), tag=esc(mark.tag)) for mark in data.marks),
        frame=frame,
    )


def _escaped_text(column: pd.Series) -> pd.Series:
    """A text column as html.escape(quote=False) writes each cell, in one pass per character (thousands of pilots)."""
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):  # & first: the entities contain it
        column = column.str.replace(char, entity, regex=False)
    return column


_images = threading.Lock()  # one Kaleido browser per process, used by one caller at a time
IMAGE_FORMATS = ("png", "svg")


@functools.cache
def _start_kaleido() -> None:
    """Start Kaleido's browser, once per process (each image after the first is then quick)."""
    import kaleido  # imported here: only image downloads need it

    kaleido.start_sync_server(silence_warnings=True)


def image(data: ChartData, file_format: str) -> bytes:
    """The chart as a 1920x1080 PNG (1280x720 at 1.5x, for slides) or a 1280x720 SVG; needs Chromium."""
    if file_format not in IMAGE_FORMATS:
        raise ValueError(f"unknown image format {file_format!r}")
    fig = as_figure(figure(data, IMAGE))
    with _images, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Kaleido warns that per-call options are ignored by its server
        _start_kaleido()
        scale = 1.5 if file_format == "png" else 1
        return fig.to_image(format=file_format, width=1280, height=fig.layout.height, scale=scale)
