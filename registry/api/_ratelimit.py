"""Per-key rate limits: a token bucket per API key, in this process.

Each key refills at its ``rate_per_minute``, with a burst of a tenth of a minute's worth
(at least 10). A refused request learns when one token will be back (``Retry-After``, whole
seconds, rounded up). Limits are per server process: with N processes a key can reach N
times its rate.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RateLimiter"]


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    @staticmethod
    def burst(rate_per_minute: int) -> float:
        return float(max(10, rate_per_minute // 10))

    def take(self, key: str, rate_per_minute: int) -> float | None:
        """None if the request may go ahead, else the seconds until it could."""
        per_second = rate_per_minute / 60.0
        capacity = self.burst(rate_per_minute)
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(capacity, now)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.stamp) * per_second)
            bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return (1.0 - bucket.tokens) / per_second

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
