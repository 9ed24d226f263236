"""The one clock sign-in uses: naive UTC, as the sessions and failures tables keep it on both engines."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time, naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)
