"""Which connections and vendor hosts are failing now, as this worker has seen them.

A retryable failure of a job marks its connection failing (and its vendor host, when the
vendor's API failed) for ``degraded_seconds``; a job of that connection that succeeds
clears it. While a connection or its host is failing, its new items leave the main queue
for the retry queue before they start (where its jobs share a few slots), so a vendor that
is down or hangs cannot take the slots that healthy connections' deliveries need.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Health"]


class Health:
    """Failing connections and hosts, in this process (thread-safe)."""

    def __init__(self, degraded_for: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.degraded_for = degraded_for
        self._clock = clock
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def failed(self, connection_id: str, host: str | None = None) -> None:
        until = self._clock() + self.degraded_for
        with self._lock:
            self._until[f"c:{connection_id}"] = until
            if host is not None:
                self._until[f"h:{host}"] = until

    def succeeded(self, connection_id: str, host: str | None = None) -> None:
        with self._lock:
            self._until.pop(f"c:{connection_id}", None)
            if host is not None:
                self._until.pop(f"h:{host}", None)

    def failing(self, connection_id: str, host: str | None = None) -> bool:
        """Is the connection (or its vendor host) failing now?"""
        now = self._clock()
        keys = [f"c:{connection_id}"] + ([f"h:{host}"] if host is not None else [])
        with self._lock:
            return any(self._until.get(key, 0.0) > now for key in keys)
