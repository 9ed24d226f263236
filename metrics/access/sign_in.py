"""Signing in with a name and password, slowed where guessing comes from (limits.py), never locked; and the actor an
identity provider's sign-in stands for."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta

from ..domain.account_names import account_key
from ..domain.roles import Actor
from ..store import sign_ins
from ..store.accounts import get_user, replace_hash
from ..store.database import Database
from ..store.transactions import transaction
from . import clock, limits, passwords
from .sessions import token_hash

DEVICE_DAYS = 90  # a browser that signed in as a name keeps its own count of failures this long after its last use


@dataclass(frozen=True)
class Client:
    """Who is signing in, as far as the server can tell: the address (see limits.client_address), the browser's
    device cookie if it has one, and its user agent (shown in the list of sessions)."""

    address: str
    device: str | None = None
    user_agent: str = ""


@dataclass(frozen=True)
class Attempt:
    """What became of a sign-in: the actor, or None and how many seconds to wait before the next try is taken (0:
    the name or password was wrong)."""

    actor: Actor | None
    wait: float = 0.0


def sign_in(database: Database, name: str, password: str, client: Client,
            aside: Callable[[], AbstractContextManager] = contextlib.nullcontext) -> Attempt:  # fmt: skip
    """Sign in with a name (compared in any case and width) and password. A client that has failed too often waits
    a while (at most half a minute) before its next try is checked at all; a browser trusted for the name counts
    apart from everyone else, so guessing from anywhere never keeps the owner out.

    Each try is counted as a failure before its password is checked (and forgiven if it matches), so guesses sent
    at once are counted at once, not all checked before the first is counted. `aside`: what to hold while the
    check waits its turn for argon2 (the app gives its page-run slot to others).
    """
    key, at = account_key(name), clock.now()
    since = at - limits.WINDOW
    with database.write_lock, database.cursor() as cur, transaction(cur):  # counted and let through as one step
        trusted = client.device is not None and sign_ins.device_name(
            cur, token_hash(client.device), at - timedelta(days=DEVICE_DAYS)) == key  # fmt: skip
        who = f"device:{token_hash(client.device)[:32]}" if trusted and client.device else f"address:{client.address}"
        wait = limits.wait_seconds(sign_ins.failures(cur, key, since, client=who), limits.FREE_TRIES, at)
        if not trusted:
            everyone = sign_ins.failures(cur, key, since, untrusted_only=True)
            wait = max(wait, limits.wait_seconds(everyone, limits.NAME_FREE_TRIES, at))
        if wait > 0:
            return Attempt(None, wait)
        sign_ins.note_failure(cur, key, who, at)  # until the check says otherwise
        if random.random() < 0.05:  # now and then: the table holds one window's failures, no more
            sign_ins.forget_failures(cur, since)
        user = get_user(cur, name)
    stored = user["password_hash"] if user else None
    with aside():
        matched = passwords.matches(stored, password)
    if not matched or user is None or stored is None:
        return Attempt(None)
    with database.write_lock, database.cursor() as cur, transaction(cur):
        sign_ins.forgive(cur, key, who, at)
        if passwords.needs_rehash(stored):  # made with older (or cheaper) parameters: made again with today's
            replace_hash(cur, user["name"], passwords.hasher().hash(password))
    return Attempt(Actor(user["name"], user["role"], "password"))


def identity_actor(database: Database, email: str | None, verified: bool | None = None) -> Actor | None:
    """The actor for someone the identity provider signed in, matched on e-mail to an account without a password;
    None if there is none, or if the provider says the address is not verified."""
    if not email or verified is False:
        return None
    with database.cursor() as cur:
        user = get_user(cur, email.strip().lower())
    if user is None or user["password_hash"]:  # a password account is never entered without its password
        return None
    return Actor(user["name"], user["role"], "oidc")
