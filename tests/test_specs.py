"""Charts as specs: every chart resolves in both languages, draws in every style, and names its files."""

import dataclasses
import io
import json

import openpyxl
import plotly.graph_objects as go
import pytest
from conftest import SAMPLE_END_YEAR

from metrics.domain.i18n import LANGS
from metrics.domain.programme import Scope
from metrics.present import charts, exports, plotly_layout
from metrics.present.chart_resolve import resolve
from metrics.present.chart_spec import ChartSpec
from metrics.present.kinds import checked, kind_of, spec_of
from metrics.store.series import series

YEARS = (2014, SAMPLE_END_YEAR)
SPECS = {
    "pilots": ChartSpec("pilots", "pilot_cities", YEARS, events=True),
    "trend": ChartSpec("trend", "agreements", YEARS, Scope(regions=("east",)), events=True),
    "city": ChartSpec("city", "experts_in_pool", YEARS, cities=("330100",), events=True),
    "compare": ChartSpec("compare", "agreements", YEARS, cities=("330100", "440100"), mode="indexed", base_year=2016),
    "slope": ChartSpec("slope", "activities", YEARS, cities=("330100", "440100"), mode="share"),
    "map": ChartSpec("map", "agreements", YEARS),
    "completeness": ChartSpec("completeness", "activities", YEARS),
    "index": ChartSpec("index", "composite_index", (SAMPLE_END_YEAR, SAMPLE_END_YEAR)),
    "index_history": ChartSpec("index_history", "composite_index", YEARS, cities=("330100", "440100")),
    "breakdown": ChartSpec("breakdown", "index_contribution", (SAMPLE_END_YEAR, SAMPLE_END_YEAR), cities=("330100",)),
    "achievement": ChartSpec("achievement", "target_share", (SAMPLE_END_YEAR, SAMPLE_END_YEAR)),
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", SPECS)
def test_every_chart_resolves_and_draws_in_every_style(sample_db, name, lang):
    with sample_db.cursor() as cur:
        data = resolve(cur, SPECS[name], lang)
    assert data.title and data.source and data.notes
    assert len(data.table) > 0
    for style in (plotly_layout.SCREEN, plotly_layout.IMAGE, plotly_layout.PROJECTOR, plotly_layout.PROJECTOR_HD):
        fig = go.Figure(charts.figure(data, style))  # validated against Plotly's schema
        assert fig.data, "the figure has traces"
        assert fig.layout.font.size == pytest.approx(15 * style.scale)


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("pilots", "Pilot-cities-and-parks-designated_All-pilots_2014-2025"),
        ("trend", "Cooperation-agreements-signed_All-pilots_2014-2025"),
        ("city", "Experts-in-the-talent-pool_Hangzhou_2014-2025"),
        ("compare", "Cooperation-agreements-signed_Hangzhou-Guangzhou_Index-base-year-100_2014-2025"),
        ("slope", "Matching-activities-held_Hangzhou-Guangzhou_Share-of-programme-total_2014-2025"),
        ("map", "Cooperation-agreements-signed_Map_2025"),
        ("completeness", "Matching-activities-held_Reporting_2014-2025"),
        ("index", "Composite-index_All-pilots_2025"),
        ("index_history", "Composite-index_Hangzhou-Guangzhou_2014-2025"),
        ("breakdown", "Contribution-to-the-index_Hangzhou_2025"),
        ("achievement", "Share-of-targets-achieved_All-pilots_2025"),
    ],
)
def test_file_names_say_what_the_chart_shows(sample_db, name, stem):
    with sample_db.cursor() as cur:
        assert resolve(cur, SPECS[name], "en").file_stem == stem


def test_file_names_in_chinese_name_the_cities(sample_db):
    with sample_db.cursor() as cur:
        assert resolve(cur, SPECS["compare"], "zh").file_stem == "签订合作协议_杭州市、广州市_指数-基年-100_2014-2025"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("bubble", "agreements", YEARS), ValueError),
        (("trend", "agreement", YEARS), KeyError),
        (("compare", "agreements", YEARS, Scope(), ("330100",), "ratio"), ValueError),
    ],
)
def test_a_spec_that_names_nothing_is_refused(args, error):
    with pytest.raises(error):
        checked(ChartSpec(*args))


def test_a_spec_is_checked_where_it_is_made_for_a_page_and_when_it_is_resolved(sample_db):
    with pytest.raises(ValueError, match="'bubble'"):
        kind_of(ChartSpec("bubble", "agreements", YEARS))
    spec = spec_of("slope", "agreements", YEARS, cities=("330100",), events=True, mode="share")
    assert spec == ChartSpec("slope", "agreements", YEARS, cities=("330100",), mode="share")  # a slope marks no events
    with pytest.raises(ValueError, match="at least one pilot"):
        spec_of("multiples", "agreements", YEARS, events=True)
    with sample_db.cursor() as cur, pytest.raises(KeyError):
        resolve(cur, ChartSpec("trend", "agreement", YEARS), "en")  # never drawn unchecked


def test_chart_tables_hold_the_values_drawn(sample_db):
    with sample_db.cursor() as cur:
        data = resolve(cur, SPECS["trend"], "zh")
        expected = series(cur, "agreements", Scope(regions=("east",)), years=YEARS)["value"].tolist()
    assert list(data.table.columns) == ["年份", "所选试点合计（项）"]
    assert data.table["所选试点合计（项）"].tolist() == expected
    book = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(data.table)))
    assert [c.value for c in book.active["B"][1:]] == expected


def test_marks_are_the_batches_and_events_in_range(sample_db):
    with sample_db.cursor() as cur:
        marks = resolve(cur, SPECS["pilots"], "en").marks
        city = resolve(cur, SPECS["city"], "zh").marks
        later = resolve(cur, ChartSpec("trend", "agreements", (2017, 2019), events=True), "en").marks
    assert [(m.year, m.kind, m.tag) for m in marks][:3] == [
        (2014, "event", "①"),
        (2014, "batch", "B1"),
        (2015, "batch", "B2"),
    ]
    assert [m.label for m in marks if m.kind == "event"] == [
        "CAST launches CONTRID", "National S&T Innovation Conference", "Innovation China launched",
    ]  # fmt: skip
    assert [m.label for m in city if m.kind == "batch"] == ["第1批试点"]  # the city's own batch only
    assert [(m.year, m.kind) for m in later] == [(2018, "batch"), (2019, "batch")]


@pytest.mark.browser  # Kaleido draws the images with Chromium
@pytest.mark.parametrize(("fmt", "start"), [("png", b"\x89PNG"), ("svg", b"<svg")])
def test_charts_export_as_images(sample_db, fmt, start):
    with sample_db.cursor() as cur:
        data = resolve(cur, SPECS["trend"], "zh")
    image = charts.image(data, fmt)
    assert image.startswith(start)
    if fmt == "png":
        width, height = int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")
        assert (width, height) == (1920, 1080)


@pytest.mark.parametrize(("mode", "growth_noted"), [("absolute", True), ("change", False), ("share", False),
                                                    ("indexed", False)])  # fmt: skip
def test_notes_give_growth_only_for_levels(sample_db, mode, growth_noted):
    spec = ChartSpec("compare", "agreements", (2014, 2025), cities=("330100", "420100"), mode=mode)
    with sample_db.cursor() as cur:
        notes = resolve(cur, spec, "en").notes
    assert any("on the year before" in n for n in notes) is growth_noted


@pytest.mark.parametrize("chart", ["city", "compare", "slope", "map", "completeness", "trend"])
def test_text_from_the_data_never_becomes_markup_in_a_chart(sample_db, chart):
    evil = '<a href="https://example.org/x">Hangzhou</a>'
    cities = ("330100", "420100")
    spec = ChartSpec(chart, "agreements", (2014, 2025), cities=cities[: 1 if chart == "city" else 2], events=True)
    with sample_db.cursor() as cur:
        data = resolve(cur, spec, "en")
    frame = data.frame.assign(name=evil) if data.frame is not None and "name" in data.frame else data.frame
    data = dataclasses.replace(
        data,
        lines=tuple(dataclasses.replace(line, name=evil) for line in data.lines),
        names=dict.fromkeys(data.names, evil),
        marks=tuple(dataclasses.replace(mark, label=evil) for mark in data.marks),
        frame=frame,
    )
    drawn = json.dumps(charts.figure(data), default=str)
    assert "<a href" not in drawn and "&lt;a href" in drawn


@pytest.mark.parametrize(
    ("cities", "base_year", "not_drawn"),
    [
        (("330100", "640100", "650100"), None, ["Yinchuan", "Urumqi"]),  # pilots from 2021: nothing for 2014
        (("330100", "640100"), 2022, []),  # a later base year includes them
        (("330100",), None, []),
    ],
)
def test_an_index_says_which_chosen_cities_it_cannot_draw(sample_db, cities, base_year, not_drawn):
    with sample_db.snapshot() as cur:
        spec = ChartSpec("compare", "agreements", (2014, SAMPLE_END_YEAR), cities=cities, mode="indexed",
                         base_year=base_year)  # fmt: skip
        data = resolve(cur, spec, "en")
    drawn = {line.name for line in data.lines if any(v == v for v in line.values)}
    assert not drawn & set(not_drawn)
    if not_drawn:
        assert f"{len(not_drawn)} of the cities have no figure for 2014" in data.caption
        assert all(name in data.caption for name in not_drawn) and data.caption in data.notes
    else:
        assert data.caption == ""


def test_a_deck_in_a_link_comes_back_as_the_same_charts():
    from metrics.present.deck_link import specs_from_text, specs_text

    deck = [
        ChartSpec("trend", "agreements", (2014, 2025), events=True),
        ChartSpec("compare", "activities", (2018, 2025), cities=("330100", "440300"), mode="indexed", base_year=2019),
        ChartSpec("map", "agreements", (2014, 2025), Scope(regions=("east",), batches=(1, 2))),
        ChartSpec("index", "composite_index", (2025, 2025), method="activity-heavy"),
    ]
    text = specs_text(deck)
    assert specs_from_text(text) == deck and len(text) < 400 and text.replace("-", "").replace("_", "").isalnum()
    assert specs_text([]) == "" and specs_from_text("") == []
    for broken in (text[:-5], "not-a-deck", "eJwLycgsVgCi4tTk_JQiAAAA"):
        with pytest.raises(ValueError):
            specs_from_text(broken)


@pytest.mark.parametrize("lang", LANGS)
def test_a_pilot_designated_later_starts_its_slope_when_it_reported_first(sample_db, lang):
    spec = ChartSpec("slope", "agreements", YEARS, cities=("330100", "120000"))  # 天津 designated in 2018
    with sample_db.cursor() as cur:
        data = resolve(cur, spec, lang)
    starts = {line.name: line.years for line in data.lines}
    hangzhou, tianjin = ("杭州市", "天津市") if lang == "zh" else ("Hangzhou", "Tianjin")
    assert starts[hangzhou] == (2014, SAMPLE_END_YEAR) and starts[tianjin] == (2018, SAMPLE_END_YEAR)
    assert all(not any(v != v for v in line.values) for line in data.lines)  # no lone dot: both ends drawn
    assert f"{tianjin} 2018" in data.caption
    fig = go.Figure(charts.figure(data))
    assert 2018 in fig.layout.xaxis.tickvals


def test_year_on_year_starts_at_the_first_year_with_a_change(sample_db):
    spec = ChartSpec("compare", "agreements", YEARS, cities=("330100", "440100"), mode="change")
    with sample_db.cursor() as cur:
        data = resolve(cur, spec, "en")
    assert min(y for line in data.lines for y in line.years) == 2015  # 2014, the first year, has no change
