"""Running an event's handlers for one round of a job, and what their failures mean.

Each handler due in this round is called once, in name order, with the idempotency key
``"{item_id}:{handler}"``. A handler that succeeds is done; one that fails is retried in a
later round after its backoff (``retry_interval`` before the second attempt, times
``backoff_rate`` after each), until it has made ``max_attempts``. A ``CanonryError`` that is
not retryable (bad data, refused credentials) is not retried. Every attempt is one log
line (``webhooks.jobs._log``); failures are warnings.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from canonical import CanonryError, Event
from webhooks._inbox import InboxItem
from webhooks.handlers import Handler
from webhooks.jobs._log import describe, log_attempt
from webhooks.jobs._metrics import job_metrics
from webhooks.jobs._progress import Progress, backoff

__all__ = ["RoundResult", "idempotency_key", "run_round"]


def idempotency_key(item_id: str, handler: str) -> str:
    """The key a handler gets for an item: the same on every attempt and replay."""
    return f"{item_id}:{handler}"


@dataclass
class RoundResult:
    """The handler calls one round made; ``progress`` holds their cumulative effect."""

    calls: int = 0
    failed: list[str] = field(default_factory=list)


def _give_up(exc: BaseException) -> bool:
    return isinstance(exc, CanonryError) and not exc.retryable


def _call(handler: Handler, event: Event, key: str) -> BaseException | None:
    try:
        handler.func(event, idempotency_key=key)
    except Exception as exc:
        job_metrics().attempts.labels(handler.name, "error").inc()
        return exc
    job_metrics().attempts.labels(handler.name, "ok").inc()
    return None


def _record_failure(
    progress: Progress, handler: Handler, exc: BaseException, now: float
) -> tuple[int, float | None]:
    tries = progress.tries.get(handler.name, 0) + 1
    progress.tries[handler.name] = tries
    progress.errors[handler.name] = describe(exc)
    if tries >= handler.max_attempts or _give_up(exc):
        progress.given_up.append(handler.name)
        progress.due.pop(handler.name, None)
        return tries, None
    wait = backoff(handler.retry_interval, handler.backoff_rate, tries)
    progress.due[handler.name] = now + wait
    return tries, wait


def run_round(
    handlers: Sequence[Handler], event: Event, item: InboxItem, progress: Progress
) -> RoundResult:
    """Call each handler of ``handlers`` once; update ``progress`` with what happened."""
    result = RoundResult()
    for handler in handlers:
        error = _call(handler, event, idempotency_key(item.id, handler.name))
        result.calls += 1
        if error is None:
            progress.done.append(handler.name)
            progress.due.pop(handler.name, None)
            progress.errors.pop(handler.name, None)
            if handler.name in progress.tries:
                progress.tries[handler.name] += 1
            log_attempt(item, handler.name, progress.tries.get(handler.name, 1), None)
            continue
        tries, wait = _record_failure(progress, handler, error, time.time())
        result.failed.append(handler.name)
        log_attempt(item, handler.name, tries, error, max_attempts=handler.max_attempts, wait=wait)
    return result
