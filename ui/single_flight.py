"""A process-wide LRU cache in which concurrent misses of one key compute it once: the first caller computes, the
others wait for its result (fifty sessions opening the same page in a meeting do not compute it fifty times).

If the computing call raises, nothing is cached and each waiter computes for itself: the failure may be the
caller's own (Streamlit's rerun, raised when its run's snapshot went stale), not the key's.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class _Pending:
    """A key being computed: waiters block on `done` and then read `value`, or compute for themselves."""

    __slots__ = ("done", "failed", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.failed = False
        self.value: Any = None


class SingleFlightCache(Generic[T]):
    """`function(*args)` cached by its arguments, at most `maxsize` results, least recently used forgotten first;
    or, without a function, results looked up by a key of the caller's with `get`."""

    def __init__(self, function: Callable[..., T] | None, maxsize: int):
        self._function = function
        self._maxsize = maxsize
        self._results: OrderedDict[Hashable, T] = OrderedDict()
        self._pending: dict[Hashable, _Pending] = {}
        self._lock = threading.Lock()
        self.computed = 0  # how many times the function ran (misses that computed), for tests and the benchmark
        if function is not None:
            functools.update_wrapper(self, function)

    def __call__(self, *args: Hashable) -> T:
        function = self._function
        assert function is not None, "a cache without a function is read with get()"
        return self.get(args, lambda: function(*args))

    def __contains__(self, key: Hashable) -> bool:
        """Whether a result is kept for `key` (without computing it or marking it used)."""
        with self._lock:
            return key in self._results

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The result kept for `key`, else compute()'s, kept (computed once however many callers miss at once)."""
        while True:
            with self._lock:
                if key in self._results:
                    self._results.move_to_end(key)
                    return self._results[key]
                pending = self._pending.get(key)
                if pending is None:
                    pending = self._pending[key] = _Pending()
                    break
            pending.done.wait()
            if not pending.failed:
                return pending.value
        try:
            value = compute()
        except BaseException:
            pending.failed = True
            raise
        else:
            pending.value = value
            with self._lock:
                self.computed += 1
                self._results[key] = value
                while len(self._results) > self._maxsize:
                    self._results.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._pending.pop(key, None)
            pending.done.set()

    def cache_clear(self) -> None:
        """Forget every result (calls being computed still finish, and are kept)."""
        with self._lock:
            self._results.clear()


def single_flight(maxsize: int) -> Callable[[Callable[..., T]], SingleFlightCache[T]]:
    """Decorate a function with a SingleFlightCache of `maxsize` results."""
    return lambda function: SingleFlightCache(function, maxsize)
