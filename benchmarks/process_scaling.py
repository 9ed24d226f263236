"""Two server processes against one (benchmarks/load.py --processes 1 2): how each app's times scale, ours against
the floor's in the same run.

The officers' client, the editor's browser and PostgreSQL share this machine's cores with the servers, so a second
process cannot halve the times; what it does to the bare floor is the most it can do here. The ratio is two
processes' time over one's (below 1: faster with two), and the target is ours at most 1.1 times the floor's.
"""

from __future__ import annotations

TARGET = 1.1  # ours (two processes' time over one's) at most this many times the floor's
MEASURES = ("click_p50", "click_p95", "open_p50", "open_p95", "elapsed")


def _times(run: dict) -> dict[str, float]:
    return {
        "click_p50": run["click"]["p50"],
        "click_p95": run["click"]["p95"],
        "open_p50": run["open"]["p50"],
        "open_p95": run["open"]["p95"],
        "elapsed": run["elapsed_s"],
    }


def scaling(runs: list[dict]) -> list[dict]:
    """For each number of officers run on one and on two processes: each app's ratio (two processes' time over
    one's) of the click and open P50 and P95 and of the run's time, ours over the floor's, and whether the click P95
    ratio meets the target."""
    by = {(r["officers"], r.get("processes", 1), r["app"]): r for r in runs}
    out = []
    for n in sorted({r["officers"] for r in runs}):
        wanted = [(n, p, app) for p in (1, 2) for app in ("dashboard", "floor")]
        if not all(k in by for k in wanted):
            continue
        ratios = {}
        for app in ("dashboard", "floor"):
            one, two = _times(by[(n, 1, app)]), _times(by[(n, 2, app)])
            ratios[app] = {m: two[m] / one[m] for m in MEASURES}
        relative = {m: ratios["dashboard"][m] / ratios["floor"][m] for m in MEASURES}
        out.append({"officers": n, "dashboard": ratios["dashboard"], "floor": ratios["floor"], "relative": relative,
                    "met": relative["click_p95"] <= TARGET})  # fmt: skip
    return out


def scaling_report(found: list[dict]) -> str:
    """The ratios as a table, and the target's line."""
    if not found:
        return ""
    lines = [
        "",
        "Two processes against one (two processes' time ÷ one's; below 1 is faster with two), ours and the floor's:",
        "",
        "| officers | click P50 ours / floor | click P95 ours / floor | open P95 ours / floor | run took ours / floor "
        "| click P95: ours ÷ floor's |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for s in found:
        ours, floor = s["dashboard"], s["floor"]
        cells = [f"{ours[m]:.2f} / {floor[m]:.2f}" for m in ("click_p50", "click_p95", "open_p95", "elapsed")]
        lines.append(f"| {s['officers']} | " + " | ".join(cells) + f" | {s['relative']['click_p95']:.2f}x |")
    lines.append("")
    lines += [f"- {'met' if s['met'] else 'NOT met'}: two processes' click P95 ratio <= {TARGET}x the floor's, at "
              f"{s['officers']} officers" for s in found]  # fmt: skip
    return "\n".join(lines)
