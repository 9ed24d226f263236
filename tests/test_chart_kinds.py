"""Charts as kinds: the registry (kinds.KINDS) is what figures, the deck, the miniatures and the deck page draw from;
every kind draws in all three media; saved deck links decode as they did; the small multiples, a kind added to
prove it, draw a panel per pilot on one value axis."""

import io
import json
from datetime import date
from xml.etree import ElementTree

import plotly.graph_objects as go
import pytest
from conftest import SAMPLE_END_YEAR
from pptx import Presentation
from test_pages import open_app

from metrics.domain.i18n import LANGS
from metrics.domain.programme import Scope
from metrics.present import charts, deck, plotly_layout, thumbnails
from metrics.present.chart_resolve import resolve
from metrics.present.chart_spec import ChartSpec
from metrics.present.deck_link import specs_from_text, specs_text
from metrics.present.kinds import KIND, KINDS, checked, kind_of

YEARS = (2014, SAMPLE_END_YEAR)
LAST = (SAMPLE_END_YEAR, SAMPLE_END_YEAR)
PAIR = ("330100", "440100")
# A chart of every kind: a kind added to the registry needs one here (test_every_kind_has_a_sample).
SAMPLES = {
    "trend": ChartSpec("trend", "agreements", YEARS, Scope(regions=("east",)), events=True),
    "pilots": ChartSpec("pilots", "pilot_cities", YEARS, events=True),
    "city": ChartSpec("city", "experts_in_pool", YEARS, cities=("330100",), events=True),
    "compare": ChartSpec("compare", "agreements", YEARS, cities=PAIR, mode="indexed", base_year=2016),
    "slope": ChartSpec("slope", "activities", YEARS, cities=PAIR, mode="share"),
    "map": ChartSpec("map", "agreements", YEARS),
    "completeness": ChartSpec("completeness", "activities", YEARS),
    "index": ChartSpec("index", "composite_index", LAST),
    "index_history": ChartSpec("index_history", "composite_index", YEARS, cities=PAIR),
    "breakdown": ChartSpec("breakdown", "index_contribution", LAST, cities=("330100",)),
    "achievement": ChartSpec("achievement", "target_share", LAST),
    "multiples": ChartSpec("multiples", "agreements", YEARS, cities=(*PAIR, "420100", "510100", "120000")),
}


def test_every_kind_has_a_sample_and_a_name_of_its_own():
    assert list(SAMPLES) == [kind.name for kind in KINDS] and len(KIND) == len(KINDS)


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_every_kind_speaks_both_languages_and_reads_only_spec_fields(kind):
    assert kind.label("zh") and kind.label("en") and kind.label("zh") != kind.label("en")
    options = {f for f in ChartSpec.__dataclass_fields__} - {"chart", "indicator", "years"}
    assert kind.fields <= options


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", SAMPLES)
def test_every_kind_draws_in_plotly_powerpoint_and_miniature(sample_db, name, lang):
    spec = SAMPLES[name]
    with sample_db.cursor() as cur:
        data = resolve(cur, spec, lang)
        pptx = deck.build(cur, [spec], lang, date(2026, 3, 1))
    assert kind_of(data.spec) is KIND[name] and data.title and data.notes and len(data.table)
    fig = go.Figure(charts.figure(data, plotly_layout.PROJECTOR))  # validated against Plotly's schema
    assert fig.data
    slide = Presentation(io.BytesIO(pptx)).slides[2]  # the title slide, the highlights, then the chart
    assert any(shape.has_chart for shape in slide.shapes) or name in ("breakdown",)  # a pilot with no index: text
    svg = ElementTree.fromstring(thumbnails.thumbnail(data))
    assert len([el for el in svg.iter() if el.tag.rsplit("}", 1)[-1] in ("polyline", "rect", "line", "circle")]) > 1


def test_the_deck_page_names_each_chart_by_its_kind(sample_app):
    deck_link = specs_text([SAMPLES["multiples"], SAMPLES["map"]])
    at = open_app("deck", lang="en", deck=deck_link)
    captions = [c.value for c in at.caption if " · " in c.value]
    assert captions == [f"small multiples · 2014–{SAMPLE_END_YEAR}", f"map · {SAMPLE_END_YEAR}"]


# Links made before charts became kinds (by specs.specs_text): they must always open the same deck.
SAVED = (
    "eNq9k91ugzAMhd_F15nEX6eNV0FVFIJXokKCEtMWTX33JUWslP6svdklif2dc-xQfIOshSXIoVONIQcMlK6UFGTsdMilIoXhakBhHeRFEsUZS6Jk"
    "tWaAO9S-Lyfb45GdeWRRVwuc2FjE9lR_G-ak6RByTxklc903DQOLG2V0KAYUjsBXbj33974UJOup_Hjfk6cOC0t46NCS40rzzpjm0td78JV5tclO"
    "AWkaxVEED4JL03bC4jK6JLW7McePKfqVBIMsi9JRqzWVH0sA4gHDVEvhkAcM5B7yyeDLyN53Tz1zQ64JQ33OTvbYTnxhx9Uh51yqFd1_r7yIWbI-"
    "LhfQIKFG516LPaecZr1oD2TjFCGfbs-MZDUlapFqU53VhrcaxW6AKzqvlfPg4QWVpxY0Fyotim1l9nohMhqQRpNVZU9-1nfSXD_9OV7IWvkfISx4"
    "IUDCbpD4-EZuo_9a_fh5Z-2pX_r6B92Uhto"
)
HZ_SZ = ("330100", "440300")
SAVED_DECK = [
    ChartSpec("pilots", "pilot_cities", (2014, 2025), events=True),
    ChartSpec("trend", "agreements", (2014, 2025), Scope(regions=("east",)), events=True),
    ChartSpec("city", "experts_in_pool", (2016, 2024), cities=("330100",), events=True),
    ChartSpec("compare", "activities", (2018, 2025), cities=HZ_SZ, mode="indexed", base_year=2019, focus="440300"),
    ChartSpec("slope", "activities", (2014, 2025), cities=("330100", "440100"), mode="share"),
    ChartSpec("map", "agreements", (2014, 2025), Scope(regions=("east",), batches=(1, 2))),
    ChartSpec("completeness", "activities", (2014, 2025)),
    ChartSpec("index", "composite_index", (2025, 2025), method="activity-heavy"),
    ChartSpec("index_history", "composite_index", (2014, 2025), cities=("330100", "440100")),
    ChartSpec("breakdown", "index_contribution", (2025, 2025), cities=("330100",)),
    ChartSpec("achievement", "target_share", (2025, 2025), Scope(batches=(3,))),
]


def test_a_link_saved_before_charts_were_kinds_opens_the_same_deck():
    assert specs_from_text(SAVED) == SAVED_DECK
    assert specs_text(SAVED_DECK) == SAVED  # and today's code writes the same link for it


@pytest.mark.parametrize(
    ("plain", "spec"),
    [
        ({"chart": "map", "indicator": "agreements", "years": [2014, 2025], "cities": None}, None),  # not a deck
        ({"years": [2014, 2025], "indicator": "agreements", "chart": "trend", "later": 1},
         ChartSpec("trend", "agreements", (2014, 2025))),  # by name, in any order; a field it does not know ignored
        ({"chart": "trend", "indicator": "agreements", "years": ["2014", "2025"], "scope": None, "events": 1},
         ChartSpec("trend", "agreements", (2014, 2025), events=True)),
        ("trend", None),
    ],
)  # fmt: skip
def test_a_link_rebuilds_specs_by_field_name(plain, spec):
    import base64
    import zlib

    text = base64.urlsafe_b64encode(zlib.compress(json.dumps([plain]).encode())).decode().rstrip("=")
    if spec is None:
        with pytest.raises(ValueError, match="not a deck"):
            specs_from_text(text)
    else:
        assert specs_from_text(text) == [spec]


def test_small_multiples_round_trip_through_a_link():
    specs = [SAMPLES["multiples"], ChartSpec("multiples", "activities", (2016, 2024), cities=PAIR, mode="change")]
    assert specs_from_text(specs_text(specs)) == specs


@pytest.mark.parametrize("lang", LANGS)
def test_small_multiples_draw_a_panel_per_pilot_on_one_value_axis(sample_db, lang):
    spec = SAMPLES["multiples"]
    with sample_db.cursor() as cur:
        data = resolve(cur, spec, lang)
        pptx = deck.build(cur, [spec], lang, date(2026, 3, 1))
        names = {line.name for line in resolve(cur, SAMPLES["compare"], lang).lines}
    assert len(data.lines) == len(spec.cities) and names <= {line.name for line in data.lines}
    fig = go.Figure(charts.figure(data, plotly_layout.WIDE))
    assert [t.name for t in fig.data] == [line.name for line in data.lines]
    assert len({t.yaxis for t in fig.data}) == len(spec.cities)  # a panel each
    ranges = {tuple(fig.layout[f"yaxis{i + 1 if i else ''}"].range) for i in range(len(spec.cities))}
    assert len(ranges) == 1  # one value axis
    titles = [a.text for a in fig.layout.annotations]
    assert all(f"<b>{line.name}</b>" in titles for line in data.lines)  # each panel named
    slide = Presentation(io.BytesIO(pptx)).slides[2]
    panels = [shape.chart for shape in slide.shapes if shape.has_chart]
    assert [c.chart_title.text_frame.text for c in panels] == [line.name for line in data.lines]
    assert len({(c.value_axis.minimum_scale, c.value_axis.maximum_scale) for c in panels}) == 1
    svg = ElementTree.fromstring(thumbnails.thumbnail(data))
    assert len([el for el in svg.iter() if el.tag.endswith("polyline")]) == len(spec.cities)


def test_small_multiples_need_a_pilot():
    with pytest.raises(ValueError, match="at least one pilot"):
        checked(ChartSpec("multiples", "agreements", YEARS))


def test_the_compare_page_offers_small_multiples_and_adds_them_to_the_deck(sample_app):
    at = open_app("compare", lang="zh", indicator="activities", cities="330100,420100", chart="multiples")
    assert at.radio(key="compare_chart").value == "multiples"
    assert at.radio(key="compare_chart").options == ["折线图", "小多图"]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [t["name"] for t in spec["data"]] == ["杭州市", "武汉市"] and spec["data"][1]["yaxis"] == "y2"
    add = next(b for b in at.button if b.key and b.key.startswith("deck-"))
    add.click().run()
    assert not at.exception
    at.switch_page("app_pages/deck.py").run()
    assert any(c.value.startswith("小多图 · ") for c in at.caption)
    at.switch_page("app_pages/present.py").run()
    assert not at.exception and len(at.get("plotly_chart")) == 1


@pytest.mark.parametrize("lang", LANGS)
def test_the_index_bars_say_each_pilots_place_as_both_languages_filled_would(sample_db, lang):
    import pandas as pd

    from metrics.analysis import index as composite
    from metrics.domain.i18n import Text
    from metrics.domain.index_method import group
    from metrics.present.kinds.assessment import _move

    with sample_db.cursor() as cur:
        data = resolve(cur, ChartSpec("index", "composite_index", (SAMPLE_END_YEAR, SAMPLE_END_YEAR)), lang)
        pilots = composite.with_movement(composite.year_index(cur, SAMPLE_END_YEAR),
                                         composite.year_index(cur, SAMPLE_END_YEAR - 1))  # fmt: skip
    moves = {1: Text("上升 {n} 位", "up {n}").format(n=1), -2: Text("下降 {n} 位", "down {n}").format(n=2),
             0: Text("位次不变", "same rank")}  # fmt: skip
    assert all(_move(change, lang) == text(lang) for change, text in moves.items())
    expected = []
    for p in pilots[pilots["index"].notna()].itertuples():
        place = Text("第 {r} 位", "rank {r}").format(r=int(p.rank))(lang)
        relative = Text("平均的 {s:.0f}%", "{s:.0f}% of the mean").format(s=p.relative * 100)(lang)
        moved = "" if pd.isna(p.rank_change) else _move(int(p.rank_change), lang)
        expected.append(" · ".join(x for x in (group(p.group).label(lang), place, relative, moved) if x))
    assert data.frame.iloc[:, -1].tolist() == expected


def _points_by_row(data) -> list[str]:
    """The map's miniature as it was drawn row by row (itertuples), to compare with miniatures.points."""
    import math

    from metrics.present.miniatures import HEIGHT, PAD, WIDTH, scale
    from metrics.present.style import PROGRAMME_COLOUR, REGION_COLOURS

    frame = data.drawn()
    x = scale(frame["lon"], PAD * 3, WIDTH - PAD * 3, from_zero=False)
    y = scale(frame["lat"], HEIGHT - PAD, PAD, from_zero=False)
    largest = float(frame["value"].max()) if frame["value"].notna().any() else 0.0
    shapes = []
    for row in frame.itertuples():
        value = float(row.value)
        if math.isnan(value):
            shapes.append(f'<circle cx="{x(row.lon):.1f}" cy="{y(row.lat):.1f}" r="1.5" fill="none" stroke="#8a8f98"/>')
        else:
            r = 1.5 + 5 * math.sqrt(max(value, 0) / largest) if largest > 0 else 1.5
            colour = REGION_COLOURS.get(str(row.region), PROGRAMME_COLOUR)
            shapes.append(f'<circle cx="{x(row.lon):.1f}" cy="{y(row.lat):.1f}" r="{r:.1f}" fill="{colour}" '
                          f'fill-opacity="0.7"/>')  # fmt: skip
    return shapes


@pytest.mark.parametrize("year", [2016, SAMPLE_END_YEAR])
@pytest.mark.parametrize("key", ["agreements", "contract_value_10k_cny"])
def test_the_map_miniature_is_the_one_drawn_row_by_row(sample_db, year, key):
    from metrics.present.miniatures import points

    with sample_db.cursor() as cur:
        data = resolve(cur, ChartSpec("map", key, (year, year)), "zh")
    assert points(data) == _points_by_row(data)
