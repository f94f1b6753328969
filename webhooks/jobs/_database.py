"""Canonry's own database calls inside a job: transient failures wait and retry.

A job reads its item and records its outcome in Canonry's database, which is also DBOS's.
When that database is briefly unreachable (a restart, a failover, SQLite's lock), the call
waits with capped exponential backoff and tries again, as DBOS does for its own tables: the
job pauses instead of failing, so its item never stays ``received`` behind a job DBOS
recorded as failed. Each wait is one log line. If the worker stops meanwhile, the job is
interrupted (``JobInterrupted``, a ``BaseException`` that DBOS does not record as the job's
error): it stays pending and resumes when a worker starts again or takes it over.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa

__all__ = ["JobInterrupted", "is_transient", "with_database"]

_log = logging.getLogger("canonry.webhooks.jobs")
_T = TypeVar("_T")
_FIRST_WAIT = 0.25
_MAX_WAIT = 5.0


class JobInterrupted(BaseException):
    """The worker stopped while a job waited for the database; the job resumes later."""


def is_transient(exc: BaseException) -> bool:
    """A database failure that goes away by itself: a lost or refused connection, an
    exhausted pool, a server shutting down, SQLite's ``database is locked``."""
    if isinstance(exc, sa.exc.TimeoutError):  # pool checkout
        return True
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if "database is locked" in str(orig):
        return True
    module = type(orig).__module__
    if module.startswith("psycopg"):
        import psycopg

        sqlstate = getattr(orig, "sqlstate", None) or ""
        return isinstance(orig, psycopg.OperationalError) or sqlstate[:2] in ("08", "53", "57")
    return False


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0][:200]


def with_database(
    what: str,
    call: Callable[[], _T],
    *,
    stopping: threading.Event,
    item_id: str = "",
) -> _T:
    """``call()``, retried while it fails transiently (see the module docstring)."""
    wait = _FIRST_WAIT
    attempt = 0
    while True:
        try:
            return call()
        except Exception as exc:
            if not is_transient(exc):
                raise
            attempt += 1
            _log.warning(
                "database unavailable while %s item %s (attempt %d): %s: %s; retrying in %.2fs",
                what,
                item_id,
                attempt,
                type(exc).__name__,
                _first_line(exc),
                wait,
                extra={
                    "canonry": {
                        "event": "database_retry",
                        "item_id": item_id,
                        "step": what,
                        "attempt": attempt,
                        "error_type": type(exc).__name__,
                    }
                },
            )
            if stopping.wait(wait):
                raise JobInterrupted(f"stopped while {what} item {item_id}") from exc
            wait = min(wait * 2, _MAX_WAIT)
