"""The collection round's tracker: for a year, every pilot's status (loaded, refused, not received; late once the
due date has passed), read from the uploads and the files checked for the round, never from a copy of the figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ..domain import registry
from ..domain.i18n import Text
from ..ingest.report import Issue
from ..store.cities import list_cities
from ..store.reporting import round_reports
from ..store.rounds import Round, attempts_of_year, default_round, get_round
from ..store.transactions import Cursor

STATUSES = {
    "loaded": Text("已导入", "loaded"),
    "refused": Text("被拒绝", "refused"),
    "missing": Text("未收到", "not received"),
}
LATE = Text("逾期", "late")
PARTLY = Text("{n} 项指标未填：{k}", "{n} indicators left blank: {k}")


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

    @property
    def counts(self) -> dict[str, int]:
        """How many pilots are loaded, refused, missing, and late."""
        status = self.pilots["status"]
        return {**{s: int((status == s).sum()) for s in STATUSES}, "late": int(self.pilots["late"].sum())}

    @property
    def overdue(self) -> bool:
        """Whether the due date has passed."""
        return self.round.due is not None and self.today > self.round.due


def round_status(cur: Cursor, year: int, today: dt.date | None = None) -> RoundStatus:
    """Every pilot designated by `year` and where it stands in that year's round (opened or not)."""
    today = today or dt.date.today()
    opened = get_round(cur, year)
    round_ = opened or default_round(year)
    reports = round_reports(cur, year, round_.indicators).set_index("city_code")
    attempts = attempts_of_year(cur, year)
    cities = list_cities(cur)
    pilots = cities[cities["designated_year"] <= year].set_index("city_code")
    rows = []
    for code, pilot in pilots.iterrows():
        report = reports.loc[code]
        mine = attempts[attempts["city_code"] == code]
        loaded = bool(report["reported"] > 0)
        upload_id = int(report["upload_id"]) if loaded and pd.notna(report["upload_id"]) else None
        refused = mine[mine["upload_id"].isna()]
        if loaded:
            refused = (
                refused[refused["checked_at"] > report["created_at"]] if pd.notna(report["created_at"]) else refused
            )
        status = "loaded" if loaded else "refused" if len(refused) else "missing"
        blank = [c for c in round_.indicators if not report[f"has_{c}"]]
        warnings = _warnings(mine, upload_id, blank)
        rows.append(
            {
                "city_code": code,
                "name_zh": pilot["name_zh"],
                "name_en": pilot["name_en"],
                "province_zh": pilot["province_zh"],
                "province_en": pilot["province_en"],
                "status": status,
                "late": status != "loaded" and round_.due is not None and today > round_.due,
                "upload_id": upload_id,
                "file_name": report["file_name"] if loaded else refused.iloc[-1]["file_name"] if len(refused) else None,
                "loaded_at": report["created_at"] if loaded else None,
                "loaded_by": report["created_by"] if loaded else None,
                "reported": int(report["reported"]),
                "reasons": [Issue.from_stored(p) for p in refused.iloc[-1]["problems"]] if len(refused) else [],
                "warnings": warnings,
            }
        )
    loose = attempts[attempts["city_code"].isna() & attempts["upload_id"].isna()]
    unattributed = pd.DataFrame(
        {
            "file_name": loose["file_name"],
            "checked_at": loose["checked_at"],
            "checked_by": loose["checked_by"],
            "reasons": [[Issue.from_stored(p) for p in problems] for problems in loose["problems"]],
        }
    )
    return RoundStatus(round_, opened is not None, today, pd.DataFrame(rows), unattributed)


def _warnings(mine: pd.DataFrame, upload_id: int | None, blank: list[str]) -> list[Issue]:
    """What deserves a look in a loaded pilot's figures: the warnings its file was loaded with (a value ten times
    last year's, a total that does not add up), and the round's indicators it left blank."""
    if upload_id is None:
        return []
    found = [Issue.from_stored(p) for problems in mine.loc[mine["upload_id"] == upload_id, "problems"]
             for p in problems]  # fmt: skip
    if blank:
        labels = Text(
            "、".join(registry.get(c).label_zh for c in blank), ", ".join(registry.get(c).label_en for c in blank)
        )
        found.append(Issue(None, None, "warning", PARTLY.format(n=len(blank), k=labels)))
    return found
