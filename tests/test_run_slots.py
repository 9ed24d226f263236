"""Page runs take turns: at most $PILOT_RUN_SLOTS of them execute at once in a server process."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import run_slots

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("value", "slots"),
    [(None, run_slots.DEFAULT_SLOTS), ("", run_slots.DEFAULT_SLOTS), ("2", 2), (" 8 ", 8), ("1", 1),
     ("0", run_slots.DEFAULT_SLOTS), ("-3", run_slots.DEFAULT_SLOTS), ("two", run_slots.DEFAULT_SLOTS),
     ("2.5", run_slots.DEFAULT_SLOTS)],
)  # fmt: skip
def test_the_number_of_slots_comes_from_the_environment_or_the_default(value, slots):
    assert run_slots.slot_count(value) == slots


def test_a_page_run_waits_while_every_slot_is_taken(sample_app):
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    app.run()  # imported and cached: the next run takes well under the second waited below
    held = 0
    while run_slots.RUN_SLOTS.acquire(blocking=False):  # every slot, as that many runs at once would hold them
        held += 1
    assert held >= 1
    finished = threading.Event()

    def visit() -> None:
        app.run()
        finished.set()

    visitor = threading.Thread(target=visit)
    try:
        visitor.start()
        assert not finished.wait(1.0), "the run went ahead without a slot"
    finally:
        for _ in range(held):
            run_slots.RUN_SLOTS.release()
    assert finished.wait(60), "the run did not go ahead once a slot was free"
    visitor.join()
    assert not app.exception and app.title[0].value
