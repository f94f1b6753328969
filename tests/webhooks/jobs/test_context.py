"""The per-connection cache builds each value once, even when many jobs ask at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from webhooks.jobs._context import ConnectionContext


def _slow_builder(calls: list[int], pause: float = 0.2) -> Callable[[], int]:
    def build() -> int:
        calls.append(1)
        time.sleep(pause)
        return len(calls)

    return build


def test_many_threads_asking_for_a_missing_value_build_it_once() -> None:
    context = ConnectionContext("sqlite://", ttl=60)
    calls: list[int] = []
    build = _slow_builder(calls)
    with ThreadPoolExecutor(8) as pool:
        values = list(pool.map(lambda _: context._cached(("k",), build), range(8)))
    assert calls == [1]
    assert values == [1] * 8


def test_an_expired_value_is_rebuilt_by_one_thread_while_the_others_use_it() -> None:
    """No timing: the rebuild is held until the other caller has had its answer, so a
    caller that waited for the rebuild would get 2 (after the hold gave up), never 1."""
    context = ConnectionContext("sqlite://", ttl=0)  # every value is expired when next asked
    calls: list[int] = []
    rebuilding, release = threading.Event(), threading.Event()

    def build() -> int:
        calls.append(1)
        if len(calls) == 2:
            rebuilding.set()
            release.wait(120)
        return len(calls)

    assert context._cached(("k",), build) == 1
    context.ttl = 3600  # the rebuilt value stays fresh
    rebuilt: list[object] = []
    rebuilder = threading.Thread(target=lambda: rebuilt.append(context._cached(("k",), build)))
    rebuilder.start()
    try:
        assert rebuilding.wait(120)  # the rebuild is under way
        assert context._cached(("k",), build) == 1  # the old value, without waiting
    finally:
        release.set()
        rebuilder.join(120)
    assert rebuilt == [2]
    assert calls == [1, 1]
    assert context._cached(("k",), build) == 2
