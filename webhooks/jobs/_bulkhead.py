"""Bulkheads: how many of a worker's jobs may call one connection's (or one vendor's) API
at the same moment.

A vendor that hangs holds every job calling it until the call times out. Each call to a
vendor API from a job (the HubSpot fetch of the object an event names) first takes a place
in the bulkheads of its connection and of its vendor host; when either is full the job does
not wait for one: it steps out of the way to the retry queue (without spending an attempt)
and tries again later, so at most ``vendor_concurrency`` jobs of a worker (half of its slots
by default) can hang on one vendor while the others keep serving everyone else.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from canonical import CanonryError

__all__ = ["Bulkhead", "VendorBusy"]


class VendorBusy(CanonryError):
    """This worker already has its limit of calls under way to the connection or vendor."""

    retryable = True


class Bulkhead:
    """Counted places per key (thread-safe); ``enter`` takes one in each key or none."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._used: dict[str, int] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def enter(self, *keys: str) -> Iterator[None]:
        """Hold a place in every one of ``keys`` for the block; ``VendorBusy`` if any is full."""
        with self._lock:
            full = [k for k in keys if self._used.get(k, 0) >= self.limit]
            if full:
                raise VendorBusy(
                    f"{self.limit} calls to {full[0]} are already under way in this worker",
                    hint="the job tries again from the retry queue in a moment",
                )
            for key in keys:
                self._used[key] = self._used.get(key, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                for key in keys:
                    self._used[key] -= 1
                    if not self._used[key]:
                        del self._used[key]

    def used(self, key: str) -> int:
        with self._lock:
            return self._used.get(key, 0)
