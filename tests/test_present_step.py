"""Presentation mode's step (app_pages/present.py): the slide is a fragment, and the slides either side are built
ahead on a thread of their own (ui/data.build_ahead), only while the data is the data shown."""

import pytest
from test_pages import open_app

from metrics.present import deck, plotly_layout
from metrics.store.database import open_database
from ui import data


@pytest.mark.parametrize(("slide", "ahead"), [(1, [2]), (5, [6, 4]), (9, [8]), (20, [8])])
def test_the_slides_either_side_are_built_ahead(sample_app, monkeypatch, slide, ahead):
    asked: list[list] = []
    monkeypatch.setattr(data, "build_ahead", lambda view, specs, style: asked.append(list(specs)))
    at = open_app("present", lang="en", slide=str(slide))
    with open_database(sample_app).cursor() as cur:
        specs = deck.standard_specs(cur)
    assert asked[-1] == [specs[n - 1] for n in ahead]
    assert at.subheader[0].value == f"{min(slide, 9)} / 9"


@pytest.mark.parametrize(("changed", "built"), [(False, 1), (True, 0)])
def test_a_slide_is_built_ahead_only_for_the_data_shown(sample_app, changed, built):
    database = data.database()
    with database.cursor() as cur:
        spec = deck.standard_specs(cur)[3]
        key = (database.name, *database.run_state(cur))
    if changed:  # a write landed since the step's run read the data
        key = (*key[:2], key[2] - 1, *key[3:])
    data.clear_caches()
    before = data._figures.computed
    data._build(key, (spec,), "en", plotly_layout.PROJECTOR, None)
    assert data._figures.computed - before == built


@pytest.mark.parametrize(("built_before", "threads"), [(False, 1), (True, 0)])
def test_a_step_starts_no_thread_when_the_slides_either_side_are_built(sample_app, monkeypatch, built_before, threads):
    from conftest import SAMPLE_END_YEAR

    from metrics.domain.programme import Scope
    from metrics.domain.years import YearRange
    from ui.state import View

    database = data.database()
    with database.cursor() as cur:
        spec = deck.standard_specs(cur)[3]
    data.clear_caches()
    view = View("en", YearRange(2014, SAMPLE_END_YEAR), Scope())
    if built_before:
        data.figure(view, spec, plotly_layout.PROJECTOR)
    started: list = []
    monkeypatch.setattr(data.threading, "Timer", lambda *args, **kwargs: started.append(args) or _NotStarted())
    data.build_ahead(view, (spec,), plotly_layout.PROJECTOR)
    assert len(started) == threads


class _NotStarted:
    def start(self) -> None:
        pass
