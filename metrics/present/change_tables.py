"""What changed between two releases (analysis/changes.py) for display and download: the line of totals, and the
tables of figures revised, pilot-years new or gone, targets, pilots and events, headed in the reader's language."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ..analysis.changes import Changes, between
from ..analysis.records import records
from ..domain import registry
from ..domain.cells import is_missing
from ..domain.i18n import Text
from ..domain.roles import person, shown_name
from ..store.reads import Reads, declare
from ..store.releases import WITHDRAWN, Release, list_releases
from ..store.transactions import Cursor
from .chart_data import rounded
from .upload_tables import SAMPLE_FILE

WORKING_DATA = Text("工作数据（未发布）", "working data (not published)")
LIST_SEP = Text("，", ", ")
MORE = Text("，另有 {n} 项", " and {n} more")
NOTHING = Text("没有变化：两边的每个数字、目标、试点和大事都相同。",
               "Nothing changed: every figure, target, pilot and event is the same on both sides.")  # fmt: skip
SUMMARY = Text(
    "{revised} 个数字修订，新增 {added} 个试点年度（{added_cells} 个数字），删除 {removed} 个数字",
    "{revised} revised, {added} new ({added_cells}), {removed} removed",
)
SUMMARY_REST = Text("；目标 {t} 项、试点 {c} 个、大事 {e} 项有变化", "; {t}, {c} and {e} changed")
TOTALS = Text("；项目合计：{totals}", "; programme totals: {totals}")
TOTAL = Text("{ind} {y} 年 {d}", "{ind} {y} {d}")
SHOWN_TOTALS = 3  # programme totals named in the summary line (the table lists them all)
REVIEWS = {"confirmed": Text("已确认", "confirmed"), "returned": Text("已退回", "sent back")}
REVIEW_SAID = Text("{s}：{c}", "{s}: {c}")
REVIEW_BY = Text("（{b}）", " ({b})")
UNDO = Text("撤销 #{id} {f}", "undo of #{id} {f}")
CITY_FIELD_CHANGES = {"added": Text("新增试点", "pilot added"), "removed": Text("删除试点", "pilot removed")}
CHANGE_NAMES = {
    "revised": Text("修改", "revised"),
    "added": Text("新增", "added"),
    "removed": Text("删除", "removed"),
}

YEAR = Text("年份", "Year")
PILOT = Text("试点", "Pilot")
INDICATOR = Text("指标", "Indicator")
BEFORE = Text("原值", "Before")
AFTER = Text("新值", "After")
DIFFERENCE = Text("变化", "Change")
PERCENT = Text("变化（%）", "Change (%)")
UPLOAD = Text("上传", "Upload")
BY = Text("操作人", "By")
WHEN = Text("时间", "When")
REVIEW = Text("审核意见", "Review comment")
FIGURES = Text("数字个数", "Figures")
WHAT = Text("变化", "Change")


def side_name(release: Release | None, lang: str) -> str:
    """How a side of a comparison is named: the release (marked if withdrawn), or the working data."""
    if release is None:
        return WORKING_DATA(lang)
    return release.name + (WITHDRAWN(lang) if release.withdrawn else "")


def side_label(release: Release | None, lang: str) -> str:
    """A side as a heading names it: 2025年度数据（第1版）（2026-03-04 发布）, or the working data."""
    if release is None:
        return WORKING_DATA(lang)
    when = Text("（{d} 发布）", " (published {d})").format(d=f"{release.published_at:%Y-%m-%d}")
    return side_name(release, lang) + when(lang)


@declare(lambda lang: Reads(frozenset({"releases"})))
def side_labels(cur: Cursor, lang: str) -> dict[str, str]:
    """side_label of every release, by name, and of the working data under "" (no release's name is empty): worked
    out once per change to the releases, not for every option of the pickers on every rerun."""
    return {"": side_label(None, lang), **{r.name: side_label(r, lang) for r in list_releases(cur)}}


PUBLISHED = Text("“{n}”由 {b} 于 {d} 发布", "“{n}” was published by {b} on {d}")


def published(release: Release, lang: str) -> str:
    """Who published a release, when, and its note: “2025年度数据（第1版）”由 王科长 于 2026-03-04 发布：3 月会议."""
    line = PUBLISHED.format(n=release.name, b=person(release.published_by), d=f"{release.published_at:%Y-%m-%d}")(lang)
    return line + (Text("：{t}", ": {t}").format(t=release.note)(lang) if release.note else "")


def file_stem(old: Release, new: Release | None, lang: str) -> str:
    """The start of a download's file name naming both sides: 有何变化_2025年度数据-第1版_工作数据."""
    working = Text("工作数据", "working-data")(lang)
    words = Text("有何变化", "What-changed")(lang), old.name, new.name if new else working
    return re.sub(r'[\\/:*?"<>|()（）=\s]+', "-", "_".join(words)).replace("-_", "_").strip("-")


def signed(value: float, decimals: int) -> str:
    """A difference with its sign and thousands separated: +6, −1,234.50."""
    return f"{value:+,.{decimals}f}"


def summary(changes: Changes, lang: str) -> str:
    """The totals first, in a line: 3 figures revised, 1 new pilot-year (8 figures), 0 removed; programme totals:
    Cooperation agreements signed 2025 +6 (NOTHING when nothing differs)."""
    if changes.empty:
        return NOTHING(lang)
    counts = changes.counts
    line = SUMMARY.format(revised=_counted(counts["revised"], "figure", lang),
                          added=_counted(counts["pilot_years_added"], "pilot-year", lang),
                          added_cells=_counted(counts["added"], "figure", lang),
                          removed=_counted(counts["removed"], "figure", lang))(lang)  # fmt: skip
    if counts["targets"] or counts["cities"] or counts["events"]:
        line += SUMMARY_REST.format(t=_counted(counts["targets"], "target", lang),
                                    c=_counted(counts["cities"], "pilot", lang),
                                    e=_counted(counts["events"], "event", lang))(lang)  # fmt: skip
    totals = [
        TOTAL.format(ind=registry.get(t.indicator).label(lang), y=int(t.year),
                     d=signed(t.difference, registry.get(t.indicator).decimals))(lang)
        for t in changes.totals.itertuples(index=False)
    ]  # fmt: skip
    if totals:
        shown = LIST_SEP(lang).join(totals[:SHOWN_TOTALS])
        if len(totals) > SHOWN_TOTALS:
            shown += MORE.format(n=len(totals) - SHOWN_TOTALS)(lang)
        line += TOTALS.format(totals=shown)(lang)
    return line + Text("。", ".")(lang)


def _counted(n: int, noun: str, lang: str) -> str:
    """A count as the summary says it: the number alone in Chinese (the sentence has its measure words), with its
    noun in English: 1 figure, 3 figures."""
    return f"{n:,}" if lang == "zh" else f"{n:,} {noun}{'' if n == 1 else 's'}"


def _upload(row: dict, side: str, lang: str) -> tuple[str, str, str]:
    """(upload, by, when) of the upload that set a side's value, or of the undo that brought it back."""
    if row.get("undone"):
        upload = UNDO.format(id=row["undone_upload_id"], f=row["undone_file_name"] or "")(lang)
        return upload, shown_name(row["undone_by"], lang), _when(row["undone_at"])
    upload_id = row[f"{side}_upload_id"]
    if is_missing(upload_id):
        return "", "", ""
    name = SAMPLE_FILE(lang) if row[f"{side}_kind"] == "sample" else (row[f"{side}_file_name"] or "")
    return f"#{upload_id} {name}", shown_name(row[f"{side}_created_by"], lang), _when(row[f"{side}_created_at"])


def _when(value: object) -> str:
    return "" if is_missing(value) or value is pd.NaT else f"{pd.Timestamp(value):%Y-%m-%d %H:%M}"


def _review(row: dict, lang: str) -> str:
    status = row.get("review_status")
    if not isinstance(status, str):
        return ""
    said = REVIEW_SAID.format(s=REVIEWS.get(status, Text(status, status)), c=row["review_comment"])(lang)
    return said + (REVIEW_BY.format(b=row["review_by"])(lang) if isinstance(row["review_by"], str) else "")


def figures_table(changes: Changes, change: str, lang: str) -> pd.DataFrame:
    """The figures revised (or added, or removed): year, pilot, indicator, before, after, change and its %, the
    upload that made the new value (or the undo), who, when, and the review's comment."""
    side = "old" if change == "removed" else "new"
    rows = []
    for row in records(changes.of(change)):
        ind = registry.get(row["indicator"])
        upload, by, when = _upload(row, side, lang)
        rows.append({
            YEAR(lang): int(row["year"]),
            PILOT(lang): row[f"name_{lang}"],
            INDICATOR(lang): ind.title(lang),
            BEFORE(lang): rounded(row["old"], ind),
            AFTER(lang): rounded(row["new"], ind),
            DIFFERENCE(lang): rounded(row["difference"], ind),
            PERCENT(lang): None if is_missing(row["difference_pct"]) else round(float(row["difference_pct"]), 1),
            UPLOAD(lang): upload,
            BY(lang): by,
            WHEN(lang): when,
            REVIEW(lang): _review(row, lang),
        })  # fmt: skip
    columns = [YEAR, PILOT, INDICATOR, BEFORE, AFTER, DIFFERENCE, PERCENT, UPLOAD, BY, WHEN, REVIEW]
    return pd.DataFrame(rows, columns=[c(lang) for c in columns])


def pilot_years_table(changes: Changes, change: str, lang: str) -> pd.DataFrame:
    """The pilot-years new (or gone): year, pilot, how many figures, the upload, who, when."""
    years = changes.pilot_years(change)
    return pd.DataFrame(
        {
            YEAR(lang): years["year"].astype(int),
            PILOT(lang): years[f"name_{lang}"],
            FIGURES(lang): years["figures"].astype(int),
            UPLOAD(lang): [f"#{u} {f or ''}" for u, f in zip(years["upload_id"], years["file_name"], strict=True)],
            BY(lang): years["by"].map(lambda n: shown_name(n, lang)),
            WHEN(lang): years["at"].map(_when),
        }
    )


def totals_table(changes: Changes, lang: str) -> pd.DataFrame:
    """Each programme total the changes moved: indicator, year, before, after, change."""
    rows = []
    for t in changes.totals.itertuples(index=False):
        ind = registry.get(t.indicator)
        rows.append({INDICATOR(lang): ind.title(lang), YEAR(lang): int(t.year), BEFORE(lang): rounded(t.before, ind),
                     AFTER(lang): rounded(t.after, ind), DIFFERENCE(lang): rounded(t.difference, ind)})  # fmt: skip
    return pd.DataFrame(rows, columns=[c(lang) for c in (INDICATOR, YEAR, BEFORE, AFTER, DIFFERENCE)])


def targets_table(changes: Changes, lang: str) -> pd.DataFrame:
    """The targets set, changed or dropped: year, pilot, indicator, before, after, what."""
    rows = []
    for t in records(changes.targets):
        ind = registry.get(t["indicator"])
        rows.append({YEAR(lang): int(t["year"]), PILOT(lang): t[f"name_{lang}"], INDICATOR(lang): ind.title(lang),
                     BEFORE(lang): rounded(t["old"], ind), AFTER(lang): rounded(t["new"], ind),
                     WHAT(lang): CHANGE_NAMES[t["change"]](lang)})  # fmt: skip
    return pd.DataFrame(rows, columns=[c(lang) for c in (YEAR, PILOT, INDICATOR, BEFORE, AFTER, WHAT)])


FIELD = Text("字段", "Field")


def cities_table(changes: Changes, lang: str) -> pd.DataFrame:
    """The pilots added, removed or changed: pilot, what (the field changed), before, after."""
    rows = [
        {PILOT(lang): c[f"name_{lang}"], FIELD(lang): c["field"] or CITY_FIELD_CHANGES[c["change"]](lang),
         BEFORE(lang): "" if c["old"] is None else str(c["old"]),
         AFTER(lang): "" if c["new"] is None else str(c["new"])}
        for c in records(changes.cities)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=[c(lang) for c in (PILOT, FIELD, BEFORE, AFTER)])


EVENT = Text("大事", "Event")
DATE = Text("日期", "Date")


def events_table(changes: Changes, lang: str) -> pd.DataFrame:
    """The programme events added, removed or retitled: date, event, what."""
    rows = [
        {DATE(lang): f"{pd.Timestamp(e['event_date']):%Y-%m-%d}",
         EVENT(lang): e["title_zh"] if lang == "zh" else (e["new_title_en"] or e["old_title_en"]),
         WHAT(lang): CHANGE_NAMES[e["change"]](lang)}
        for e in records(changes.events)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=[c(lang) for c in (DATE, EVENT, WHAT)])


@dataclass(frozen=True, eq=False)
class ChangeTables:
    """What changed, as a page shows it in one language."""

    old: Release
    new: Release | None
    counts: dict[str, int]
    summary: str
    totals: pd.DataFrame
    revised: pd.DataFrame
    added: pd.DataFrame  # the new pilot-years
    removed: pd.DataFrame  # the figures removed
    targets: pd.DataFrame
    cities: pd.DataFrame
    events: pd.DataFrame


def tables(cur: Cursor, old: int, new: int | None, lang: str) -> ChangeTables:
    """What changed from release `old` to `new` (None: the working data), every table of it in `lang`."""
    changes = between(cur, old, new)
    return ChangeTables(
        old=changes.old,
        new=changes.new,
        counts=changes.counts,
        summary=summary(changes, lang),
        totals=totals_table(changes, lang),
        revised=figures_table(changes, "revised", lang),
        added=pilot_years_table(changes, "added", lang),
        removed=figures_table(changes, "removed", lang),
        targets=targets_table(changes, lang),
        cities=cities_table(changes, lang),
        events=events_table(changes, lang),
    )
