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
    context = ConnectionContext("sqlite://", ttl=0.05)
    calls: list[int] = []
    build = _slow_builder(calls, pause=0.3)
    assert context._cached(("k",), build) == 1
    time.sleep(0.1)  # expired
    rebuilt: list[object] = []
    rebuilder = threading.Thread(target=lambda: rebuilt.append(context._cached(("k",), build)))
    rebuilder.start()
    time.sleep(0.05)  # the rebuild is under way
    started = time.monotonic()
    assert context._cached(("k",), build) == 1
    assert time.monotonic() - started < 0.2  # did not wait for the rebuild
    rebuilder.join()
    assert rebuilt == [2]
    assert calls == [1, 1]
    assert context._cached(("k",), build) == 2
