"""Releases across a restore: a release is never deleted, so one published since the backup was made is carried over
into the restored database with its rows, and a withdrawal made since stays.

A release is known by its stamp (its id and the moment it was published, releases.Release.stamp): the backup's
release of the same stamp is the same release. Inside the restore's transaction, `hold` keeps the releases here (in
temporary tables) before every table is replaced, and `carry_over` brings back those the backup lacks afterwards.

Within one database a backup's releases are a prefix of today's, so nothing clashes. A backup made elsewhere
(`--foreign`) may hold another release under a name used here, or under an id used here. The name is what people
cite and what links hold, so the release here keeps its name and the backup's is renamed ("NAME（备份 2026-03-04）");
the id is what the backup's own rows refer to, so the backup's release keeps its id and the one here is carried
over under a new id from the sequence (which never goes back).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.i18n import Text
from .catalogue import quoted
from .releases import Release, list_releases
from .schema import FROZEN_TABLES
from .transactions import Cursor, one_value

_TABLES = ("releases", *(f"release_{t}" for t in FROZEN_TABLES))
_KEPT = "kept_"  # the prefix of the temporary tables holding this database's releases during a restore


@dataclass(frozen=True)
class Carried:
    """What a restore did to the releases: those here it carried over (published since the backup, or made
    elsewhere), and the backup's it renamed because a release here has the name (old name, new name)."""

    kept: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()

    def text(self) -> Text | None:
        """What to tell the person restoring, or None when the releases are the backup's and nothing else."""
        parts = []
        if self.kept:
            parts.append(
                Text(
                    "备份中没有的发布已保留（发布不会被删除，{n} 个）：{r}。",
                    "Kept the releases the backup lacks (a release is never deleted; {n}): {r}.",
                ).format(n=len(self.kept), r="、".join(self.kept))
            )
        for old, new in self.renamed:
            parts.append(
                Text(
                    "备份中的发布“{o}”与此处的发布同名，已改名为“{n}”。",
                    "The backup's release “{o}” has the name of a release here; it is now called “{n}”.",
                ).format(o=old, n=new)
            )
        return parts[0].then(*parts[1:], en=" ") if parts else None


def hold(cur: Cursor) -> tuple[Release, ...]:
    """The releases here, kept with their rows in temporary tables until `carry_over` (call both in the restore's
    transaction: a rollback takes the temporary tables with it)."""
    held = list_releases(cur)
    if held:
        for table in _TABLES:
            cur.execute(f"CREATE TEMPORARY TABLE {quoted(_KEPT + table)} AS SELECT * FROM {quoted(table)}")
    return held


def carry_over(cur: Cursor, held: tuple[Release, ...]) -> Carried:
    """After every table was replaced with the backup's: bring back the releases `hold` kept that the backup lacks
    (with their rows and any withdrawal), and keep the names and withdrawals of those it has."""
    if not held:
        return Carried()
    restored = list_releases(cur)
    by_stamp = {r.stamp: r for r in restored}
    names_here = {r.name for r in held}
    renamed = _rename_clashing(cur, [r for r in restored if r.stamp not in {h.stamp for h in held}], names_here,
                               names_here | {r.name for r in restored})  # fmt: skip
    for release in held:
        if release.stamp in by_stamp:
            _keep_state(cur, release, by_stamp[release.stamp])
    kept, ids_taken = [], {r.release_id for r in restored}
    for release in sorted(held, key=lambda r: r.release_id):
        if release.stamp in by_stamp:
            continue
        if release.release_id in ids_taken:  # made elsewhere with the same id: carried over under a new one
            new_id = int(one_value(cur, "SELECT nextval('release_id_seq')"))
            for table in _TABLES:
                cur.execute(f"UPDATE {quoted(_KEPT + table)} SET release_id = $new WHERE release_id = $old",
                            {"new": new_id, "old": release.release_id})  # fmt: skip
        else:
            new_id = release.release_id
        for table in _TABLES:
            cur.execute(f"INSERT INTO {quoted(table)} SELECT * FROM {quoted(_KEPT + table)} WHERE release_id = $id",
                        {"id": new_id})  # fmt: skip
        kept.append(release.name)
    for table in _TABLES:
        cur.execute(f"DROP TABLE {quoted(_KEPT + table)}")
    return Carried(tuple(kept), tuple(renamed))


def _rename_clashing(cur: Cursor, arrived: list[Release], names_here: set[str], taken: set[str]) -> list:
    """Rename each release only the backup has whose name a release here holds: NAME（备份 YYYY-MM-DD）."""
    renamed = []
    for release in arrived:
        if release.name not in names_here:
            continue
        base = f"{release.name}（备份 {release.published_at:%Y-%m-%d}）"
        name = next(n for n in (base, *(f"{base[:-1]}，{k}）" for k in range(2, 10_000))) if n not in taken)
        taken.add(name)
        cur.execute("UPDATE releases SET name = $name WHERE release_id = $id", {"name": name, "id": release.release_id})
        renamed.append((release.name, name))
    return renamed


def _keep_state(cur: Cursor, here: Release, restored: Release) -> None:
    """The backup's copy of a release here: its name as here (a backup's release renamed by an earlier restore keeps
    that name), and withdrawn if it was withdrawn here (a withdrawal is never undone)."""
    if here.name != restored.name:
        cur.execute("UPDATE releases SET name = $name WHERE release_id = $id",
                    {"name": here.name, "id": restored.release_id})  # fmt: skip
    if here.withdrawn and not restored.withdrawn:
        cur.execute(
            """UPDATE releases SET withdrawn_by = $by, withdrawn_at = $at, withdrawn_reason = $reason
               WHERE release_id = $id""",
            {"by": here.withdrawn_by, "at": here.withdrawn_at, "reason": here.withdrawn_reason,
             "id": restored.release_id},
        )  # fmt: skip
