"""The meeting deck: a 16:9 PowerPoint file with native, editable charts (python-pptx), in Chinese or English.

A title slide (programme, date, data source, the sample notice), the year's highlights, one slide per chart with its
title, source line and key figures in the speaker notes, and a closing table of headline numbers. Charts are drawn
from the same ChartData as the dashboard, so their values are those `python -m metrics series` prints.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date

from lxml import etree
from pptx import Presentation
from pptx.chart.data import BubbleChartData, CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from ..analysis import standing
from ..analysis.highlights import highlights
from ..analysis.index import year_index
from ..analysis.round_status import round_status
from ..domain import registry
from ..domain.formatting import format_change, format_number
from ..domain.i18n import Text
from ..domain.programme import SAMPLE_NOTICE, SOURCE, Scope
from ..store.meta import is_sample
from ..store.rounds import round_years
from ..store.series import year_span
from ..store.targets import target_years
from ..store.transactions import Cursor
from .specs import ChartData, ChartSpec, resolve
from .style import COMPLETENESS_COLOURS, PROGRAMME_COLOUR, REGION_COLOURS, TEXT_COLOUR

# Microsoft YaHei ships with every Chinese Windows and Office; Latin text stays in the theme's Calibri.
EAST_ASIAN_FONT = "Microsoft YaHei"
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.6)
GREY = "5F6B7A"
ACCENT = "B5542D"

PROGRAMME = Text("科协创新驱动助力工程 · 试点城市与园区", "CAST CONTRID · pilot cities and parks")
DECK_TITLE = Text("{a}—{b} 年工作数据", "Figures {a}–{b}")
PREPARED = Text("{d} 制作 · 数据截至 {y} 年", "Prepared {d} · figures up to {y}")
HIGHLIGHTS = Text("{y} 年要点", "Highlights of {y}")
HEADLINES = Text("{y} 年主要指标", "Headline figures, {y}")
UNIT = Text("单位：{u}", "{u}")
NOTES_FIGURES = Text("要点数字：", "Key figures:")
EVENTS = Text("批次与大事：", "Batches and events:")
COLUMNS = (
    Text("指标", "Indicator"),
    Text("{y} 年", "{y}"),
    Text("{y} 年", "{y}"),
    Text("同口径增长", "Like-for-like change"),
    Text("报送试点", "Pilots reporting"),
)
SHARE_REPORTING = Text("报送率（%）", "Share reporting (%)")
ROUND_TITLE = Text("{y} 年数据报送进度", "Collecting the {y} figures")
ROUND_COUNTS = Text(
    "{n} 个试点：已导入 {a}，被拒绝待改正 {b}，未收到 {c}{late}",
    "{n} pilots: {a} loaded, {b} refused (to be corrected), {c} not received{late}",
)
ROUND_LATE = Text("；截止 {d}，逾期 {n} 个", "; due {d}, {n} late")
ROUND_TODO = Text("尚未导入：{names}", "Not loaded yet: {names}")
ROUND_NAMED = 24  # pilots named on the slide; beyond that, how many more


def standard_specs(
    cur: Cursor, years: tuple[int, int] | None = None, cities: Sequence[str] = (), scope: Scope | None = None
) -> list[ChartSpec]:
    """The standard meeting set: pilots over time, the core indicators, the leading cities, the map, and the last
    year's composite index and targets achieved (each when that year has one); with cities, each city's core
    indicators against its batch and, for several, a comparison of them."""
    years = years or year_span(cur)
    scope = scope or Scope()
    specs = [ChartSpec("pilots", "pilot_cities", years, scope, events=True)]
    specs += [ChartSpec("trend", key, years, scope, events=True) for key in registry.CORE_KEYS]
    if cities:
        for code in cities:
            specs += [ChartSpec("city", key, years, cities=(code,), events=True) for key in registry.CORE_KEYS]
        if len(cities) > 1:
            specs.append(ChartSpec("compare", "agreements", years, cities=tuple(cities)))
    else:
        leaders = standing.ranks(cur, "agreements", years[1], scope)["city_code"].head(5)
        specs.append(ChartSpec("compare", "agreements", years, cities=tuple(leaders)))
    specs.append(ChartSpec("map", "agreements", years, scope))
    last = (years[1], years[1])
    if year_index(cur, years[1]).mean_index is not None:  # the assessment: over all pilots, whatever the scope
        specs.append(ChartSpec("index", "composite_index", last))
    if years[1] in target_years(cur):
        specs.append(ChartSpec("achievement", "target_share", last, scope))  # the targets of the pilots in scope
    return specs


def build(cur: Cursor, specs: Sequence[ChartSpec], lang: str, today: date | None = None) -> bytes:
    """The deck for these charts in `lang`, as the bytes of a .pptx file."""
    today = today or date.today()
    resolved = [resolve(cur, spec, lang) for spec in specs]
    first = min((s.years[0] for s in specs), default=year_span(cur)[0])
    last = max((s.years[1] for s in specs), default=year_span(cur)[1])
    sample = is_sample(cur)
    scopes = {spec.scope for spec in specs}
    scope = scopes.pop() if len(scopes) == 1 else Scope()  # the pilots the charts show, when they all show the same
    notes = highlights(cur, last, scope)
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    _east_asian_theme_font(prs)
    source = resolved[0].source if resolved else SOURCE(lang)

    _title_slide(prs, lang, first, last, today, source, sample)
    if notes:
        slide = _slide(prs, HIGHLIGHTS.format(y=last)(lang), source)
        _bullets(slide, [h.text(lang) for h in notes])
        _notes(slide, [h.text(lang) for h in notes])
    for data in resolved:
        slide = _slide(prs, data.title, data.source)
        _CHARTS[data.form](slide, data)
        related = [h.text(lang) for h in notes if h.key == data.spec.indicator]
        events = [f"{m.year} {m.label}" for m in data.marks]
        caption = [data.caption] if data.caption and data.caption not in data.notes else []  # what is not drawn
        _notes(slide, [NOTES_FIGURES(lang), *data.notes, *caption, *related,
                       *([EVENTS(lang), *events] if events else []), *_beyond_the_slide(data)])  # fmt: skip
    _headline_slide(prs, cur, lang, last, source, scope)
    if round_years(cur):  # the latest collection round, while one is open
        _round_slide(prs, cur, lang, round_years(cur)[0], today, source)
    _number_slides(prs)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


# --- slides ------------------------------------------------------------------------------------------------


def _east_asian_theme_font(prs) -> None:
    """Make the theme's East Asian font Microsoft YaHei, so every text without a font of its own uses it."""
    theme = prs.slide_master.part.part_related_by(RELATIONSHIP_TYPE.THEME)
    root = etree.fromstring(theme.blob)
    for ea in root.iter(qn("a:ea")):
        ea.set("typeface", EAST_ASIAN_FONT)
    for font in root.iter(qn("a:font")):
        if font.get("script") == "Hans":
            font.set("typeface", "微软雅黑")
    theme._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def _text(slide, text: str, left, top, width, height, size: int, *, bold=False, colour=TEXT_COLOUR,
          align=PP_ALIGN.LEFT, anchor=MSO_ANCHOR.TOP):  # fmt: skip
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    for i, line in enumerate(text.split("\n")):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run()
        run.text = line
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = _rgb(colour)
    return box


def _slide(prs, title: str, source: str):
    """A blank slide with a title at the top and the source line at the bottom."""
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _text(slide, title, MARGIN, Inches(0.35), WIDTH - 2 * MARGIN, Inches(0.8), 28, bold=True,
          anchor=MSO_ANCHOR.MIDDLE)  # fmt: skip
    _text(slide, source, MARGIN, HEIGHT - Inches(0.6), WIDTH - 2 * MARGIN - Inches(1), Inches(0.4), 11, colour=GREY)
    return slide


def _title_slide(prs, lang, first, last, today, source, sample) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _text(slide, PROGRAMME(lang), MARGIN, Inches(1.6), WIDTH - 2 * MARGIN, Inches(0.6), 22, colour=GREY)
    _text(slide, DECK_TITLE.format(a=first, b=last)(lang), MARGIN, Inches(2.2), WIDTH - 2 * MARGIN, Inches(1.2), 44,
          bold=True, colour=PROGRAMME_COLOUR)  # fmt: skip
    when = today.strftime("%Y年%m月%d日") if lang == "zh" else today.strftime("%d %B %Y")
    _text(slide, PREPARED.format(d=when, y=last)(lang), MARGIN, Inches(3.5), WIDTH - 2 * MARGIN, Inches(0.5), 18)
    _text(slide, source, MARGIN, Inches(4.1), WIDTH - 2 * MARGIN, Inches(0.8), 14, colour=GREY)
    if sample:
        _text(slide, SAMPLE_NOTICE(lang), MARGIN, Inches(5.4), WIDTH - 2 * MARGIN, Inches(1.0), 16, bold=True,
              colour=ACCENT)  # fmt: skip


def _bullets(slide, lines: Sequence[str]) -> None:
    box = slide.shapes.add_textbox(MARGIN, Inches(1.4), WIDTH - 2 * MARGIN, HEIGHT - Inches(2.3))
    frame = box.text_frame
    frame.word_wrap = True
    size = 22 if len(lines) <= 5 else 18
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.space_after = Pt(12)
        run = paragraph.add_run()
        run.text = f"•  {line}"
        run.font.size = Pt(size)
        run.font.color.rgb = _rgb(TEXT_COLOUR)


def _notes(slide, lines: Sequence[str]) -> None:
    slide.notes_slide.notes_text_frame.text = "\n".join(lines)


def _number_slides(prs) -> None:
    total = len(prs.slides)
    for number, slide in enumerate(prs.slides, start=1):
        if number > 1:
            _text(slide, f"{number} / {total}", WIDTH - MARGIN - Inches(1), HEIGHT - Inches(0.6), Inches(1),
                  Inches(0.4), 11, colour=GREY, align=PP_ALIGN.RIGHT)  # fmt: skip


def _headline_slide(prs, cur: Cursor, lang: str, year: int, source: str, scope: Scope) -> None:
    keys = (*registry.CORE_KEYS, "contract_value_10k_cny", "pilot_cities")
    heads = standing.headlines(cur, keys, scope, year)
    slide = _slide(prs, HEADLINES.format(y=year)(lang), source)
    rows, cols = len(heads) + 1, len(COLUMNS)
    shape = slide.shapes.add_table(rows, cols, MARGIN, Inches(1.4), WIDTH - 2 * MARGIN, Inches(0.55) * rows)
    table = shape.table
    header = [COLUMNS[0](lang), COLUMNS[1].format(y=year)(lang), COLUMNS[2].format(y=year - 1)(lang),
              COLUMNS[3](lang), COLUMNS[4](lang)]  # fmt: skip
    for col, text in enumerate(header):
        _cell(table.cell(0, col), text, bold=True, align=PP_ALIGN.LEFT if col == 0 else PP_ALIGN.RIGHT)
    for row, head in enumerate(heads, start=1):
        ind = registry.get(head.key)
        values = [
            ind.title(lang),  # with the unit, so the figures go without
            format_number(head.value, lang, ind.decimals, compact=False),
            format_number(head.previous, lang, ind.decimals, compact=False),
            "—" if math.isnan(head.growth_pct) else format_change(head.growth_pct, lang),
            f"{head.reporting} / {head.designated}",
        ]
        for col, text in enumerate(values):
            _cell(table.cell(row, col), text, align=PP_ALIGN.LEFT if col == 0 else PP_ALIGN.RIGHT)
    table.columns[0].width = Inches(4.6)
    for col in range(1, cols):
        table.columns[col].width = Emu(int((WIDTH - 2 * MARGIN - Inches(4.6)) / (cols - 1)))
    _notes(slide, [f"{r[0]}: {r[1]}" for r in ([c.text_frame.text for c in row.cells] for row in table.rows)][1:])


def _round_slide(prs, cur: Cursor, lang: str, year: int, today: date, source: str) -> None:
    status = round_status(cur, year, today)
    counts = status.counts
    late = ROUND_LATE.format(d=status.round.due.isoformat(), n=counts["late"]) if status.round.due else Text("", "")
    todo = status.pilots[status.pilots["status"] != "loaded"]
    names = [f"{n}{'*' if is_late else ''}" for n, is_late in zip(todo[f"name_{lang}"], todo["late"], strict=True)]
    shown = ("、" if lang == "zh" else ", ").join(names[:ROUND_NAMED])
    if len(names) > ROUND_NAMED:
        shown += Text("等 {n} 个", " and {n} more").format(n=len(names) - ROUND_NAMED)(lang)
    lines = [ROUND_COUNTS.format(n=len(status.pilots), a=counts["loaded"], b=counts["refused"], c=counts["missing"],
                                 late=late)(lang)]  # fmt: skip
    if names:
        lines.append(
            ROUND_TODO.format(names=shown)(lang) + (Text("（* 逾期）", " (* late)")(lang) if counts["late"] else "")
        )
    slide = _slide(prs, ROUND_TITLE.format(y=year)(lang), source)
    _bullets(slide, lines)
    _notes(slide, lines)


def _cell(cell, text: str, *, bold=False, align=PP_ALIGN.RIGHT) -> None:
    cell.text = text
    paragraph = cell.text_frame.paragraphs[0]
    paragraph.alignment = align
    for run in paragraph.runs:
        run.font.size = Pt(16)
        run.font.bold = bold


# --- native charts -----------------------------------------------------------------------------------------

MAP_LABELS = 10  # the largest points carry a name
CHART_BOX = (MARGIN, Inches(1.25), WIDTH - 2 * MARGIN, HEIGHT - Inches(2.0))


def _number_format(decimals: int) -> str:
    return "#,##0" if decimals == 0 else "#,##0." + "0" * decimals


def _value(v: float):
    return None if v is None or math.isnan(v) else float(v)


def _style_chart(chart, data: ChartData, legend: bool) -> None:
    chart.font.size = Pt(14)
    chart.font.color.rgb = _rgb(TEXT_COLOUR)
    chart.has_title = False
    chart.has_legend = legend
    if legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(13)


def _value_axis(chart, data: ChartData) -> None:
    axis = chart.value_axis
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = _rgb("E3E6EA")
    axis.tick_labels.number_format = _number_format(data.indicator.decimals)
    axis.tick_labels.number_format_is_linked = False
    axis.has_title = True
    axis.axis_title.text_frame.text = UNIT.format(u=data.indicator.unit(data.lang))(data.lang)
    axis.axis_title.text_frame.paragraphs[0].runs[0].font.size = Pt(12)
    body = axis.axis_title._title.tx_rich.find(qn("a:bodyPr"))
    body.set("rot", "0")  # '单位：项' reads across, not turned on its side
    body.set("vert", "horz")
    axis.format.line.fill.background()


def _lines(slide, data: ChartData) -> None:
    years = sorted({y for line in data.lines for y in line.years})
    chart_data = CategoryChartData(number_format=_number_format(data.indicator.decimals))
    chart_data.categories = [str(y) for y in years]
    for line in data.lines:
        values = dict(zip(line.years, line.values, strict=True))
        chart_data.add_series(line.name, [_value(values.get(y, math.nan)) for y in years])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, *CHART_BOX, chart_data).chart
    _style_chart(chart, data, legend=len(data.lines) > 1)
    _value_axis(chart, data)
    for series, line in zip(chart.series, data.lines, strict=True):
        series.smooth = False
        series.format.line.color.rgb = _rgb(line.colour)
        series.format.line.width = Pt(line.width * 0.9)
        if line.dash != "solid":
            series.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
        series.marker.style = XL_MARKER_STYLE.CIRCLE
        series.marker.size = 7
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = _rgb(line.colour)
        series.marker.format.line.color.rgb = _rgb(line.colour)
    _gaps_not_zero(chart)


def _gaps_not_zero(chart) -> None:
    """Unreported years stay gaps in PowerPoint too (its default for empty cells is a gap; say so explicitly)."""
    chart_space = chart._chartSpace
    plot_area = chart_space.find(qn("c:chart"))
    blanks = plot_area.find(qn("c:dispBlanksAs"))
    if blanks is None:
        blanks = etree.SubElement(plot_area, qn("c:dispBlanksAs"))
        plot_area.insert(plot_area.index(plot_area.find(qn("c:plotArea"))) + 1, blanks)
    blanks.set("val", "gap")


def _bars(slide, data: ChartData) -> None:
    chart_data = CategoryChartData(number_format=_number_format(data.indicator.decimals))
    frame = data.drawn()
    chart_data.categories = [str(int(y)) for y in frame["year"]]
    chart_data.add_series(data.lines[0].name, [_value(v) for v in frame["value"]])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, *CHART_BOX, chart_data).chart
    _style_chart(chart, data, legend=False)
    _value_axis(chart, data)
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.has_data_labels = True
    plot.data_labels.number_format = _number_format(data.indicator.decimals)
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.font.size = Pt(13)
    fill = chart.series[0].format.fill
    fill.solid()
    fill.fore_color.rgb = _rgb(PROGRAMME_COLOUR)


def _slope(slide, data: ChartData) -> None:
    _lines(slide, data)
    chart = slide.shapes[-1].chart
    for series, line in zip(chart.series, data.lines, strict=True):
        if not math.isnan(line.values[-1]):
            label = series.points[len(line.values) - 1].data_label
            label.has_text_frame = True
            label.text_frame.text = line.name
            label.position = XL_LABEL_POSITION.RIGHT  # valid for line and bubble charts
            label.font.color.rgb = _rgb(line.colour)


def _points(slide, data: ChartData) -> None:
    """Pilots at their coordinates as bubbles sized by value, one series per region (no base map)."""
    chart_data = BubbleChartData()
    frame = data.drawn()
    frame = frame[frame["value"].notna()]
    regions = [r for r in REGION_COLOURS if (frame["region"] == r).any()]
    for region in regions:
        group = frame[frame["region"] == region]
        series = chart_data.add_series(group["region_label"].iloc[0])
        for row in group.itertuples():
            series.add_data_point(float(row.lon), float(row.lat), max(float(row.value), 0.0))
    chart = slide.shapes.add_chart(XL_CHART_TYPE.BUBBLE, *CHART_BOX, chart_data).chart
    _style_chart(chart, data, legend=True)
    chart.plots[0].bubble_scale = 40
    named = set(frame.nlargest(MAP_LABELS, "value")["city_code"])
    for series, region in zip(chart.series, regions, strict=True):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = _rgb(REGION_COLOURS[region])
        group = frame[frame["region"] == region]
        for i, row in enumerate(group.itertuples()):
            if row.city_code in named:
                label = series.points[i].data_label
                label.has_text_frame = True
                label.text_frame.text = row.name
                label.position = XL_LABEL_POSITION.RIGHT  # valid for line and bubble charts
                label.font.size = Pt(11)
    for axis in (chart.value_axis, chart.category_axis):
        axis.visible = False
        axis.has_major_gridlines = False


def _grid(slide, data: ChartData) -> None:
    """Who reported, as the share of designated pilots that reported each year (the grid itself is in the notes)."""
    status = data.drawn()
    due = status[status["status"] != "not_designated"]
    rate = due.groupby("year")["status"].apply(lambda s: (s == "reported").mean() * 100)
    chart_data = CategoryChartData(number_format="0")
    chart_data.categories = [str(int(y)) for y in rate.index]
    chart_data.add_series(SHARE_REPORTING(data.lang), [round(float(v), 1) for v in rate])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, *CHART_BOX, chart_data).chart
    _style_chart(chart, data, legend=False)
    chart.value_axis.maximum_scale = 100
    chart.value_axis.tick_labels.number_format = "0"
    plot = chart.plots[0]
    plot.has_data_labels = True
    plot.data_labels.number_format = "0"
    plot.data_labels.number_format_is_linked = False
    fill = chart.series[0].format.fill
    fill.solid()
    fill.fore_color.rgb = _rgb(COMPLETENESS_COLOURS["reported"])


DECK_BARS = 20  # the most bars of a ranking a slide shows with every name legible; the rest go in the notes
NOTHING_TO_RANK = Text("这一年没有可排名的试点。", "No pilot can be ranked for this year.")
RANKING_SHOWN = Text("前 {n} 名（共 {m} 个），其余见备注", "The first {n} of {m}; the rest are in the notes")


def _ranking(slide, data: ChartData) -> None:
    """Horizontal bars best first (the index, a pilot's breakdown, targets achieved): a series per colour of the
    legend, so PowerPoint's own legend says what the colours mean; at most DECK_BARS bars."""
    frame = data.drawn()
    shown = frame.head(DECK_BARS).iloc[::-1]  # PowerPoint draws the first category at the bottom
    if shown["value"].isna().all():  # nobody to rank, or a pilot without an index: say why, as the caption does
        _bullets(slide, [data.caption or NOTHING_TO_RANK(data.lang)])
        return
    chart_data = CategoryChartData(number_format=_number_format(data.indicator.decimals))
    chart_data.categories = shown["name"].tolist()
    # PowerPoint lists a bar chart's legend from its last series up: added in reverse, it reads best first
    legend = [(label, colour) for label, colour in data.legend if (shown["colour"] == colour).any()][::-1]
    for label, colour in legend or [(data.indicator.label(data.lang), "")]:
        chart_data.add_series(label, [_value(r.value) if not colour or r.colour == colour else None
                                      for r in shown.itertuples()])  # fmt: skip
    chart = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, *CHART_BOX, chart_data).chart
    _style_chart(chart, data, legend=bool(legend))
    _value_axis(chart, data)
    chart.value_axis.tick_labels.number_format = "#,##0"
    chart.category_axis.tick_labels.font.size = Pt(11 if len(shown) > 15 else 13)
    _every_category_named(chart)
    plot = chart.plots[0]
    plot.gap_width = 40
    plot.overlap = 100  # the series (one per colour) share each bar's place: a category has a value in one only
    plot.has_data_labels = True
    plot.data_labels.number_format = _number_format(data.indicator.decimals)
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.font.size = Pt(10 if len(shown) > 15 else 12)
    plot.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
    single = shown["colour"].iloc[0] if len(shown) else PROGRAMME_COLOUR  # a breakdown: one colour
    for series, (_, colour) in zip(chart.series, legend or [("", single)], strict=True):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = _rgb(colour)
    if len(frame) > DECK_BARS:
        _text(slide, RANKING_SHOWN.format(n=DECK_BARS, m=f"{len(frame):,}")(data.lang), MARGIN, HEIGHT - Inches(0.95),
              WIDTH - 2 * MARGIN, Inches(0.35), 12, colour=GREY)  # fmt: skip


def _every_category_named(chart) -> None:
    """A name beside every bar: left alone, PowerPoint and LibreOffice skip every other name of a crowded axis."""
    axis = chart.category_axis._element
    skip = axis.find(qn("c:tickLblSkip"))
    if skip is None:
        skip = etree.SubElement(axis, qn("c:tickLblSkip"))
        following = [axis.find(qn(t)) for t in ("c:tickMarkSkip", "c:noMultiLvlLbl", "c:extLst")]
        anchor = next((el for el in following if el is not None), None)
        if anchor is not None:  # the schema's order: tickLblSkip before these
            anchor.addprevious(skip)
    skip.set("val", "1")


def _beyond_the_slide(data: ChartData) -> list[str]:
    """A ranking's bars past the first DECK_BARS, for the speaker notes (the slide says they are there): up to
    NOTED of them, and how many more the dashboard's download has."""
    if data.form != "ranking" or len(data.drawn()) <= DECK_BARS:
        return []
    rest = data.drawn().iloc[DECK_BARS:]
    more = [RANKING_MORE.format(n=f"{len(rest) - NOTED:,}")(data.lang)] if len(rest) > NOTED else []
    return [RANKING_REST(data.lang), *(f"{r.name} {r.text}" for r in rest.head(NOTED).itertuples()), *more]


RANKING_REST = Text("其余排名：", "The rest of the ranking:")
RANKING_MORE = Text(
    "……另有 {n} 个，完整排名可在仪表盘下载。", "… and {n} more: the dashboard downloads the whole ranking."
)
NOTED = 100  # bars past the slide's that its notes list
_CHARTS = {"lines": _lines, "bars": _bars, "slope": _slope, "points": _points, "grid": _grid, "ranking": _ranking}
