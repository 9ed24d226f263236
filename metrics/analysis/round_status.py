"""The collection round's tracker: for a year, every pilot's status (loaded, refused, not received; late once the
due date has passed), read from the uploads and the files checked for the round, never from a copy of the figures.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

import pandas as pd

from ..domain import registry
from ..domain.i18n import Text
from ..ingest.report import Issue
from ..store import approvals
from ..store.cities import list_cities
from ..store.reads import kept
from ..store.reporting import round_reports
from ..store.rounds import Round, attempts_of_year, default_round, get_round
from ..store.transactions import Cursor
from .records import columns
from .review import returned_pilots

STATUSES = {
    "loaded": Text("已导入", "loaded"),
    "refused": Text("被拒绝", "refused"),
    "missing": Text("未收到", "not received"),
    "returned": Text("已退回", "returned"),  # loaded, then sent back from the review queue (analysis/review.py)
}
LATE = Text("逾期", "late")
APPROVAL = {
    approvals.APPROVED: Text("已审核", "approved"),
    approvals.NOT_REPORTED: Text("未报送（已标记）", "did not report (marked)"),
}
PILOT_COLUMNS = ("name_zh", "name_en", "province_zh", "province_en")
PARTLY = Text("{n} 项指标未填：{k}", "{n} indicators left blank: {k}")
SENT_BACK = Text("已退回：{r}", "sent back: {r}")


@dataclass(frozen=True)
class RoundStatus:
    """A round and where each pilot stands in it."""

    round: Round
    opened: bool  # whether the round was opened (forms sent), or is the year's default
    today: dt.date
    pilots: pd.DataFrame  # city_code, name_zh, name_en, province_zh, province_en, status, late, upload_id,
    # file_name (loaded, else the latest refused), loaded_at, loaded_by, reported, reasons (issues of the latest
    # refused file since it was loaded), warnings (issues worth a look in what was loaded)
    unattributed: pd.DataFrame  # refused files that name no one pilot: file_name, checked_at, checked_by, reasons
    history: pd.DataFrame = field(default_factory=pd.DataFrame)  # every approval step (store.approvals.history)

    @functools.cached_property  # the page and its approval section each ask on every rerun
    def counts(self) -> dict[str, int]:
        """How many pilots are loaded, refused, missing, late, approved and marked as not reported."""
        status, approval = self.pilots["status"], self.pilots["approval"]
        return {
            **{s: int((status == s).sum()) for s in STATUSES},
            "late": int(self.pilots["late"].sum()),
            "approved": int((approval == approvals.APPROVED).sum()),
            "not_reported": int((approval == approvals.NOT_REPORTED).sum()),
        }

    @functools.cached_property  # asked on every rerun of the round page
    def complete(self) -> bool:
        """Whether every designated pilot is approved or marked as not reported."""
        return bool(len(self.pilots)) and bool(self.pilots["approval"].notna().all())


def round_status(cur: Cursor, year: int, today: dt.date | None = None) -> RoundStatus:
    """Every pilot designated by `year` and where it stands in that year's round (opened or not); kept per data
    version where reads are kept (the round page's tracker and its approvals each ask)."""
    today = today or dt.date.today()
    return kept("round_status", (year, today), lambda: _round_status(cur, year, today))


def _round_status(cur: Cursor, year: int, today: dt.date) -> RoundStatus:
    opened = get_round(cur, year)
    round_ = opened or default_round(year)
    reports = round_reports(cur, year, round_.indicators)
    attempts = attempts_of_year(cur, year)
    cities = list_cities(cur)
    pilots = cities[cities["designated_year"] <= year][["city_code", *PILOT_COLUMNS]].merge(reports, on="city_code")
    refusals: dict[str, list[dict]] = {}  # a pilot's refused files, oldest first
    loaded_with: dict[int, list[dict]] = {}  # an upload's recorded warnings
    for attempt in attempts.to_dict("records"):
        if pd.isna(attempt["upload_id"]):
            refusals.setdefault(attempt["city_code"], []).append(attempt)
        else:
            loaded_with.setdefault(int(attempt["upload_id"]), []).extend(attempt["problems"])
    late = round_.due is not None and today > round_.due
    returned = returned_pilots(cur, year)
    states = approvals.states(cur, year)
    given = columns(pilots)  # a column at a time, each pilot's row made as a position in them: thousands of pilots
    has = [given[f"has_{c}"] for c in round_.indicators]
    every = pilots[[f"has_{c}" for c in round_.indicators]].all(axis=1).tolist()  # reported all the round asks
    out: dict[str, list] = {name: [] for name in _COLUMNS}
    for i, code in enumerate(given["city_code"]):
        reported, created_at = given["reported"][i], given["created_at"][i]
        loaded = reported > 0
        upload_id = int(given["upload_id"][i]) if loaded and pd.notna(given["upload_id"][i]) else None
        refused = refusals.get(code, [])
        if loaded and pd.notna(created_at):  # only a refusal since the load still counts
            refused = [a for a in refused if a["checked_at"] > created_at]
        status = "loaded" if loaded else "refused" if refused else "missing"
        state = states.get((code, year))
        approved = state is not None and state.state == approvals.APPROVED  # approved despite a return: settled
        back = returned.get(code) if loaded and not approved else None
        reasons = [Issue.from_stored(p) for p in refused[-1]["problems"]] if refused else []
        if back:
            status = "returned"
            reasons = [Issue(None, None, "error", SENT_BACK.format(r=r)) for r in back]
        for name in ("city_code", *PILOT_COLUMNS):
            out[name].append(given[name][i])
        out["status"].append(status)
        out["late"].append(status not in ("loaded", "returned") and late)
        out["upload_id"].append(upload_id)
        out["file_name"].append(given["file_name"][i] if loaded else refused[-1]["file_name"] if refused else None)
        out["loaded_at"].append(created_at if loaded else None)
        out["loaded_by"].append(given["created_by"][i] if loaded else None)
        out["reported"].append(int(reported))
        out["reasons"].append(reasons)
        if upload_id is None:
            out["warnings"].append([])
        else:  # what it left blank, asked of a loaded pilot only (a round's thousands of pilots before any file)
            blank = [] if every[i] else [c for c, column in zip(round_.indicators, has, strict=True) if not column[i]]
            out["warnings"].append(_warnings(loaded_with.get(upload_id, []), blank))
        out["approval"].append(state.state if state is not None else None)
        out["approved_by"].append(state.by if state is not None else None)
        out["approved_at"].append(state.at if state is not None else None)
    loose = attempts[attempts["city_code"].isna() & attempts["upload_id"].isna()]
    unattributed = pd.DataFrame(
        {
            "file_name": loose["file_name"],
            "checked_at": loose["checked_at"],
            "checked_by": loose["checked_by"],
            "reasons": [[Issue.from_stored(p) for p in problems] for problems in loose["problems"]],
        }
    )
    frame = pd.DataFrame(out, columns=[*_COLUMNS]) if given["city_code"] else pd.DataFrame(columns=[*_COLUMNS])
    return RoundStatus(round_, opened is not None, today, frame, unattributed, approvals.history(cur, year))


_COLUMNS = ("city_code", *PILOT_COLUMNS, "status", "late", "upload_id", "file_name", "loaded_at", "loaded_by",
            "reported", "reasons", "warnings", "approval", "approved_by", "approved_at")  # fmt: skip


def _warnings(recorded: list[dict], blank: list[str]) -> list[Issue]:
    """What deserves a look in a loaded pilot's figures: the warnings its file was loaded with (a flow three times
    last year's, a falling stock, a total that does not add up), and the round's indicators it left blank."""
    found = [Issue.from_stored(p) for p in recorded]
    if blank:
        labels = Text(
            "、".join(registry.get(c).label_zh for c in blank), ", ".join(registry.get(c).label_en for c in blank)
        )
        found.append(Issue(None, None, "warning", PARTLY.format(n=len(blank), k=labels)))
    return found
