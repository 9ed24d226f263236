"""How guessing passwords is slowed without locking anyone out: after a few failures a client waits before its next
try, longer after each, at most half a minute; a browser that signed in as the name before (its device cookie) has a
count of its own, so an attacker guessing from anywhere never keeps the owner out. And the address a request comes
from, taking a reverse proxy's word for it only when the proxy is one configured as trusted."""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Sequence
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)  # failures older than this are forgotten
FREE_TRIES = 5  # a client's failures before it must wait between tries
NAME_FREE_TRIES = 50  # failures for a name from clients without its device cookie, before all of them wait
MAX_WAIT_S = 30  # the longest wait: what an officer can sit out, never a lock an attacker renews


def wait_seconds(failures: Sequence[datetime], free: int, now: datetime) -> float:
    """How long a client (or every untrusted client of a name) must still wait before its next try, given its
    failures within the window: none for the first `free`, then 1, 2, 4 … seconds after the last, at most 30."""
    recent = sorted(t for t in failures if now - t < WINDOW)
    if len(recent) < free:
        return 0.0
    wait = min(2.0 ** (len(recent) - free), MAX_WAIT_S)
    return max((recent[-1] + timedelta(seconds=wait) - now).total_seconds(), 0.0)


def trusted_proxies(value: str | None = None) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The reverse proxies whose X-Forwarded-For is believed: $PILOT_TRUSTED_PROXIES, addresses or networks separated
    by commas (127.0.0.1 for nginx on the same machine); none by default."""
    raw = os.environ.get("PILOT_TRUSTED_PROXIES", "") if value is None else value
    networks = []
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            logging.getLogger(__name__).warning("PILOT_TRUSTED_PROXIES: %r is not an address; ignored", part)
    return networks


def client_address(peer: str | None, forwarded_for: str | None, proxies: Sequence = ()) -> str:
    """The address a request comes from: the peer's, unless the peer is a trusted proxy, then the last address in
    X-Forwarded-For that is not itself a trusted proxy (a client can write what it likes at the start of it)."""
    chain = [*(a.strip() for a in (forwarded_for or "").split(",") if a.strip()), peer or ""]
    for address in reversed(chain):
        if not trusted(address, proxies):
            return address
    return chain[0]


def trusted(address: str, proxies: Sequence) -> bool:
    """Whether an address is one of the trusted proxies'."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)
