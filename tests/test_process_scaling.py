"""How two server processes scale against one, ours against the floor's (benchmarks/process_scaling.py)."""

from __future__ import annotations

import pytest

from benchmarks.process_scaling import scaling, scaling_report


def run(app: str, processes: int, click_p95: float, officers: int = 25) -> dict:
    """A combined load run with these figures (the others 1 s)."""
    return {"officers": officers, "processes": processes, "app": app, "elapsed_s": 10.0,
            "click": {"p50": 1.0, "p95": click_p95}, "open": {"p50": 1.0, "p95": 1.0}}  # fmt: skip


@pytest.mark.parametrize(
    ("ours_one", "ours_two", "floor_one", "floor_two", "relative", "met"),
    [
        (2.0, 2.0, 1.0, 1.0, 1.0, True),  # neither gains: ours scales as the floor does
        (2.0, 1.0, 1.0, 0.5, 1.0, True),  # both halve
        (2.0, 2.2, 1.0, 1.0, 1.1, True),  # ours 10% worse than the floor's: at the target
        (2.0, 3.0, 1.0, 1.0, 1.5, False),  # ours slower with two processes, the floor not
        (2.0, 2.0, 1.0, 0.5, 2.0, False),  # the floor halves, ours does not gain
    ],
)
def test_ours_is_judged_against_the_floors_own_scaling(ours_one, ours_two, floor_one, floor_two, relative, met):
    runs = [run("dashboard", 1, ours_one), run("floor", 1, floor_one), run("dashboard", 2, ours_two),
            run("floor", 2, floor_two)]  # fmt: skip
    (found,) = scaling(runs)
    assert found["dashboard"]["click_p95"] == pytest.approx(ours_two / ours_one)
    assert found["relative"]["click_p95"] == pytest.approx(relative)
    assert found["met"] is met
    assert ("NOT met" in scaling_report([found])) is not met


@pytest.mark.parametrize(
    "runs",
    [
        [run("dashboard", 1, 1.0), run("floor", 1, 1.0)],  # one process only
        [run("dashboard", 1, 1.0), run("dashboard", 2, 1.0), run("floor", 1, 1.0)],  # the floor's two missing
        [run("dashboard", 1, 1.0, 10), run("floor", 1, 1.0, 10), run("dashboard", 2, 1.0, 25),
         run("floor", 2, 1.0, 25)],  # one and two processes at different loads
    ],
)  # fmt: skip
def test_no_ratio_without_both_apps_on_one_and_two_processes(runs):
    assert scaling(runs) == [] and scaling_report([]) == ""
