"""At most a few page runs execute at once in a server process; the others wait their turn, in arrival order.

Every run is Python under one GIL. With fifty runs at once each gets a fiftieth of a core, so after an upload the
run that computes a result forty others wait for crawls, and every officer waits for everyone; a few at a time
finish sooner on average and no later at the end. A run waiting here holds nothing (no snapshot, no lock).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT_SLOTS = 4  # for two cores: a run's SQL is done outside the GIL, so a few more runs than cores keep both busy


def slot_count(value: str | None) -> int:
    """How many runs may execute at once: $PILOT_RUN_SLOTS (a whole number above 0), else DEFAULT_SLOTS."""
    if value is None or not value.strip():
        return DEFAULT_SLOTS
    if value.strip().isdigit() and int(value) >= 1:
        return int(value)
    logging.getLogger(__name__).warning("PILOT_RUN_SLOTS=%r is not a whole number above 0; using %d", value,
                                        DEFAULT_SLOTS)  # fmt: skip
    return DEFAULT_SLOTS


RUN_SLOTS = threading.Semaphore(slot_count(os.environ.get("PILOT_RUN_SLOTS")))  # `with RUN_SLOTS:` around a run


@contextmanager
def set_aside() -> Iterator[None]:
    """Give this run's slot to others while it waits on something slow that is not the page's work (checking a
    password, which waits its turn for argon2): a flood of sign-ins never holds the slots signed-in officers need."""
    RUN_SLOTS.release()
    try:
        yield
    finally:
        RUN_SLOTS.acquire()
