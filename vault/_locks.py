"""Per-connection locks that serialise OAuth refreshes.

``ConnectionLock.hold(tenant, connection)`` is a context manager. ``ThreadConnectionLock``
serialises threads of one process; ``SqlConnectionLock`` (in ``_locks_sql``) adds a lock
shared by every process using the same database. Locks are not re-entrant, and waiting is
bounded: after ``timeout`` seconds ``hold`` raises ``ConflictError`` (retryable).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from canonical import ConflictError

__all__ = ["ConnectionLock", "ThreadConnectionLock", "lock_key", "lock_timeout_error"]


def lock_key(tenant: str, connection: str) -> str:
    """The lock's name for one connection."""
    return f"canonry:oauth:{tenant}/{connection}"


def lock_timeout_error(key: str, timeout: float) -> ConflictError:
    return ConflictError(
        f"gave up after {timeout:g}s waiting for the refresh lock {key!r}",
        hint="another worker is refreshing this connection; retry shortly",
    )


class ConnectionLock(ABC):
    """Mutual exclusion for one (tenant, connection) pair."""

    @abstractmethod
    def hold(self, tenant: str, connection: str) -> AbstractContextManager[None]:
        """Block until this caller holds the connection's lock; release on exit."""


_REGISTRY_GUARD = threading.Lock()
_PROCESS_LOCKS: dict[str, threading.Lock] = {}


def _process_lock(key: str) -> threading.Lock:
    with _REGISTRY_GUARD:
        return _PROCESS_LOCKS.setdefault(key, threading.Lock())


class ThreadConnectionLock(ConnectionLock):
    """One lock per connection, shared by every instance in this process.

    Enough for one worker process with many threads; use ``SqlConnectionLock`` when several
    processes or machines refresh the same connections.
    """

    def __init__(self, *, timeout: float = 30.0) -> None:
        self.timeout = timeout

    @contextmanager
    def hold(self, tenant: str, connection: str) -> Iterator[None]:
        key = lock_key(tenant, connection)
        lock = _process_lock(key)
        if not lock.acquire(timeout=self.timeout):
            raise lock_timeout_error(key, self.timeout)
        try:
            yield
        finally:
            lock.release()
