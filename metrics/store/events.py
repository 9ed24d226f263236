"""Programme events drawn on time charts: the list, and the snapshots that let an events upload be undone."""

from __future__ import annotations

import pandas as pd

from .transactions import Cursor, one_value, registered


def events(cur: Cursor) -> pd.DataFrame:
    """The programme events by date: event_date (pandas datetime64, midnight), year, title_zh, title_en, upload_id."""
    frame = cur.execute(
        """SELECT event_date, CAST(extract(year FROM event_date) AS INTEGER) AS year, title_zh, title_en, upload_id
           FROM events ORDER BY event_date, title_zh"""
    ).df()
    return frame.astype({"event_date": "datetime64[us]", "year": "int64", "upload_id": "Int64"})


def insert_events(cur: Cursor, rows: pd.DataFrame) -> None:
    """Add events to the list (columns event_date as dates, title_zh, title_en, upload_id)."""
    frame = rows[["event_date", "title_zh", "title_en", "upload_id"]].astype({"upload_id": "Int64"})
    with registered(cur, "new_events", frame):
        cur.execute(
            """INSERT INTO events (event_date, title_zh, title_en, upload_id)
               SELECT CAST(event_date AS DATE), title_zh, title_en, upload_id FROM new_events"""
        )


def replace_events(cur: Cursor, rows: pd.DataFrame, upload_id: int) -> None:
    """Replace the whole list with rows, first keeping the current list as the snapshot that undo restores."""
    cur.execute(
        """INSERT INTO event_snapshots (upload_id, event_date, title_zh, title_en, old_upload_id)
           SELECT $id, event_date, title_zh, title_en, upload_id FROM events""",
        {"id": upload_id},
    )
    cur.execute("DELETE FROM events")
    insert_events(cur, rows)


def restore_events(cur: Cursor, upload_id: int) -> int:
    """Put back the list as it was before an events upload replaced it; returns how many events it holds."""
    cur.execute("DELETE FROM events")
    cur.execute(
        """INSERT INTO events (event_date, title_zh, title_en, upload_id)
           SELECT event_date, title_zh, title_en, old_upload_id FROM event_snapshots WHERE upload_id = $id""",
        {"id": upload_id},
    )
    return int(one_value(cur, "SELECT count(*) FROM events"))


def later_event_uploads(cur: Cursor, upload_id: int) -> list[int]:
    """Committed events uploads after this one (each replaced the list this one left)."""
    rows = cur.execute(
        """SELECT upload_id FROM uploads
           WHERE kind = 'events' AND status = 'committed' AND upload_id > $id ORDER BY 1""",
        {"id": upload_id},
    ).fetchall()
    return [r[0] for r in rows]
