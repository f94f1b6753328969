"""The per-connection cache builds each value once per connection version, even when many
jobs ask at once; a newer version replaces the older one's value."""

from __future__ import annotations

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
    context = ConnectionContext("sqlite://")
    calls: list[int] = []
    build = _slow_builder(calls)
    with ThreadPoolExecutor(8) as pool:
        values = list(pool.map(lambda _: context._once(("a", "c1", "v1"), build), range(8)))
    assert calls == [1]
    assert values == [1] * 8


def test_a_new_version_is_built_once_and_replaces_the_old_one() -> None:
    context = ConnectionContext("sqlite://")
    calls: list[int] = []
    build = _slow_builder(calls, pause=0.01)
    assert context._once(("a", "c1", "v1"), build) == 1
    assert context._once(("a", "c1", "v1"), build) == 1
    assert context._once(("a", "c2", "v1"), build) == 2  # another connection: its own
    assert context._once(("a", "c1", "v2"), build) == 3
    assert sorted(context._built) == [("a", "c1", "v2"), ("a", "c2", "v1")]
    assert calls == [1, 1, 1]
