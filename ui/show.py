"""Showing results: charts with the project's style, city names and colours, the source line."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

import pandas as pd
import pyarrow as pa
import streamlit as st
from pandas.io.formats.style import Styler
from streamlit import dataframe_util
from streamlit.delta_generator import DeltaGenerator

from metrics.analysis.changes import Revision
from metrics.analysis.standing import Headline
from metrics.analysis.targets import STATUS_RULES, STATUSES
from metrics.domain import registry
from metrics.domain.formatting import format_change, format_value
from metrics.domain.i18n import LANGS, Text
from metrics.domain.registry import RunningTotal
from metrics.present import charts, exports, plotly_layout, tables
from metrics.present.chart_data import ChartData
from metrics.present.chart_spec import ChartSpec
from metrics.present.style import TARGET_COLOURS
from metrics.store.cities import both_names, list_cities
from metrics.store.cities import city_names as names_by_code

from . import data, slides, state
from .single_flight import SingleFlightCache

HEADLINE_HELP = Text(
    "增幅按两年都报送的城市同口径计算，因此不受个别城市未报送影响。",
    "Growth compares the cities that reported both years, so a city that has not reported yet does not distort it.",
)
REPORTED = Text("{n}/{m} 个试点已报送", "{n} of {m} pilots reported")
PREVIOUS = Text("上年 {value}", "previous year {value}")
TOTAL_CHANGE = Text("合计 {t}，同口径 {l}", "total {t}, like for like {l}")  # the two growth figures, named


def chart(
    view: state.View,
    spec: ChartSpec,
    *,
    key: str | None = None,
    style: plotly_layout.Style = plotly_layout.SCREEN,
    events_note: bool = True,
    revised: tuple[Revision, ...] = (),
) -> None:
    """Draw the chart a spec names, of the data the view shows (its source line naming it), with "add to deck" and
    downloads (PNG, SVG, CSV, XLSX) under it, and the events it marks (unless `events_note` is False: a page of
    several charts over the same years says them once); the figures `revised` since a release ringed.

    The figure is built once per spec, language and data version, so a rerun that changes nothing builds nothing.
    """
    resolved = data.read(view, spec)
    fig = data.figure(view, spec, style, revised)
    st.plotly_chart(
        fig,
        theme=None,
        config=charts.config(view.lang, resolved.file_stem, style),
        width="stretch",
        key=key or f"chart-{spec.id}",
    )
    if resolved.caption:
        st.caption(escaped(resolved.caption))
    if style.page:
        if events_note:
            events_caption(view, spec)
        _toolbar(resolved, key or spec.id)


def events_caption(view: state.View, spec: ChartSpec) -> None:
    """The programme events a chart marks, in a line (① 2016 …)."""
    events = [f"{m.tag} {m.year} {m.label}" for m in data.read(view, spec).marks if m.kind == "event"]
    if events:
        st.caption(escaped(" · ".join(events)))


ADD = Text("加入演示文稿", "Add to deck")
ADDED = Text("已加入演示文稿（点击移除）", "In the deck (click to remove)")
DOWNLOAD = Text("下载", "Download")


def _toolbar(resolved: ChartData, key: str) -> None:
    lang, spec = resolved.lang, resolved.spec
    chosen = slides.contains(spec)
    bar = st.container(horizontal=True, horizontal_alignment="distribute", vertical_alignment="center")
    bar.button(
        (ADDED if chosen else ADD)(lang),
        key=f"deck-{key}",
        icon=":material/check_circle:" if chosen else ":material/add_to_queue:",
        type="tertiary",
        on_click=slides.toggle,
        args=(spec,),
    )
    download_menu(resolved.table, resolved.file_stem, key, chart=resolved, into=bar, source=resolved.source, lang=lang)


FORMAT_LABELS = {
    "png": Text("PNG 图片（1920×1080）", "PNG image (1920×1080)"),
    "svg": Text("SVG 矢量图", "SVG vector image"),
    "csv": Text("CSV 数据（Excel 可直接打开）", "CSV data (opens in Excel)"),
    "xlsx": Text("Excel 工作簿", "Excel workbook"),
}


def download_menu(
    table: pd.DataFrame,
    stem: str,
    key: str,
    chart: ChartData | None = None,
    into: DeltaGenerator | None = None,
    source: str = "",
    lang: str | None = None,
) -> None:
    """A "Download" menu offering the table as CSV and XLSX (with the `source` line under it, naming the data), and
    a chart also as PNG and SVG (its own source line drawn under it); files made on click.

    The buttons are drawn only while the menu is open (opening it reruns the page): a page of six charts would
    otherwise draw 24 buttons on every click (docs/performance.md).
    """
    menu = (into or st).popover(
        DOWNLOAD(lang or state.current_lang()), icon=":material/download:", key=f"downloads-{key}", on_change="rerun"
    )
    if menu.open:
        with menu:
            _download_buttons(table, stem, key, chart, source)


def _download_buttons(table: pd.DataFrame, stem: str, key: str, chart: ChartData | None, source: str) -> None:
    lang = state.current_lang()
    makers: list[tuple[str, Callable[[], bytes]]] = []
    if chart is not None:
        makers += [(fmt, functools.partial(charts.image, chart, fmt)) for fmt in charts.IMAGE_FORMATS]
    makers += [(fmt, functools.partial(exports.to_bytes, table, fmt, stem, source)) for fmt in exports.FORMATS]
    for fmt, make in makers:
        st.download_button(
            FORMAT_LABELS[fmt](lang),
            make,
            file_name=f"{stem}.{fmt}",
            mime=exports.MIME[fmt],
            key=f"download-{key}-{fmt}",
            on_click="ignore",
            width="stretch",
        )


WRAPPED_ROWS = 50  # a table of messages this short is drawn whole, its long cells wrapped, not cut off


MOVE_COLOURS = {"↑": "color: #1e7b4f", "↓": "color: #c0392b"}  # a rank gained, a rank lost (→ stays plain)
STATUS_COLOURS = {  # a target met, nearly met, missed or without an actual, by its label in either language
    label(lang): f"color: {TARGET_COLOURS[key]}; font-weight: 600" for key, label in STATUSES.items() for lang in LANGS
}


def table(
    frame: pd.DataFrame, stem: str, key: str, wrap: bool = False, coloured: bool = True, named: bool = True, **dataframe
) -> None:
    """A table with CSV and XLSX downloads of exactly what it shows, which name the data the page shows (a release,
    or the working data) unless `named` is False (a table not of the data: accounts, a file's problems); `wrap`: a
    short one drawn whole, its long cells wrapped (a list of a file's problems), rather than scrolling and cut off. A
    column of rank moves (tables.MOVES) shows gains green and losses red; one of targets' statuses (tables.STATUS) in
    their colours; a missing value (a pilot without a rank that year, an indicator not reported) as a dash, not
    "None".
    Colours cost every rerun (Streamlit styles each cell again): `coloured=False` for a wide table of many cells."""
    options = {"hide_index": True, "width": "stretch", "placeholder": MISSING, **dataframe}
    shown: pd.DataFrame | Styler = frame
    if coloured and frame.size <= STYLED_CELLS:
        styled = _per_frame(_styled, id(frame), frame, lambda: _coloured(frame))
        if styled is not None:
            shown = styled
    if wrap and len(frame) <= WRAPPED_ROWS:
        # A table writes a float with four decimals and a count without separators unless told: floats, and the
        # columns the grid would have shown as numbers, as the grid would.
        config = dataframe.get("column_config") or {}
        kinds = {c: v.get("type_config", {}).get("type") for c, v in config.items() if isinstance(v, dict)}
        numbers = tuple(c for c in frame.columns if pd.api.types.is_float_dtype(frame[c]) or kinds.get(c) == NUMBER)
        if numbers and not isinstance(shown, Styler):
            shown = _per_frame(_written, (id(frame), numbers), frame, lambda: _written_numbers(frame, numbers))
        st.table(shown, hide_index=options["hide_index"])
    else:
        st.dataframe(shown if isinstance(shown, Styler) else arrow_table(frame), **options)
    view = state.view()  # its language is the chosen one (current_lang), read once for the run
    source = view.source()(view.lang) if named else ""
    downloaded = frame if options["hide_index"] else frame.reset_index()  # the row labels too
    download_menu(downloaded, stem, key, source=source, lang=view.lang)


MISSING = "—"
NUMBER = "number"  # a number column's type in Streamlit's column configuration
STYLED_CELLS = 600  # a larger table goes without colours, whatever it asks


def held(styler: Styler) -> Styler:
    """The Styler with its cells' styles and shown values worked out now, once, and kept: st.dataframe has a Styler
    compute and translate every cell again on each run (most of a rerun of a page with a coloured table). Never
    changed once held, so sessions may share it. (Streamlit takes only a Styler itself, not a subclass.)"""
    styler._compute()
    translated = styler._translate(False, False)
    _unwritten(translated, styler.data)
    styler._compute = lambda: styler
    styler._translate = lambda *args, **kwargs: translated
    return styler


_CELL = re.compile(r"row(\d+)_col(\d+)")  # a cell's id in a translated Styler, as Streamlit reads it


def _unwritten(translated: dict, frame: pd.DataFrame) -> None:
    """Take out of the translated cells the ids of those shown as their own text: on every run, Streamlit writes
    each identified cell's shown value into a text copy of the table, one column at a time (slow into a column of
    strings), and these would be written as they already are. Only that writing reads the ids (the cells' styles
    have selectors of their own), so what it sends is the same."""
    text = frame.astype(str).to_numpy()
    for row in translated.get("body", ()):
        for cell in row:
            found = _CELL.fullmatch(cell.get("id") or "")
            if found and str(cell.get("display_value")) == text[int(found[1]), int(found[2])]:
                del cell["id"]


T = TypeVar("T")


def _per_frame(cache: SingleFlightCache[tuple[pd.DataFrame, T]], key: Hashable, frame: pd.DataFrame,
               make: Callable[[], T]) -> T:  # fmt: skip
    """make()'s result for the frame, kept in `cache` under `key` (which holds id(frame)) together with the frame: an
    entry keeps its frame alive, so while it is kept no other frame has that id (checked all the same); the frames
    shown are mostly the shared results of data.read."""
    held_frame, value = cache.get(key, lambda: (frame, make()))
    return value if held_frame is frame else make()


# id(frame) -> (the frame, its held Styler or None: nothing to colour)
_styled = SingleFlightCache[tuple[pd.DataFrame, Styler | None]](None, maxsize=256)


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """The frame as st.dataframe would convert it (Streamlit's own conversion), done once per frame and kept:
    st.dataframe converts a pandas frame again on every run, most of a rerun's cost of a table of many pilots."""
    return _per_frame(_arrow, id(frame), frame, lambda: dataframe_util.convert_pandas_df_to_arrow_table(frame))


# id(frame) -> (the frame, its Arrow table)
_arrow = SingleFlightCache[tuple[pd.DataFrame, pa.Table]](None, maxsize=256)


# (id(frame), its number columns) -> (the frame, held Styler writing them): a short table drawn whole (`wrap`)
_written = SingleFlightCache[tuple[pd.DataFrame, Styler]](None, maxsize=256)


def _written_numbers(frame: pd.DataFrame, numbers: tuple[str, ...]) -> Styler:
    """The frame with these columns written as their values need (_number_format), held."""
    return held(frame.style.format({c: _number_format(frame[c]) for c in numbers}))


def _coloured(frame: pd.DataFrame) -> Styler | None:
    """The frame with its rank moves (tables.MOVES) and targets' statuses (tables.STATUS) in their colours, each
    float column written as its values need (a Styler writes six decimals unless told); None if it has neither."""
    moves = [c for c in frame.columns if c in {label(lang) for label in tables.MOVES for lang in LANGS}]
    statuses = [c for c in frame.columns if c in (tables.STATUS.zh, tables.STATUS.en)]
    statuses = [c for c in statuses if frame[c].isin(list(STATUS_COLOURS)).all()]  # not the round's "Status"
    if not (moves or statuses):
        return None
    return held(
        frame.style.map(lambda cell: MOVE_COLOURS.get(str(cell)[:1], ""), subset=moves)
        .map(lambda cell: STATUS_COLOURS.get(str(cell), ""), subset=statuses)
        .format({c: _number_format(frame[c]) for c in frame.columns if pd.api.types.is_float_dtype(frame[c])})
    )


def _number_format(column: pd.Series) -> Callable[[object], str]:
    """How a float column reads: thousands separated, with as many decimals (up to two) as its values have."""
    values = column.dropna()
    decimals = next((d for d in (0, 1, 2) if ((values * 10**d).round() == values * 10**d).all()), 2)
    return lambda v: "" if pd.isna(v) else f"{v:,.{decimals}f}"


def fitted_width(units: int, header: str = "") -> int:
    """Pixels a data grid's column needs to show a value `units` display units long (a CJK character is 2), or its
    header, whole: a data grid sizes its columns from the first rows only, and cuts the longer names further down."""
    # half-widths of a 14px font, with the cell's padding
    return round(24 + 7.5 * max(units, plotly_layout.display_units(header)))


def city_names(view: state.View) -> dict[str, str]:
    """City code -> name in the view's language, of the data it shows (cached until that data changes)."""
    return data.read(view, names_by_code, view.lang)


def picker_names(view: state.View) -> dict[str, str]:
    """City code -> how a city picker lists it: in the view's language, then in the other, so typing either finds
    it."""
    return data.read(view, both_names, view.lang)


def ranking(frame: pd.DataFrame, stem: str, height: int = 440) -> None:
    """A sortable ranking table (from tables.ranking_table) whose narrow columns stay narrow, with downloads."""
    rank, _city, _value, move = frame.columns
    table(
        frame,
        stem,
        key=f"ranking-{stem}",
        height=height,
        column_config={rank: st.column_config.Column(width=60), move: st.column_config.Column(width=70)},
    )


def headline(head: Headline, lang: str, provisional: str = "") -> None:
    """One headline card: the year's value, like-for-like change, who reported, last year's value; `provisional`
    names a year still being collected (2026（报送中，12/65）), said on the card."""
    ind = registry.get(head.key)
    with st.container(border=True, height="stretch"):  # as tall as the card beside it
        if provisional:
            st.caption(f":orange-badge[:material/hourglass_top: {escaped(provisional)}]")
        st.metric(
            ind.label(lang),
            format_value(head.value, ind, lang),
            delta=None if math.isnan(head.growth_pct) else format_change(head.growth_pct, lang),
            help=HEADLINE_HELP(lang),
        )
        reported = REPORTED.format(n=head.reporting, m=head.designated)(lang)
        previous = PREVIOUS.format(value=format_value(head.previous, ind, lang))(lang)  # in the card's own unit
        if head.previous and not math.isnan(head.previous) and not math.isnan(head.growth_pct):
            total = format_change((head.value / head.previous - 1) * 100, lang)
            previous += f" · {TOTAL_CHANGE.format(t=total, l=format_change(head.growth_pct, lang))(lang)}"
        st.caption(f"{reported} · {previous}")


def cumulative_line(heads: Sequence[Headline], lang: str) -> None:
    """The running totals since 2014 of several flows, on one line that wraps as needed."""
    parts = []
    for head in heads:
        ind = registry.get(head.key)
        label = registry.get(ind.base).label(lang) if isinstance(ind, RunningTotal) else ind.label(lang)
        parts.append(f"{label} **{format_value(head.value, ind, lang, compact=False)}**")
    st.markdown(" · ".join(parts))


NO_PILOTS = Text("所选范围内没有试点城市，请调整侧栏筛选。", "No pilots match the sidebar filters.")


class EndOfPage(Exception):
    """Raised by a page that has nothing more to show; dashboard.py catches it.

    Unlike st.stop(), the run then still finishes normally, so the URL is brought up to date.
    """


def end_page(message: str) -> None:
    """Show why the page has nothing more to show, and end it."""
    st.info(message)
    raise EndOfPage


def cities_in_scope(view):
    """The pilots the sidebar selects; on an empty selection, say so and end the page."""
    cities = data.read(view, list_cities, view.scope)
    if cities.empty:
        end_page(NO_PILOTS(view.lang))
    return cities


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escaped(text: str) -> str:
    """Text from the data, safe to put into Markdown: shown as it is, never read as markup."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def hide_sidebar() -> None:
    """No sidebar and less padding, for presenting (static style, no data in it)."""
    st.html(
        "<style>"
        "section[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'],"
        " [data-testid='stExpandSidebarButton'] {display: none !important;}"
        " .block-container, [data-testid='stMainBlockContainer'] {padding-top: 1.2rem !important;"
        " padding-bottom: 0 !important;}"
        "</style>"
    )


def target_counts(counts: dict[str, int], lang: str) -> None:
    """How many pilots met, nearly met or missed their targets, or lack an actual (targets.summary), as a row of
    cards, each saying what its status means."""
    for column, (key, label) in zip(st.columns(len(STATUSES)), STATUSES.items(), strict=True):
        column.metric(label(lang), f"{counts[key]} / {counts['pilots']}", border=True, help=STATUS_RULES[key](lang))
