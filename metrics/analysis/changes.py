"""What changed between two releases, or between a release and the working data (ALFRED's "new or revised"): every
revised figure with the upload that made it and the review's comment, the pilot-years new or gone, what that did to
the programme's totals, and the targets, pilots and events that changed beside them."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import pandas as pd

from ..domain import registry
from ..domain.i18n import Refused, Text
from ..domain.programme import CITY_FIELDS
from ..store import release_diff
from ..store.reads import READ_CACHE, declare, up_to
from ..store.release_diff import Side
from ..store.releases import Release, list_releases
from ..store.transactions import Cursor

CHANGES = ("revised", "added", "removed")  # a figure of a pilot-year on both sides, only the new, only the old
ORDER = {ind.key: n for n, ind in enumerate(registry.BASE_INDICATORS)}
UNKNOWN_ID = Text("没有编号为 {id} 的发布。", "There is no release {id}.")


@dataclass(frozen=True)
class Revision:
    """One figure of a pilot revised since a release, as a chart marks it: its year, the value published and now,
    when and by which upload (or undo) it changed."""

    year: int
    old: float | None
    new: float | None
    when: dt.date | None
    upload: str  # the file's name, '' where unknown
    undone: bool = False  # the change was an upload undone (`upload` names it)


@dataclass(frozen=True, eq=False)
class Changes:
    """Everything that differs from the `old` release to the `new` (None: the working data)."""

    old: Release
    new: Release | None
    cells: pd.DataFrame  # the yearly figures that differ: see `figures`
    totals: pd.DataFrame  # indicator, year, before, after, difference: each programme total the cells moved
    targets: pd.DataFrame  # city_code, name_zh, name_en, year, indicator, old, new, change, upload_id
    cities: pd.DataFrame  # city_code, name_zh, name_en, change, field, old, new (one row per field changed)
    events: pd.DataFrame  # event_date, title_zh, old_title_en, new_title_en, change

    def of(self, change: str) -> pd.DataFrame:
        """The figures of one kind of change (revised, added, removed)."""
        return self.cells[self.cells["change"] == change]

    def pilot_years(self, change: str) -> pd.DataFrame:
        """The pilot-years added (or removed): city_code, name_zh, name_en, year, figures (how many reported), and
        the upload that brought them (or, removed, had brought them)."""
        cells = self.of(change)
        if cells.empty:  # aggregating nothing costs a few milliseconds: its columns, worked out once
            return _no_pilot_years(change).copy()
        return _pilot_years_of(cells, change)

    def _pilot_year_count(self, change: str) -> int:
        """len(self.pilot_years(change)), without aggregating their columns."""
        return 0 if self.cells.empty else self.of(change).groupby(["city_code", "year"], sort=False).ngroups

    @functools.cached_property
    def counts(self) -> dict[str, int]:
        """How many figures were revised, added and removed, pilot-years added and removed, and targets, pilots and
        events changed."""
        return {
            **{change: int((self.cells["change"] == change).sum()) for change in CHANGES},
            "pilot_years_added": self._pilot_year_count("added"),
            "pilot_years_removed": self._pilot_year_count("removed"),
            "targets": len(self.targets),
            "cities": int(self.cities["city_code"].nunique()),
            "events": len(self.events),
        }

    @property
    def empty(self) -> bool:
        """Whether nothing at all differs."""
        return not any(self.counts.values())


def _pilot_years_of(cells: pd.DataFrame, change: str) -> pd.DataFrame:
    side = "new" if change == "added" else "old"
    grouped = cells.groupby(["city_code", "year"], sort=False)
    out = grouped.agg(
        name_zh=("name_zh", "first"),
        name_en=("name_en", "first"),
        figures=(side, "count"),
        upload_id=(f"{side}_upload_id", "max"),
        file_name=(f"{side}_file_name", "last"),
        by=(f"{side}_created_by", "last"),
        at=(f"{side}_created_at", "last"),
    )
    return out.reset_index()


@functools.cache
def _no_pilot_years(change: str) -> pd.DataFrame:
    return _pilot_years_of(_no_figures(), change)


def release_by_id(cur: Cursor, release_id: int) -> Release:
    """The release of that id; Refused when there is none."""
    found = next((r for r in list_releases(cur) if r.release_id == release_id), None)
    if found is None:
        raise Refused(UNKNOWN_ID.format(id=release_id))
    return found


def between(cur: Cursor, old: int, new: Side = None) -> Changes:
    """What changed from release `old` to release `new` (None: the working data), read through a plain cursor (in
    one of releases.frozen, the working data's tables are a release's): the figures (`figures`), the programme
    totals they moved, and the targets, pilots and events. Read once per data version in the app, as `figures`."""
    memo = READ_CACHE.get()
    if memo is None:
        return _between(cur, old, new)
    return memo("changes", (old, new), lambda: _between(cur, old, new))


def _between(cur: Cursor, old: int, new: Side) -> Changes:
    release_old = release_by_id(cur, old)
    release_new = None if new is None else release_by_id(cur, new)
    cells = figures(cur, old, new)
    return Changes(
        old=release_old,
        new=release_new,
        cells=cells,
        totals=_totals(cur, cells, old, new),
        targets=_targets(cur, old, new),
        cities=_cities(cur, old, new),
        events=_events(cur, old, new),
    )


def figures(cur: Cursor, old: int, new: Side = None) -> pd.DataFrame:
    """Every yearly figure that differs from release `old` to `new` (None: the working data): table_name,
    indicator, city_code, name_zh, name_en, year, old, new (NaN: not reported), difference, difference_pct (NaN
    where there was no old value, or it was 0), change (revised, added, removed); the upload that set each side's
    value (old_/new_ upload_id, file_name, kind, created_at, created_by, status); undone (the change is an undo of
    the upload that set the old value) with undone_upload_id, undone_file_name, undone_by and undone_at; and the
    review's latest decision with a comment on the figure, as the new side holds it (review_status, review_comment,
    review_by, review_at). Newest year first, then by pilot and indicator.

    The app reads it once per data version (series.READ_CACHE): the page of changes and the city profile share it."""
    memo = READ_CACHE.get()
    if memo is None:
        return _figures(cur, old, new)
    return memo("changed_figures", (old, new), lambda: _figures(cur, old, new))


def _figures(cur: Cursor, old: int, new: Side) -> pd.DataFrame:
    changed = release_diff.value_changes(cur, old, new)
    if changed.empty:  # most often, just after a release: the empty frame's columns, worked out once
        return _no_figures().copy()
    return _attributed(changed, release_diff.reviews(cur, new, changed))


def _attributed(changed: pd.DataFrame, reviews: pd.DataFrame) -> pd.DataFrame:
    """The changed cells (release_diff.value_changes) with their differences, undo and review, in figures' order."""
    cells = _with_reviews(_with_undo(_with_differences(changed)), reviews)
    cells["order"] = cells["indicator"].map(ORDER)
    cells = cells.sort_values(["year", "city_code", "order"], ascending=[False, True, True], kind="stable")
    return cells.drop(columns="order").reset_index(drop=True)


@functools.cache
def _no_figures() -> pd.DataFrame:
    """What `figures` gives when no cell differs."""
    return _attributed(release_diff.no_value_changes(), release_diff.no_reviews())


last_year = release_diff.last_year  # the last year a release holds figures for: revisions read up to it


# A revised figure is on both sides, so in a year the release holds: later years (the one being collected) leave
# it as it was. The uploads it names change only when undone, which writes their cells' years too.
@declare(lambda old, last: up_to(last, frozenset((*registry.VALUE_TABLES, "cell_history"))))
def revisions(cur: Cursor, old: int, last: int | None) -> dict[str, dict[str, tuple[Revision, ...]]]:
    """The working data's figures revised since release `old`, by pilot and indicator, oldest year first (what a
    pilot's profile rings): a figure on both sides, with a value now; `last` is the release's last year
    (`last_year`), after which nothing can be revised."""
    if last is None:
        return {}
    return revised_by_pilot(_with_undo(release_diff.value_changes(cur, old, None, last)))


def revised_by_pilot(cells: pd.DataFrame) -> dict[str, dict[str, tuple[Revision, ...]]]:
    """The revised figures of changed cells (as `figures` gives them) with a value now, by pilot and indicator,
    oldest year first."""
    revised = cells[(cells["change"] == "revised") & cells["new"].notna()]
    out: dict[str, dict[str, list[Revision]]] = {}
    for row in revised.itertuples(index=False):
        when, file_name = (row.undone_at, row.undone_file_name) if row.undone else (row.new_created_at,
                                                                                     row.new_file_name)  # fmt: skip
        out.setdefault(row.city_code, {}).setdefault(row.indicator, []).append(
            Revision(
                int(row.year),
                None if pd.isna(row.old) else float(row.old),
                float(row.new),
                None if pd.isna(when) else pd.Timestamp(when).date(),
                file_name if isinstance(file_name, str) else "",
                bool(row.undone),
            )
        )
    return {code: {k: tuple(sorted(v, key=lambda r: r.year)) for k, v in by.items()} for code, by in out.items()}


def _with_differences(cells: pd.DataFrame) -> pd.DataFrame:
    difference = cells["new"] - cells["old"]
    pct = (difference / cells["old"].where(cells["old"] != 0)) * 100
    return cells.assign(difference=difference, difference_pct=pct)


def _with_undo(cells: pd.DataFrame) -> pd.DataFrame:
    """Which changes are an undo: the old value's upload has been undone, and what stands now (if anything) was set
    before it."""
    earlier = (cells["new_upload_id"] < cells["old_upload_id"]).fillna(False).astype(bool)
    undone = (cells["old_status"] == "undone").fillna(False).astype(bool) & (cells["new_upload_id"].isna() | earlier)
    return cells.assign(
        undone=undone,
        undone_upload_id=cells["old_upload_id"].where(undone),
        undone_file_name=cells["old_file_name"].where(undone),
        undone_by=cells["old_undone_by"].where(undone),
        undone_at=cells["old_undone_at"].where(undone),
    )


def _with_reviews(cells: pd.DataFrame, reviews: pd.DataFrame) -> pd.DataFrame:
    renamed = reviews.rename(columns={"status": "review_status", "comment": "review_comment",
                                      "decided_by": "review_by", "decided_at": "review_at"})  # fmt: skip
    return cells.merge(renamed, on=["city_code", "year", "indicator"], how="left")


def _totals(cur: Cursor, cells: pd.DataFrame, old: Side, new: Side) -> pd.DataFrame:
    """Each programme total (indicator and year) the changed figures moved: before, after, difference; totals that
    were published first (a year that had none, being new, after them), newest year first."""
    columns = ["indicator", "year", "before", "after", "difference"]
    if cells.empty:
        return pd.DataFrame(columns=columns)
    years = sorted(int(y) for y in cells["year"].unique())
    moved = cells[["indicator", "year"]].drop_duplicates()
    totals = moved.merge(release_diff.programme_totals(cur, old, new, years), how="left")
    totals["difference"] = totals["after"].fillna(0) - totals["before"].fillna(0)
    totals = totals[totals["difference"].abs() > 1e-9]
    totals = totals.assign(new=totals["before"].isna(), order=totals["indicator"].map(ORDER))
    return totals.sort_values(["new", "year", "order"], ascending=[True, False, True])[columns].reset_index(drop=True)


def _change(old: pd.Series, new: pd.Series) -> pd.Series:
    return pd.Series(["added" if pd.isna(o) else "removed" if pd.isna(n) else "revised" for o, n in zip(old, new,
                      strict=True)], index=old.index, dtype="object")  # fmt: skip


def _targets(cur: Cursor, old: Side, new: Side) -> pd.DataFrame:
    targets = release_diff.target_changes(cur, old, new)
    return targets.assign(change=_change(targets["old"], targets["new"]))


def _cities(cur: Cursor, old: Side, new: Side) -> pd.DataFrame:
    """One row per field changed of a pilot on both sides; one row (field None) per pilot added or removed."""
    wide = release_diff.city_changes(cur, old, new)
    rows = []
    for city in wide.to_dict("records"):
        added, removed = pd.isna(city["a_name_zh"]), pd.isna(city["b_name_zh"])
        names = {"name_zh": city["b_name_zh"] if not removed else city["a_name_zh"],
                 "name_en": city["b_name_en"] if not removed else city["a_name_en"]}  # fmt: skip
        if added or removed:
            rows.append({"city_code": city["city_code"], **names, "change": "added" if added else "removed",
                         "field": None, "old": None, "new": None})  # fmt: skip
            continue
        for field in CITY_FIELDS:
            a, b = city[f"a_{field}"], city[f"b_{field}"]
            if not (pd.isna(a) and pd.isna(b)) and (pd.isna(a) or pd.isna(b) or a != b):
                rows.append({"city_code": city["city_code"], **names, "change": "revised", "field": field,
                             "old": _plain(a), "new": _plain(b)})  # fmt: skip
    columns = ["city_code", "name_zh", "name_en", "change", "field", "old", "new"]
    return pd.DataFrame(rows, columns=columns)


def _plain(value: object) -> object:
    """A cities field as JSON and a table show it: a whole number as an int, missing as None."""
    if value is None or pd.isna(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value.item() if hasattr(value, "item") else value


def _events(cur: Cursor, old: Side, new: Side) -> pd.DataFrame:
    events = release_diff.event_changes(cur, old, new)
    return events.assign(change=_change(events["old_title_en"], events["new_title_en"]))
