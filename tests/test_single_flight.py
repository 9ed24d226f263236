"""The app's caches: concurrent misses of one key compute it once; a failed computation is not shared."""

from __future__ import annotations

import threading
import time

import pytest

from ui.single_flight import SingleFlightCache


def _slow_square(calls: list[int]):
    def square(x: int) -> int:
        calls.append(x)
        time.sleep(0.2)  # long enough for every other thread to arrive while it computes
        return x * x

    return square


def _at_once(function, args: list, threads: int = 20) -> list:
    results: list = [None] * threads
    start = threading.Barrier(threads)

    def call(i: int) -> None:
        start.wait()
        try:
            results[i] = function(args[i % len(args)])
        except Exception as exc:  # what each caller got
            results[i] = exc

    workers = [threading.Thread(target=call, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return results


# (what, the keys twenty callers ask for at once, how many computations)
CASES = [
    ("twenty misses of one key compute it once", [7], 1),
    ("two keys compute twice", [2, 3], 2),
]


@pytest.mark.parametrize(("what", "keys", "computed"), CASES, ids=[c[0] for c in CASES])
def test_concurrent_misses_compute_each_key_once(what, keys, computed):
    calls: list[int] = []
    cache = SingleFlightCache(_slow_square(calls), maxsize=8)
    results = _at_once(cache, keys)
    assert results == [keys[i % len(keys)] ** 2 for i in range(20)]
    assert len(calls) == computed == cache.computed, calls


def test_a_failed_computation_is_neither_cached_nor_handed_to_the_waiters():
    failures = iter([True])  # the first call fails (as a run whose snapshot went stale raises), the rest succeed
    calls: list[int] = []

    def flaky(x: int) -> int:
        calls.append(x)
        time.sleep(0.2)
        if next(failures, False):
            raise RuntimeError("this caller's own failure")
        return x + 1

    cache = SingleFlightCache(flaky, maxsize=8)
    results = _at_once(cache, [1], threads=10)
    assert sum(isinstance(r, RuntimeError) for r in results) == 1
    assert [r for r in results if not isinstance(r, RuntimeError)] == [2] * 9
    assert len(calls) == 2  # the failed call, then one waiter computed for all the others


def test_the_least_recently_used_result_is_forgotten_first():
    calls: list[int] = []
    cache = SingleFlightCache(lambda x: calls.append(x) or x, maxsize=2)
    for x in (1, 2, 1, 3, 1, 2):  # 3 pushes out 2 (1 was used since); 2 is computed again
        cache(x)
    assert calls == [1, 2, 3, 2]
    cache.cache_clear()
    cache(1)
    assert calls[-1] == 1 and cache.computed == 5
