"""The meeting deck: a 16:9 PowerPoint file with native, editable charts (python-pptx), in Chinese or English.

A title slide (programme, date, the data it shows and its source, the sample notice), the year's highlights, one slide
per chart with its title, source line and key figures in the speaker notes (with the review flags of the figures it
shows: pilot, year, indicator, why, what was decided, the comment, who and when), and a closing table of headline
numbers. Charts are drawn from the same ChartData as the dashboard, so their values are those `python -m metrics
series` prints. The title slide and every slide's notes name the data: a release
("数据：2025年度数据（第1版），2026-03-04 发布") or the working data.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date

from lxml import etree
from pptx import Presentation
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from ..analysis import standing
from ..analysis.collection import collection, default_years
from ..analysis.flagged import figure_flags, flags_of
from ..analysis.highlights import highlights
from ..analysis.index import year_index
from ..analysis.round_status import round_status
from ..domain import registry
from ..domain.formatting import format_change, format_number
from ..domain.i18n import Text, named_few
from ..domain.programme import SAMPLE_NOTICE, SOURCE, Scope
from ..store.meta import is_sample
from ..store.releases import WORKING, Release
from ..store.series import year_span
from ..store.targets import target_years
from ..store.transactions import Cursor
from . import flag_notes
from .chart_resolve import resolve
from .chart_spec import ChartSpec
from .kinds import kind_of
from .slide_charts import GREY, HEIGHT, MARGIN, WIDTH, bullets, text_box
from .style import PROGRAMME_COLOUR

# Microsoft YaHei ships with every Chinese Windows and Office; Latin text stays in the theme's Calibri.
EAST_ASIAN_FONT = "Microsoft YaHei"
ACCENT = "B5542D"

PROGRAMME = Text("科协创新驱动助力工程 · 试点城市与园区", "CAST CONTRID · pilot cities and parks")
DECK_TITLE = Text("{a}—{b} 年工作数据", "Figures {a}–{b}")
PREPARED = Text("{d} 制作 · 数据截至 {y} 年", "Prepared {d} · figures up to {y}")
HIGHLIGHTS = Text("{y} 年要点", "Highlights of {y}")
HEADLINES = Text("{y} 年主要指标", "Headline figures, {y}")
NOTES_FIGURES = Text("要点数字：", "Key figures:")
EVENTS = Text("批次与大事：", "Batches and events:")
COLUMNS = (
    Text("指标", "Indicator"),
    Text("{y} 年", "{y}"),
    Text("{y} 年", "{y}"),
    Text("同口径增长", "Like-for-like change"),
    Text("报送试点", "Pilots reporting"),
)
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
    years = years or default_years(cur)  # never ending in a year still being collected, unless asked
    scope = scope or Scope()
    specs = [ChartSpec("pilots", "pilot_cities", years, scope, events=True)]
    specs += [ChartSpec("trend", key, years, scope, events=True) for key in registry.CORE_KEYS]
    if cities:
        for code in cities:
            specs += [ChartSpec("city", key, years, cities=(code,), events=True) for key in registry.CORE_KEYS]
        if len(cities) > 1:
            specs.append(ChartSpec("compare", "agreements", years, cities=tuple(cities)))
    else:
        leaders = standing.leaders(cur, "agreements", years[1], scope)
        specs.append(ChartSpec("compare", "agreements", years, cities=leaders))
    specs.append(ChartSpec("map", "agreements", years, scope))
    last = (years[1], years[1])
    if year_index(cur, years[1]).mean_index is not None:  # the assessment: over all pilots, whatever the scope
        specs.append(ChartSpec("index", "composite_index", last))
    if years[1] in target_years(cur):
        specs.append(ChartSpec("achievement", "target_share", last, scope))  # the targets of the pilots in scope
    return specs


def data_line(release: Release | None) -> Text:
    """What names the data a deck shows: the release's source line, or the working data's."""
    return WORKING if release is None else release.source()


def build(
    cur: Cursor, specs: Sequence[ChartSpec], lang: str, today: date | None = None, *, release: Release | None = None
) -> bytes:
    """The deck for these charts in `lang`, as the bytes of a .pptx file; `cur` reads `release` (None: the working
    data), which the title slide and every slide's notes name. A release's deck has no slide of the collection
    round's progress: that is the working data's, and would change from day to day."""
    today = today or date.today()
    resolved = [resolve(cur, spec, lang) for spec in specs]
    first = min((s.years[0] for s in specs), default=year_span(cur)[0])
    last = max((s.years[1] for s in specs), default=default_years(cur)[1])
    sample = is_sample(cur) if release is None else release.sample
    named = data_line(release)(lang)
    scopes = {spec.scope for spec in specs}
    scope = scopes.pop() if len(scopes) == 1 else Scope()  # the pilots the charts show, when they all show the same
    notes = highlights(cur, last, scope)
    being = collection(cur).of(last)  # the deck reaches a year still being collected: every title says so
    mark = being.mark() if being else Text("", "")  # （报送中，12/65） after every title naming the year
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    _east_asian_theme_font(prs)
    source = resolved[0].source if resolved else SOURCE(lang)

    _title_slide(prs, lang, first, last, mark, today, source, sample, named)
    _notes(prs.slides[0], [named, *([being.note()(lang)] if being else [])])
    if notes:
        slide = _slide(prs, HIGHLIGHTS.format(y=last).then(mark)(lang), source)
        bullets(slide, [h.text(lang) for h in notes])
        _notes(slide, [*(h.text(lang) for h in notes), *([being.note()(lang)] if being else []), named])
    flags = figure_flags(cur, (first, last))  # once for the deck; each slide lists those of its figures
    for data in resolved:
        slide = _slide(prs, data.title, data.source)
        kind = kind_of(data.spec)
        beyond = kind.slide(slide, data)  # drawn as its kind draws it, with what the slide leaves out
        related = [h.text(lang) for h in notes if h.key == data.spec.indicator]
        events = [f"{m.year} {m.label}" for m in data.marks]
        said = data.caption.replace(flag_notes.CAPTION(lang), "").strip()  # a slide has no hover: its notes list them
        caption = [said] if said and said not in data.notes else []  # what is not drawn
        keys, cities, years = flag_notes.shown_figures(cur, data.spec, kind.one_year)
        flagged = flag_notes.notes(flags_of(flags, keys, cities, years), lang) if keys else []
        _notes(slide, [NOTES_FIGURES(lang), *data.notes, *caption, *related,
                       *([EVENTS(lang), *events] if events else []), *beyond, *flagged, named])  # fmt: skip
    _headline_slide(prs, cur, lang, last, source, scope, mark, named)
    rounds = [c.year for c in collection(cur).collecting if c.round_open] if release is None else []
    if rounds:  # the latest collection round, while one is open
        _round_slide(prs, cur, lang, rounds[-1], today, source, named)
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


def _slide(prs, title: str, source: str):
    """A blank slide with a title at the top and the source line at the bottom."""
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    text_box(slide, title, MARGIN, Inches(0.35), WIDTH - 2 * MARGIN, Inches(0.8), 28, bold=True,
          anchor=MSO_ANCHOR.MIDDLE)  # fmt: skip
    text_box(slide, source, MARGIN, HEIGHT - Inches(0.6), WIDTH - 2 * MARGIN - Inches(1), Inches(0.4), 11, colour=GREY)
    return slide


def _title_slide(prs, lang, first, last, mark: Text, today, source, sample, named: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    text_box(slide, PROGRAMME(lang), MARGIN, Inches(1.6), WIDTH - 2 * MARGIN, Inches(0.6), 22, colour=GREY)
    title = DECK_TITLE.format(a=first, b=last).then(mark)(lang)
    text_box(slide, title, MARGIN, Inches(2.2), WIDTH - 2 * MARGIN, Inches(1.2), 44, bold=True, colour=PROGRAMME_COLOUR)
    when = today.strftime("%Y年%m月%d日") if lang == "zh" else today.strftime("%d %B %Y")
    text_box(
        slide,
        PREPARED.format(d=when, y=last).then(mark)(lang),
        MARGIN,
        Inches(3.5),
        WIDTH - 2 * MARGIN,
        Inches(0.5),
        18,
    )
    text_box(slide, named, MARGIN, Inches(4.1), WIDTH - 2 * MARGIN, Inches(0.5), 18, bold=True)
    text_box(slide, source, MARGIN, Inches(4.65), WIDTH - 2 * MARGIN, Inches(0.7), 14, colour=GREY)
    if sample:
        text_box(slide, SAMPLE_NOTICE(lang), MARGIN, Inches(5.4), WIDTH - 2 * MARGIN, Inches(1.0), 16, bold=True,
              colour=ACCENT)  # fmt: skip


def _notes(slide, lines: Sequence[str]) -> None:
    slide.notes_slide.notes_text_frame.text = "\n".join(lines)


def _number_slides(prs) -> None:
    total = len(prs.slides)
    for number, slide in enumerate(prs.slides, start=1):
        if number > 1:
            text_box(slide, f"{number} / {total}", WIDTH - MARGIN - Inches(1), HEIGHT - Inches(0.6), Inches(1),
                  Inches(0.4), 11, colour=GREY, align=PP_ALIGN.RIGHT)  # fmt: skip


def _headline_slide(prs, cur: Cursor, lang: str, year: int, source: str, scope: Scope, mark: Text, named: str) -> None:
    keys = (*registry.CORE_KEYS, "contract_value_10k_cny", "pilot_cities")
    heads = standing.headlines(cur, keys, scope, year)
    slide = _slide(prs, HEADLINES.format(y=year).then(mark)(lang), source)
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
    rows_said = [f"{r[0]}: {r[1]}" for r in ([c.text_frame.text for c in row.cells] for row in table.rows)][1:]
    _notes(slide, [*rows_said, named])


def _round_slide(prs, cur: Cursor, lang: str, year: int, today: date, source: str, named: str) -> None:
    lines = round_lines(cur, year, lang, today)
    slide = _slide(prs, ROUND_TITLE.format(y=year)(lang), source)
    bullets(slide, lines)
    _notes(slide, [*lines, named])


def round_lines(cur: Cursor, year: int, lang: str, today: date) -> list[str]:
    """The round slide's lines: the counts, then the pilots not loaded yet (ROUND_NAMED of them, then how many more)."""
    status = round_status(cur, year, today)
    counts = status.counts
    late = ROUND_LATE.format(d=status.round.due.isoformat(), n=counts["late"]) if status.round.due else Text("", "")
    todo = status.pilots[status.pilots["status"] != "loaded"]
    names = [f"{n}{'*' if is_late else ''}" for n, is_late in zip(todo[f"name_{lang}"], todo["late"], strict=True)]
    shown = named_few(names, ROUND_NAMED, lang)
    lines = [ROUND_COUNTS.format(n=len(status.pilots), a=counts["loaded"], b=counts["refused"], c=counts["missing"],
                                 late=late)(lang)]  # fmt: skip
    if names:
        lines.append(
            ROUND_TODO.format(names=shown)(lang) + (Text("（* 逾期）", " (* late)")(lang) if counts["late"] else "")
        )
    return lines


def _cell(cell, text: str, *, bold=False, align=PP_ALIGN.RIGHT) -> None:
    cell.text = text
    paragraph = cell.text_frame.paragraphs[0]
    paragraph.alignment = align
    for run in paragraph.runs:
        run.font.size = Pt(16)
        run.font.bold = bold
