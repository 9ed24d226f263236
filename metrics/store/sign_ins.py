"""What slows guessing, kept in the database so that every server process and a restart share it: failed sign-ins
by name and client, and the browsers that signed in as a name before (their device cookie's hash)."""

from __future__ import annotations

from datetime import datetime

from .transactions import Cursor


def note_failure(cur: Cursor, name_key: str, client: str, now: datetime) -> None:
    """Record a failed sign-in for a name from a client ('address:…' or 'device:…')."""
    cur.execute("INSERT INTO sign_in_failures (name_key, client, failed_at) VALUES ($name, $client, $now)",
                {"name": name_key, "client": client[:120], "now": now})  # fmt: skip


def failures(cur: Cursor, name_key: str, since: datetime, client: str | None = None,
             untrusted_only: bool = False) -> list[datetime]:  # fmt: skip
    """When a name's sign-ins failed since `since`: from one client, or from all (or all without a device cookie)."""
    where = ""
    if client is not None:
        where = " AND client = $client"
    elif untrusted_only:
        where = " AND client NOT LIKE 'device:%'"
    rows = cur.execute(
        f"SELECT failed_at FROM sign_in_failures WHERE name_key = $name AND failed_at >= $since{where}",
        {"name": name_key, "since": since, **({"client": client} if client is not None else {})},
    ).fetchall()
    return [r[0] for r in rows]


def forgive(cur: Cursor, name_key: str, client: str, failed_at: datetime) -> None:
    """Take back a failure counted before its check, the check having matched."""
    cur.execute("DELETE FROM sign_in_failures WHERE name_key = $name AND client = $client AND failed_at = $at",
                {"name": name_key, "client": client[:120], "at": failed_at})  # fmt: skip


def forget_failures(cur: Cursor, before: datetime) -> None:
    """Forget failures older than the window (their count is bounded by the guesses of one window)."""
    cur.execute("DELETE FROM sign_in_failures WHERE failed_at < $before", {"before": before})


def trust_device(cur: Cursor, token_hash: str, name_key: str, now: datetime) -> None:
    """Remember a browser that signed in as a name (its device cookie's token, hashed)."""
    cur.execute("INSERT INTO trusted_devices (token_hash, name_key, created_at, last_used) VALUES ($t, $n, $now, $now)",
                {"t": token_hash, "n": name_key, "now": now})  # fmt: skip


def device_name(cur: Cursor, token_hash: str, since: datetime) -> str | None:
    """The name a device cookie's token was trusted for, when used since `since`; None for an unknown or old one."""
    rows = cur.execute("SELECT name_key FROM trusted_devices WHERE token_hash = $t AND last_used >= $since",
                       {"t": token_hash, "since": since}).fetchall()  # fmt: skip
    return str(rows[0][0]) if rows else None


def forget_devices(cur: Cursor, before: datetime, name_key: str | None = None, keep: str = "") -> None:
    """Forget devices unused since `before`, or all of a name's but the one whose token hash is `keep` (a new password
    makes them strangers again, except the browser of the person who set their own)."""
    if name_key is None:
        cur.execute("DELETE FROM trusted_devices WHERE last_used < $before", {"before": before})
    else:
        cur.execute("DELETE FROM trusted_devices WHERE name_key = $name AND token_hash <> $keep",
                    {"name": name_key, "keep": keep})  # fmt: skip
