"""The meeting deck: native, editable PowerPoint charts whose values equal the CLI, in Chinese and English."""

import io
import json
from datetime import date

import pytest
from lxml import etree
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.opc.constants import RELATIONSHIP_TYPE
from pptx.oxml.ns import qn
from pptx.util import Inches

from metrics.cli import main
from metrics.domain import registry
from metrics.domain.i18n import LANGS
from metrics.domain.programme import SAMPLE_NOTICE
from metrics.present import deck, style
from metrics.store.cities import list_cities


@pytest.fixture(scope="module")
def built(sample_db):
    """The standard deck in both languages (and its specs), built once."""
    with sample_db.cursor() as cur:
        specs = deck.standard_specs(cur)
        return specs, {lang: Presentation(io.BytesIO(deck.build(cur, specs, lang, date(2026, 3, 1)))) for lang in LANGS}


def chart_slides(prs):
    return [s for s in prs.slides if any(sh.has_chart for sh in s.shapes)]


def texts(slide) -> list[str]:
    return [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]


def series_values(slide) -> dict[str, list]:
    chart = next(sh.chart for sh in slide.shapes if sh.has_chart)
    return {s.name: list(s.values) for s in chart.plots[0].series}


@pytest.mark.parametrize("lang", LANGS)
def test_deck_has_title_highlights_a_slide_per_chart_and_a_closing_table(built, lang):
    specs, decks = built
    prs = decks[lang]
    assert (prs.slide_width, prs.slide_height) == (Inches(13.333), Inches(7.5))  # 16:9
    assert len(prs.slides) == 1 + 1 + len(specs) + 1
    assert len(chart_slides(prs)) == len(specs)
    title = " ".join(texts(prs.slides[0]))
    assert SAMPLE_NOTICE(lang) in title and ("2026年03月01日" in title if lang == "zh" else "01 March 2026" in title)
    closing = prs.slides[-1]
    table = next(sh.table for sh in closing.shapes if sh.has_table)
    assert table.cell(1, 0).text == registry.get(registry.CORE_KEYS[0]).title(lang)
    for slide in list(prs.slides)[1:]:
        assert any(t.startswith(("来源", "Source")) for t in texts(slide)), "a source line on every slide"
        assert slide.notes_slide.notes_text_frame.text.strip(), "speaker notes on every slide"


@pytest.mark.parametrize(
    ("lang", "title"), [("zh", "签订合作协议"), ("en", "Cooperation agreements signed")]
)  # the unit stands on the value axis
def test_chart_titles_are_in_the_deck_language(built, lang, title):
    _, decks = built
    titles = [texts(s)[0] for s in chart_slides(decks[lang])]
    assert title in titles


@pytest.mark.parametrize("key", registry.CORE_KEYS)
def test_trend_values_equal_the_series_command(built, sample_db, capsys, key):
    specs, decks = built
    slide = chart_slides(decks["en"])[[s.chart for s in specs].index("trend") + registry.CORE_KEYS.index(key)]
    assert texts(slide)[0] == registry.get(key).label("en")
    assert main(["series", key, "--json", "--db", str(sample_db.path)]) == 0
    expected = [p["value"] for p in json.loads(capsys.readouterr().out)["series"]]
    (values,) = series_values(slide).values()
    assert values == pytest.approx(expected)


def test_city_slides_compare_with_the_batch_median_and_keep_the_dashboard_colours(sample_db, capsys):
    with sample_db.cursor() as cur:
        specs = deck.standard_specs(cur, cities=("330100", "440100"))
        prs = Presentation(io.BytesIO(deck.build(cur, specs, "zh")))
        colours = style.city_colours(list_cities(cur)["city_code"].tolist())
    city_slides = [s for s in chart_slides(prs) if texts(s)[0].startswith("杭州市")]
    assert len(city_slides) == len(registry.CORE_KEYS)
    chart = next(sh.chart for sh in city_slides[1].shapes if sh.has_chart)
    assert chart.chart_type == XL_CHART_TYPE.LINE_MARKERS
    city, median = chart.plots[0].series
    assert (city.name, median.name) == ("杭州市", "第1批试点中位数")
    assert str(city.format.line.color.rgb) == colours["330100"].lstrip("#").upper()
    assert main(["series", "agreements", "--city", "330100", "--json", "--db", str(sample_db.path)]) == 0
    expected = [p["value"] for p in json.loads(capsys.readouterr().out)["series"]]
    assert list(city.values) == pytest.approx(expected)
    compare = [s for s in chart_slides(prs) if "杭州市" in series_values(s) and "广州市" in series_values(s)]
    assert compare, "several cities get a comparison slide"


def test_charts_are_native_and_editable_with_gaps_for_unreported_years(built):
    _, decks = built
    for slide in chart_slides(decks["zh"]):
        chart = next(sh.chart for sh in slide.shapes if sh.has_chart)
        assert chart.part.chart_workbook.xlsx_part is not None  # the data PowerPoint opens for editing
    line = next(sh.chart for sh in chart_slides(decks["zh"])[1].shapes if sh.has_chart)
    assert line._chartSpace.find(qn("c:chart")).find(qn("c:dispBlanksAs")).get("val") == "gap"


def test_data_labels_sit_where_their_chart_type_allows(built):
    """PowerPoint asks to repair a file whose line or bubble chart puts a label 'outside end'."""
    allowed = {"lineChart": {"r", "l", "t", "b", "ctr"}, "bubbleChart": {"r", "l", "t", "b", "ctr"}}
    _, decks = built
    seen = 0
    for slide in chart_slides(decks["zh"]):
        space = next(sh.chart for sh in slide.shapes if sh.has_chart)._chartSpace
        for kind, positions in allowed.items():
            for plot in space.iter(qn(f"c:{kind}")):
                for position in plot.iter(qn("c:dLblPos")):
                    assert position.get("val") in positions, (kind, position.get("val"))
                    seen += 1
    assert seen, "the map labels its largest pilots"


def test_chinese_text_uses_a_font_chinese_office_has(built):
    _, decks = built
    theme = decks["zh"].slide_master.part.part_related_by(RELATIONSHIP_TYPE.THEME)
    fonts = {ea.get("typeface") for ea in etree.fromstring(theme.blob).iter(qn("a:ea"))}
    assert fonts == {deck.EAST_ASIAN_FONT}


def test_notes_carry_the_key_figures_and_the_highlights(built):
    _, decks = built
    slide = next(s for s in chart_slides(decks["en"]) if texts(s)[0] == registry.get("agreements").label("en"))
    notes = slide.notes_slide.notes_text_frame.text
    assert notes.startswith("Key figures:") and "like for like" in notes and "2014 CAST launches CONTRID" in notes


@pytest.mark.parametrize(
    ("args", "status", "charts_expected"),
    [
        (["--lang", "zh"], 0, 9),  # the standard set ends with the composite index and the targets achieved
        (["--lang", "en", "--city", "330100"], 0, 12),
        (["--city", "330100", "--city", "440100", "--from", "2018"], 0, 17),
        (["--city", "330100", "440100", "--from", "2018"], 0, 17),  # as the CLI contract writes it
        (["--city", "999999"], 2, None),
        (["--from", "2030"], 2, None),
    ],
)
def test_deck_command(sample_db, tmp_path, args, status, charts_expected):
    out = tmp_path / "deck.pptx"
    assert main(["deck", "--out", str(out), "--db", str(sample_db.path), *args]) == status
    if charts_expected is None:
        assert not out.exists()
        return
    assert len(chart_slides(Presentation(str(out)))) == charts_expected


def test_an_empty_database_gives_no_deck(empty_db, tmp_path):
    out = tmp_path / "deck.pptx"
    assert main(["deck", "--out", str(out), "--db", str(empty_db.path)]) == 1
    assert not out.exists()
