"""A thread-safe token bucket, and a registry that gives each connection its own.

``reserve()`` takes tokens at once and returns how long the caller must wait before using
them, so waiting happens outside the lock and concurrent callers queue up in order
(the "virtual scheduling" form of the token bucket). ``acquire()`` reserves and sleeps.
The clock and the sleep function are injectable, so tests control time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import ClassVar

from canonical import ConfigurationError

__all__ = ["RateLimiter"]


class RateLimiter:
    """Allow ``rate`` calls per second on average, with bursts of up to ``burst`` calls.

    The bucket starts full. Use one limiter per vendor connection (``for_key``) and share
    it between every client and thread that talks to that connection.
    """

    _registry: ClassVar[dict[str, RateLimiter]] = {}
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        _validate(rate, burst)
        self._rate = float(rate)
        self._burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._updated = clock()

    def __repr__(self) -> str:
        return f"<RateLimiter rate={self._rate}/s burst={self._burst}>"

    @property
    def rate(self) -> float:
        return self._rate

    @property
    def burst(self) -> int:
        return self._burst

    def reserve(self, tokens: float = 1.0) -> float:
        """Take ``tokens`` now; return the seconds to wait before using them (0: go ahead)."""
        if not 0 < tokens <= self._burst:
            raise ConfigurationError(
                f"cannot take {tokens} tokens from a bucket of {self._burst}",
                hint="ask for at least one token and no more than the burst size",
            )
        with self._lock:
            self._refill()
            self._tokens -= tokens
            return 0.0 if self._tokens >= 0 else -self._tokens / self._rate

    def acquire(
        self, tokens: float = 1.0, *, sleep: Callable[[float], None] | None = None
    ) -> float:
        """Block until ``tokens`` are available; return the seconds waited.

        ``sleep`` overrides the limiter's own for this call (a caller's injected sleep).
        """
        delay = self.reserve(tokens)
        if delay > 0:
            (sleep or self._sleep)(delay)
        return delay

    def configure(self, rate: float, burst: int) -> None:
        """Change the rate and burst in place (tokens above the new burst are dropped)."""
        _validate(rate, burst)
        with self._lock:
            self._refill()
            self._rate = float(rate)
            self._burst = burst
            self._tokens = min(self._tokens, float(burst))

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(float(self._burst), self._tokens + elapsed * self._rate)
        self._updated = now

    # registry ------------------------------------------------------------------------
    @classmethod
    def for_key(
        cls,
        key: str,
        *,
        rate: float,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> RateLimiter:
        """The process-wide limiter for ``key`` (e.g. ``"hubspot:conn_123"``).

        The first call creates it; later calls return the same object, reconfigured when
        ``rate`` or ``burst`` changed (a connection's limits were edited).
        """
        with cls._registry_lock:
            limiter = cls._registry.get(key)
            if limiter is None:
                limiter = cls._registry[key] = cls(rate, burst, clock=clock)
            elif (limiter.rate, limiter.burst) != (float(rate), burst):
                limiter.configure(rate, burst)
            return limiter

    @classmethod
    def forget(cls, key: str) -> None:
        """Drop the limiter for ``key`` (a deleted connection); unknown keys are ignored."""
        with cls._registry_lock:
            cls._registry.pop(key, None)


def _validate(rate: float, burst: int) -> None:
    if not rate > 0 or burst < 1:
        raise ConfigurationError(
            f"invalid rate limit: rate={rate!r}/s, burst={burst!r}",
            hint="use a rate above 0 calls per second and a burst of at least 1",
        )
