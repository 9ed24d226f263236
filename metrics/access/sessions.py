"""The sessions of signed-in browsers, known to the server: started at sign-in, their cookie handed over once
through a one-time grant (so the page's script never sees the token, and the cookie can be HttpOnly), checked on
every run, and ended by the server: at sign-out, a new password or role, "sign out everywhere", or after lying idle
or growing old. The cookie holds a random token; the database keeps only its hash."""

from __future__ import annotations

import hashlib
import logging
import os
import random
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd

from ..domain.account_names import account_key
from ..domain.roles import Actor
from ..store import sessions, sign_ins
from ..store.database import ENGINE_ERRORS, Database
from ..store.transactions import transaction
from . import clock

COOKIE, DEVICE_COOKIE = "pilot_session", "pilot_device"
# Over https the session cookie is named __Host-…: a browser keeps such a cookie only if it came Secure from this very
# host, so a page on another port or subdomain cannot plant its own session in the browser (sign someone in as itself).
HTTPS_COOKIE = f"__Host-{COOKIE}"
DEFAULT_HOURS, DEFAULT_IDLE_MINUTES = 8.0, 120.0  # a working day; a meeting's lull
GRANT_SECONDS = 120  # the browser fetches its cookie within this of signing in
TOUCH_EVERY = timedelta(minutes=1)  # how often a session's last use is written (not on every click)
KEEP_ENDED = timedelta(days=7)  # ended sessions are listed as ended for a week, then forgotten


def cookie_name(https: bool) -> str:
    """The session cookie's name for a browser on https (HTTPS_COOKIE) or plain http."""
    return HTTPS_COOKIE if https else COOKIE


@dataclass(frozen=True)
class Started:
    """A session begun at sign-in: its id (the Streamlit session keeps it) and the one-time grant its browser
    exchanges for the cookie (None when sign-ins are not remembered across reloads)."""

    session_id: str
    grant: str | None


def hours() -> float:
    """How long a session lasts at most: $PILOT_SESSION_HOURS (default 8; 0: a reload asks again)."""
    return _setting("PILOT_SESSION_HOURS", DEFAULT_HOURS)


def idle_limit() -> timedelta:
    """How long a session may lie unused before it ends: $PILOT_SESSION_IDLE_MINUTES (default 120)."""
    return timedelta(minutes=_setting("PILOT_SESSION_IDLE_MINUTES", DEFAULT_IDLE_MINUTES) or DEFAULT_IDLE_MINUTES)


def _setting(name: str, default: float) -> float:
    raw = os.environ.get(name)
    try:
        return max(float(raw), 0.0) if raw else default
    except ValueError:
        logging.getLogger(__name__).warning("%s=%r is not a number; using %s", name, raw, default)
        return default


def start(database: Database, actor: Actor, address: str, user_agent: str) -> Started:
    """A new session for someone who has just signed in."""
    session_id, at = secrets.token_urlsafe(18), clock.now()
    remembered = hours() > 0
    grant = secrets.token_urlsafe(32) if remembered and actor.via == "password" else None
    with database.write_lock, database.cursor() as cur, transaction(cur):
        sessions.insert_session(
            cur, session_id, actor.name, actor.via, at, at + timedelta(hours=hours() or DEFAULT_HOURS), address,
            user_agent, token_hash(grant) if grant else None, at + timedelta(seconds=GRANT_SECONDS) if grant else None,
        )  # fmt: skip
        if random.random() < 0.05:
            sessions.prune_sessions(cur, at - KEEP_ENDED)
    return Started(session_id, grant)


def redeem(database: Database, grant: str) -> tuple[str, str, int] | None:
    """The cookies a grant buys, once: (session token, device token, the session's seconds left); None for a grant
    unknown, used or expired. The tokens are made here and only their hashes kept."""
    token, device, at = secrets.token_urlsafe(32), secrets.token_urlsafe(32), clock.now()
    with database.write_lock, database.cursor() as cur, transaction(cur):
        expires = sessions.redeem_grant(cur, token_hash(grant), token_hash(token), at)
        if expires is None:
            return None
        session = sessions.find_by_token(cur, token_hash(token))
        if session is not None:
            sign_ins.trust_device(cur, token_hash(device), account_key(session["account"]), at)
    return token, device, int((expires - at).total_seconds())


def resume(database: Database, token: str) -> tuple[Actor, str] | None:
    """The actor and session a browser's cookie token stands for, while the session lives; else None."""
    return _live(database, token_hash=token_hash(token))


def check(database: Database, session_id: str) -> Actor | None:
    """The actor of a running session with the role the account has now; None once it has ended (signed out, a
    new password or role, signed out everywhere, the account removed, idle or too old)."""
    found = _live(database, session_id=session_id)
    return found[0] if found else None


def _live(database: Database, session_id: str | None = None, token_hash: str | None = None) -> tuple[Actor, str] | None:
    at = clock.now()
    with database.cursor() as cur:
        row = sessions.session_account(cur, session_id=session_id, token_hash=token_hash)
    if row is None or row["ended_at"] is not None:
        return None
    if row["expires_at"] <= at or row["last_seen"] <= at - idle_limit():
        end(database, row["session_id"], "idle" if row["expires_at"] > at else "expired")
        return None
    if at - row["last_seen"] >= TOUCH_EVERY:
        _touch(database, row["session_id"], at)
    return Actor(row["account"], row["role"], row["via"]), row["session_id"]


def _touch(database: Database, session_id: str, at) -> None:
    try:
        with database.write_lock, database.cursor() as cur, transaction(cur):
            sessions.touch(cur, session_id, at)
    except ENGINE_ERRORS:  # another run of the session touched it first: its last use is as recent
        pass


def end(database: Database, session_id: str, why: str = "signed out") -> None:
    """End a session on the server (its cookie, wherever it was copied to, signs nobody in again)."""
    with database.write_lock, database.cursor() as cur, transaction(cur):
        sessions.end_session(cur, session_id, why, clock.now())


def end_by_token(database: Database, token: str, why: str = "signed out") -> None:
    """End the session a cookie's token belongs to (the sign-out route, which sees the cookie)."""
    with database.write_lock, database.cursor() as cur, transaction(cur):
        sessions.end_by_token(cur, token_hash(token), why, clock.now())


def active(database: Database) -> pd.DataFrame:
    """The sessions running now, newest use first (for the Accounts page)."""
    at = clock.now()
    with database.cursor() as cur:
        return sessions.active_sessions(cur, at, at - idle_limit())


def token_hash(secret: str) -> str:
    """A cookie's or a grant's token as the database keeps it (never the token itself)."""
    return hashlib.sha256(secret.encode()).hexdigest()
