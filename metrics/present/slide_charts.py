"""Native PowerPoint charts (python-pptx), one drawer per way of drawing a chart on a slide: lines, bars, slopes,
points, the reporting rate and rankings; and the few pieces of a slide they share with the deck (deck.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from lxml import etree
from pptx.chart.data import BubbleChartData, CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Inches, Pt

from ..domain.i18n import Text
from .chart_data import ChartData
from .style import COMPLETENESS_COLOURS, PROGRAMME_COLOUR, REGION_COLOURS, TEXT_COLOUR

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.6)
GREY = "5F6B7A"
UNIT = Text("单位：{u}", "{u}")
SHARE_REPORTING = Text("报送率（%）", "Share reporting (%)")


def rgb(hex_colour: str) -> RGBColor:
    """python-pptx's colour for '#1f77b4'."""
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def text_box(slide, text: str, left, top, width, height, size: int, *, bold=False, colour=TEXT_COLOUR,
             align=PP_ALIGN.LEFT, anchor=MSO_ANCHOR.TOP):  # fmt: skip
    """A text box on the slide, a paragraph per line of `text`."""
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
        run.font.color.rgb = rgb(colour)
    return box


def bullets(slide, lines: Sequence[str]) -> None:
    """The lines as bullet points filling the slide under its title."""
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
        run.font.color.rgb = rgb(TEXT_COLOUR)


MAP_LABELS = 10  # the largest points carry a name
CHART_BOX = (MARGIN, Inches(1.25), WIDTH - 2 * MARGIN, HEIGHT - Inches(2.0))


def number_format(decimals: int) -> str:
    """Excel's number format for this many decimals."""
    return "#,##0" if decimals == 0 else "#,##0." + "0" * decimals


def cell_value(v: float):
    """A chart cell's value: None (a gap) for one not reported."""
    return None if v is None or math.isnan(v) else float(v)


def style_chart(chart, data: ChartData, legend: bool) -> None:
    """The deck's type, without a title (the slide has one), with a legend at the top if asked."""
    chart.font.size = Pt(14)
    chart.font.color.rgb = rgb(TEXT_COLOUR)
    chart.has_title = False
    chart.has_legend = legend
    if legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(13)


def value_axis(chart, data: ChartData) -> None:
    """Gridlines, numbers in the indicator's decimals, and its unit above the axis, read across."""
    axis = chart.value_axis
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = rgb("E3E6EA")
    axis.tick_labels.number_format = number_format(data.indicator.decimals)
    axis.tick_labels.number_format_is_linked = False
    axis.has_title = True
    axis.axis_title.text_frame.text = UNIT.format(u=data.indicator.unit(data.lang))(data.lang)
    axis.axis_title.text_frame.paragraphs[0].runs[0].font.size = Pt(12)
    body = axis.axis_title._title.tx_rich.find(qn("a:bodyPr"))
    body.set("rot", "0")  # '单位：项' reads across, not turned on its side
    body.set("vert", "horz")
    axis.format.line.fill.background()


def lines(slide, data: ChartData) -> list[str]:
    """Lines over years, unreported years left as gaps."""
    years = sorted({y for line in data.lines for y in line.years})
    chart_data = CategoryChartData(number_format=number_format(data.indicator.decimals))
    chart_data.categories = [str(y) for y in years]
    for line in data.lines:
        values = dict(zip(line.years, line.values, strict=True))
        chart_data.add_series(line.name, [cell_value(values.get(y, math.nan)) for y in years])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, *CHART_BOX, chart_data).chart
    style_chart(chart, data, legend=len(data.lines) > 1)
    value_axis(chart, data)
    for series, line in zip(chart.series, data.lines, strict=True):
        series.smooth = False
        series.format.line.color.rgb = rgb(line.colour)
        series.format.line.width = Pt(line.width * 0.9)
        if line.dash != "solid":
            series.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
        series.marker.style = XL_MARKER_STYLE.CIRCLE
        series.marker.size = 7
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = rgb(line.colour)
        series.marker.format.line.color.rgb = rgb(line.colour)
    gaps_not_zero(chart)
    return []


def gaps_not_zero(chart) -> None:
    """Unreported years stay gaps in PowerPoint too (its default for empty cells is a gap; say so explicitly)."""
    chart_space = chart._chartSpace
    plot_area = chart_space.find(qn("c:chart"))
    blanks = plot_area.find(qn("c:dispBlanksAs"))
    if blanks is None:
        blanks = etree.SubElement(plot_area, qn("c:dispBlanksAs"))
        plot_area.insert(plot_area.index(plot_area.find(qn("c:plotArea"))) + 1, blanks)
    blanks.set("val", "gap")


def bars(slide, data: ChartData) -> list[str]:
    """Bars by year, labelled with their values."""
    chart_data = CategoryChartData(number_format=number_format(data.indicator.decimals))
    frame = data.drawn()
    chart_data.categories = [str(int(y)) for y in frame["year"]]
    chart_data.add_series(data.lines[0].name, [cell_value(v) for v in frame["value"]])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, *CHART_BOX, chart_data).chart
    style_chart(chart, data, legend=False)
    value_axis(chart, data)
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.has_data_labels = True
    plot.data_labels.number_format = number_format(data.indicator.decimals)
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.font.size = Pt(13)
    fill = chart.series[0].format.fill
    fill.solid()
    fill.fore_color.rgb = rgb(PROGRAMME_COLOUR)
    return []


def slope(slide, data: ChartData) -> list[str]:
    """A line per city from its start to the last year, named at its end."""
    lines(slide, data)
    chart = slide.shapes[-1].chart
    for series, line in zip(chart.series, data.lines, strict=True):
        if not math.isnan(line.values[-1]):
            label = series.points[len(line.values) - 1].data_label
            label.has_text_frame = True
            label.text_frame.text = line.name
            label.position = XL_LABEL_POSITION.RIGHT  # valid for line and bubble charts
            label.font.color.rgb = rgb(line.colour)
    return []


def points(slide, data: ChartData) -> list[str]:
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
    style_chart(chart, data, legend=True)
    chart.plots[0].bubble_scale = 40
    named = set(frame.nlargest(MAP_LABELS, "value")["city_code"])
    for series, region in zip(chart.series, regions, strict=True):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = rgb(REGION_COLOURS[region])
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
    return []


def grid(slide, data: ChartData) -> list[str]:
    """Who reported, as the share of designated pilots that reported each year (the grid itself is in the notes)."""
    status = data.drawn()
    due = status[status["status"] != "not_designated"]
    rate = due.groupby("year")["status"].apply(lambda s: (s == "reported").mean() * 100)
    chart_data = CategoryChartData(number_format="0")
    chart_data.categories = [str(int(y)) for y in rate.index]
    chart_data.add_series(SHARE_REPORTING(data.lang), [round(float(v), 1) for v in rate])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, *CHART_BOX, chart_data).chart
    style_chart(chart, data, legend=False)
    chart.value_axis.maximum_scale = 100
    chart.value_axis.tick_labels.number_format = "0"
    plot = chart.plots[0]
    plot.has_data_labels = True
    plot.data_labels.number_format = "0"
    plot.data_labels.number_format_is_linked = False
    fill = chart.series[0].format.fill
    fill.solid()
    fill.fore_color.rgb = rgb(COMPLETENESS_COLOURS["reported"])
    return []


DECK_BARS = 20  # the most bars of a ranking a slide shows with every name legible; the rest go in the notes
NOTHING_TO_RANK = Text("这一年没有可排名的试点。", "No pilot can be ranked for this year.")
RANKING_SHOWN = Text("前 {n} 名（共 {m} 个），其余见备注", "The first {n} of {m}; the rest are in the notes")


def ranking(slide, data: ChartData) -> list[str]:
    """Horizontal bars best first (the index, a pilot's breakdown, targets achieved): a series per colour of the
    legend, so PowerPoint's own legend says what the colours mean; at most DECK_BARS bars."""
    frame = data.drawn()
    shown = frame.head(DECK_BARS).iloc[::-1]  # PowerPoint draws the first category at the bottom
    if shown["value"].isna().all():  # nobody to rank, or a pilot without an index: say why, as the caption does
        bullets(slide, [data.caption or NOTHING_TO_RANK(data.lang)])
        return _beyond_the_slide(data)
    chart_data = CategoryChartData(number_format=number_format(data.indicator.decimals))
    chart_data.categories = shown["name"].tolist()
    # PowerPoint lists a bar chart's legend from its last series up: added in reverse, it reads best first
    legend = [(label, colour) for label, colour in data.legend if (shown["colour"] == colour).any()][::-1]
    for label, colour in legend or [(data.indicator.label(data.lang), "")]:
        chart_data.add_series(label, [cell_value(r.value) if not colour or r.colour == colour else None
                                      for r in shown.itertuples()])  # fmt: skip
    chart = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, *CHART_BOX, chart_data).chart
    style_chart(chart, data, legend=bool(legend))
    value_axis(chart, data)
    chart.value_axis.tick_labels.number_format = "#,##0"
    chart.category_axis.tick_labels.font.size = Pt(11 if len(shown) > 15 else 13)
    _every_category_named(chart)
    plot = chart.plots[0]
    plot.gap_width = 40
    plot.overlap = 100  # the series (one per colour) share each bar's place: a category has a value in one only
    plot.has_data_labels = True
    plot.data_labels.number_format = number_format(data.indicator.decimals)
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.font.size = Pt(10 if len(shown) > 15 else 12)
    plot.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
    single = shown["colour"].iloc[0] if len(shown) else PROGRAMME_COLOUR  # a breakdown: one colour
    for series, (_, colour) in zip(chart.series, legend or [("", single)], strict=True):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = rgb(colour)
    if len(frame) > DECK_BARS:
        shown_text = RANKING_SHOWN.format(n=DECK_BARS, m=f"{len(frame):,}")(data.lang)
        text_box(slide, shown_text, MARGIN, HEIGHT - Inches(0.95), WIDTH - 2 * MARGIN, Inches(0.35), 12, colour=GREY)
    return _beyond_the_slide(data)


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
    if len(data.drawn()) <= DECK_BARS:
        return []
    rest = data.drawn().iloc[DECK_BARS:]
    more = [RANKING_MORE.format(n=f"{len(rest) - NOTED:,}")(data.lang)] if len(rest) > NOTED else []
    return [RANKING_REST(data.lang), *(f"{r.name} {r.text}" for r in rest.head(NOTED).itertuples()), *more]


RANKING_REST = Text("其余排名：", "The rest of the ranking:")
RANKING_MORE = Text(
    "……另有 {n} 个，完整排名可在仪表盘下载。", "… and {n} more: the dashboard downloads the whole ranking."
)
NOTED = 100  # bars past the slide's that its notes list
