"""The uploads table: one row per committed upload (file, who, when, counts, status)."""

from __future__ import annotations

import pandas as pd

from .transactions import Cursor, one_value


def record_upload(
    cur: Cursor, *, file_name: str, kind: str, created_by: str, inserted: int, sha256: str | None = None
) -> int:
    """Add a committed upload and return its id."""
    return int(
        one_value(
            cur,
            """INSERT INTO uploads (file_name, sha256, kind, created_by, rows_inserted)
               VALUES ($file_name, $sha256, $kind, $created_by, $inserted) RETURNING upload_id""",
            {"file_name": file_name, "sha256": sha256, "kind": kind, "created_by": created_by, "inserted": inserted},
        )
    )


def set_upload_counts(cur: Cursor, upload_id: int, updated: int, unchanged: int) -> None:
    """Record how many rows an upload changed and left unchanged."""
    cur.execute(
        "UPDATE uploads SET rows_updated = $u, rows_unchanged = $n WHERE upload_id = $id",
        {"u": updated, "n": unchanged, "id": upload_id},
    )


def get_upload(cur: Cursor, upload_id: int) -> dict | None:
    """One upload's record, or None."""
    frame = cur.execute("SELECT * FROM uploads WHERE upload_id = $id", {"id": upload_id}).df()
    return None if frame.empty else frame.iloc[0].to_dict()


def mark_undone(cur: Cursor, upload_id: int, undone_by: str) -> None:
    """Record that an upload was undone, and by whom."""
    cur.execute(
        """UPDATE uploads SET status = 'undone', undone_at = current_timestamp, undone_by = $by
           WHERE upload_id = $id""",
        {"id": upload_id, "by": undone_by},
    )


def last_change(cur: Cursor) -> tuple[int, str]:
    """(upload id, who) of the latest upload or undo; (0, '?') when there has been none (a restored empty backup)."""
    row = cur.execute(
        """SELECT upload_id, coalesce(CASE WHEN undone_at IS NOT NULL THEN undone_by ELSE created_by END, '?')
           FROM uploads ORDER BY coalesce(undone_at, created_at) DESC, upload_id DESC LIMIT 1"""
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else (0, "?")


def upload_history(cur: Cursor) -> pd.DataFrame:
    """Every upload, newest first."""
    return cur.execute(
        """SELECT upload_id, file_name, sha256, kind, created_at, created_by, rows_inserted, rows_updated,
                  rows_unchanged, status, undone_at, undone_by
           FROM uploads ORDER BY upload_id DESC"""
    ).df()


def undoable_uploads(cur: Cursor) -> tuple[int, ...]:
    """Ids of the committed uploads that may be undone (not the built-in sample), newest first."""
    rows = cur.execute(
        "SELECT upload_id FROM uploads WHERE status = 'committed' AND kind <> 'sample' ORDER BY upload_id DESC"
    ).fetchall()
    return tuple(r[0] for r in rows)
