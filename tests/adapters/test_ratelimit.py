"""RateLimiter: token-bucket spacing on an injected clock, thread safety, per-key registry."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from adapters import RateLimiter
from canonical import ConfigurationError


class FakeClock:
    """A monotonic clock that only moves when the limiter sleeps (or the test says so)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def registry_key() -> Iterator[str]:
    key = "test:conn_ratelimit"
    yield key
    RateLimiter.forget(key)


def test_burst_goes_at_once_then_calls_are_spaced_by_one_over_rate(clock: FakeClock) -> None:
    limiter = RateLimiter(rate=4, burst=2, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(6):
        limiter.acquire()
        times.append(clock.now - 100.0)
    assert times == pytest.approx([0.0, 0.0, 0.25, 0.5, 0.75, 1.0])
    assert clock.sleeps == pytest.approx([0.25] * 4)


def test_idle_time_refills_up_to_burst_only(clock: FakeClock) -> None:
    limiter = RateLimiter(rate=1, burst=3, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        assert limiter.acquire() == 0
    clock.now += 60  # a long pause must not bank 60 tokens
    assert [limiter.reserve() for _ in range(4)] == pytest.approx([0, 0, 0, 1.0])


def test_reserve_queues_concurrent_callers_in_order(clock: FakeClock) -> None:
    limiter = RateLimiter(rate=2, burst=1, clock=clock)
    assert [limiter.reserve() for _ in range(4)] == pytest.approx([0.0, 0.5, 1.0, 1.5])


def test_threads_never_get_more_than_the_rate(clock: FakeClock) -> None:
    limiter = RateLimiter(rate=10, burst=1, clock=clock)
    delays: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            delay = limiter.reserve()
            with lock:
                delays.append(delay)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 200 reservations on a frozen clock: each waits exactly 0.1 s more than the last one.
    assert sorted(delays) == pytest.approx([n / 10 for n in range(200)])


def test_configure_changes_the_rate_in_place(clock: FakeClock) -> None:
    limiter = RateLimiter(rate=1, burst=5, clock=clock)
    limiter.configure(rate=4, burst=1)
    assert (limiter.rate, limiter.burst) == (4.0, 1)
    assert [limiter.reserve() for _ in range(3)] == pytest.approx([0.0, 0.25, 0.5])


def test_for_key_gives_each_connection_its_own_shared_limiter(registry_key: str) -> None:
    first = RateLimiter.for_key(registry_key, rate=5, burst=2)
    again = RateLimiter.for_key(registry_key, rate=5, burst=2)
    other = RateLimiter.for_key(registry_key + "_other", rate=5, burst=2)
    try:
        assert first is again
        assert other is not first
    finally:
        RateLimiter.forget(registry_key + "_other")


def test_for_key_reconfigures_when_the_limits_change(registry_key: str) -> None:
    first = RateLimiter.for_key(registry_key, rate=5, burst=2)
    changed = RateLimiter.for_key(registry_key, rate=1, burst=1)
    assert changed is first
    assert (first.rate, first.burst) == (1.0, 1)


def test_forget_drops_the_limiter(registry_key: str) -> None:
    first = RateLimiter.for_key(registry_key, rate=5)
    RateLimiter.forget(registry_key)
    RateLimiter.forget("never-registered")
    assert RateLimiter.for_key(registry_key, rate=5) is not first


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (float("nan"), 1), (1, 0)])
def test_invalid_limits_are_refused(rate: float, burst: int) -> None:
    with pytest.raises(ConfigurationError, match="invalid rate limit"):
        RateLimiter(rate, burst)


def test_asking_for_more_tokens_than_the_burst_is_refused(clock: FakeClock) -> None:
    limiter = RateLimiter(rate=1, burst=2, clock=clock)
    with pytest.raises(ConfigurationError, match="bucket of 2"):
        limiter.reserve(3)
    with pytest.raises(ConfigurationError):
        limiter.reserve(0)


def test_repr_shows_the_limits() -> None:
    assert repr(RateLimiter(2.5, 3)) == "<RateLimiter rate=2.5/s burst=3>"


def test_acquire_can_use_the_callers_sleep(clock: FakeClock) -> None:
    limiter = RateLimiter(rate=2, burst=1, clock=clock, sleep=clock.sleep)
    theirs: list[float] = []
    limiter.acquire(sleep=theirs.append)
    assert limiter.acquire(sleep=theirs.append) == pytest.approx(0.5)
    assert theirs == pytest.approx([0.5])
    assert clock.sleeps == []
