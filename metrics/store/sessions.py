"""Sessions the server knows: a row per signed-in browser, found by the hash of its cookie's token (the token itself
is never stored), ended on the server by signing out, a new password or role, a removed account, an admin's "sign
out everywhere", or by lying idle or growing old. And the one-time grant that hands a browser its cookie."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from .transactions import Cursor

_COLUMNS = ("session_id", "account", "via", "created_at", "last_seen", "expires_at", "address", "user_agent")


def insert_session(cur: Cursor, session_id: str, account: str, via: str, now: datetime, expires_at: datetime,
                   address: str, user_agent: str, grant_hash: str | None, grant_expires: datetime | None
                   ) -> None:  # fmt: skip
    """A new session, waiting for its browser to take the cookie with the grant."""
    cur.execute(
        """INSERT INTO sessions (session_id, account, via, created_at, last_seen, expires_at, address, user_agent,
                                 grant_hash, grant_expires)
           VALUES ($id, $account, $via, $now, $now, $expires, $address, $agent, $grant, $grant_expires)""",
        {"id": session_id, "account": account, "via": via, "now": now, "expires": expires_at, "address": address[:80],
         "agent": user_agent[:300], "grant": grant_hash, "grant_expires": grant_expires},
    )  # fmt: skip


def redeem_grant(cur: Cursor, grant_hash: str, token_hash: str, now: datetime) -> datetime | None:
    """Exchange a live session's grant (once, before it expires) for its cookie token; the session's expiry, or None
    when there is no such grant."""
    rows = cur.execute(
        """UPDATE sessions SET token_hash = $token, grant_hash = NULL, grant_expires = NULL
           WHERE grant_hash = $grant AND grant_expires > $now AND ended_at IS NULL AND expires_at > $now
           RETURNING expires_at""",
        {"token": token_hash, "grant": grant_hash, "now": now},
    ).fetchall()
    return rows[0][0] if rows else None


def find_by_token(cur: Cursor, token_hash: str) -> dict | None:
    """The session a cookie's token belongs to, ended or not."""
    return _one(cur, "token_hash = $key", token_hash)


def find(cur: Cursor, session_id: str) -> dict | None:
    """A session by its id, ended or not."""
    return _one(cur, "session_id = $key", session_id)


def _one(cur: Cursor, where: str, key: str) -> dict | None:
    rows = cur.execute(
        f"SELECT {', '.join(_COLUMNS)}, ended_at, ended_why FROM sessions WHERE {where}", {"key": key}
    ).fetchall()
    return dict(zip((*_COLUMNS, "ended_at", "ended_why"), rows[0], strict=True)) if rows else None


def touch(cur: Cursor, session_id: str, now: datetime) -> None:
    """Note that the session was used now (its idle time starts again)."""
    cur.execute("UPDATE sessions SET last_seen = $now WHERE session_id = $id AND ended_at IS NULL",
                {"id": session_id, "now": now})  # fmt: skip


def end_session(cur: Cursor, session_id: str, why: str, now: datetime) -> int:
    """End one session; how many were ended (0 when it had ended already)."""
    return _ended(cur, "session_id = $key", session_id, why, now)


def end_by_token(cur: Cursor, token_hash: str, why: str, now: datetime) -> int:
    """End the session a cookie's token belongs to."""
    return _ended(cur, "token_hash = $key", token_hash, why, now)


def end_account(cur: Cursor, account: str, why: str, now: datetime) -> int:
    """End every session of an account (a new password or role, the account removed, "sign out everywhere")."""
    return _ended(cur, "account = $key", account, why, now)


def end_all(cur: Cursor, why: str, now: datetime | None = None) -> int:
    """End every session (the accounts were replaced by a restore)."""
    rows = cur.execute(
        """UPDATE sessions SET ended_at = coalesce($now, current_timestamp), ended_why = $why, grant_hash = NULL
           WHERE ended_at IS NULL RETURNING session_id""",
        {"why": why, "now": now},
    ).fetchall()
    return len(rows)


def _ended(cur: Cursor, where: str, key: str, why: str, now: datetime) -> int:
    rows = cur.execute(
        f"""UPDATE sessions SET ended_at = $now, ended_why = $why, grant_hash = NULL
            WHERE {where} AND ended_at IS NULL RETURNING session_id""",
        {"key": key, "why": why, "now": now},
    ).fetchall()
    return len(rows)


def active_sessions(cur: Cursor, now: datetime, idle_since: datetime) -> pd.DataFrame:
    """The sessions still running (not ended, not expired, used since `idle_since`), newest first."""
    return cur.execute(
        f"""SELECT {", ".join(_COLUMNS)} FROM sessions
            WHERE ended_at IS NULL AND expires_at > $now AND last_seen > $idle ORDER BY last_seen DESC""",
        {"now": now, "idle": idle_since},
    ).df()


def prune_sessions(cur: Cursor, before: datetime) -> int:
    """Forget sessions that ended or expired before `before` (kept a while, so that the page can say why one ended)."""
    rows = cur.execute(
        "DELETE FROM sessions WHERE coalesce(ended_at, expires_at) < $before RETURNING session_id", {"before": before}
    ).fetchall()
    return len(rows)


def session_account(cur: Cursor, session_id: str | None = None, token_hash: str | None = None) -> dict | None:
    """A session (by id or by its cookie token's hash) with its account's current role, in one query (it is asked on
    every run of a signed-in page); None when there is no such session or its account is gone."""
    where = "s.session_id = $key" if session_id is not None else "s.token_hash = $key"
    rows = cur.execute(
        f"""SELECT s.session_id, s.account, s.via, s.last_seen, s.expires_at, s.ended_at, u.role
            FROM sessions s JOIN users u ON u.name = s.account WHERE {where}""",
        {"key": session_id if session_id is not None else token_hash},
    ).fetchall()
    keys = ("session_id", "account", "via", "last_seen", "expires_at", "ended_at", "role")
    return dict(zip(keys, rows[0], strict=True)) if rows else None
