"""The durable job: one DBOS workflow per inbox item (workflow id = item id).

1. decide admission once, as a DBOS step: an event older than its object's newest
   admitted one is ``stale``; a job that runs again (recovered or taken over) replays
   the recorded decision, so a newer event admitted meanwhile cannot make it stale;
2. build the canonical ``Event`` (HubSpot: fetch the object in a retried step);
3. run each matching handler as its own DBOS step, retried with exponential backoff up
   to the handler's ``max_attempts``, with the idempotency key ``"{item_id}:{handler}"``;
4. mark the item ``done``, or ``dead`` with the errors (``failed`` if it cannot be parsed).

DBOS checkpoints each finished step, so after a crash the workflow resumes on restart (or
on another worker) and a handler whose step completed is not run again. A handler killed
mid-run runs again with the same key: at-least-once execution plus the idempotency key
gives an exactly-once effect.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from dbos import DBOS

from canonical import CanonryError, Event
from webhooks._inbox import InboxItem, InboxStatus
from webhooks.handlers import Handler
from webhooks.jobs._context import ConnectionContext
from webhooks.jobs._events import build_event, fetch_record
from webhooks.jobs._gate import finish, load
from webhooks.jobs._metrics import job_metrics
from webhooks.jobs._runtime import JobRuntime, current_runtime
from webhooks.jobs._settings import WORKFLOW_NAME

__all__ = ["GATE_STEP", "HANDLER_STEP_PREFIX", "idempotency_key", "process_item"]

HANDLER_STEP_PREFIX = "handler:"
GATE_STEP = "admission"
_ADMIT = "admit"
_MISSING = "missing"
_FINISHED = (InboxStatus.DONE, InboxStatus.DEAD, InboxStatus.FAILED)
_log = logging.getLogger("canonry.webhooks.jobs")
_CONTEXT_LOCK = threading.Lock()


def idempotency_key(item_id: str, handler: str) -> str:
    """The key a handler gets for an item: the same on every attempt and replay."""
    return f"{item_id}:{handler}"


def _context(runtime: JobRuntime) -> ConnectionContext:
    with _CONTEXT_LOCK:
        return _context_locked(runtime)


def _context_locked(runtime: JobRuntime) -> ConnectionContext:
    context = runtime.caches.get("context")
    if context is None:
        url = runtime.engine.url.render_as_string(hide_password=False)
        context = ConnectionContext(url, factory=runtime.registry_factory)
        runtime.caches["context"] = context
        runtime.caches.setdefault("closers", []).append(context.close)
    assert isinstance(context, ConnectionContext)
    return context


def _fetch(item: InboxItem, stream: str) -> dict[str, Any] | None:
    context = _context(current_runtime())
    options: Any = {
        "name": "fetch_object",
        "retries_allowed": True,
        "max_attempts": 5,
        "interval_seconds": 1.0,
        "backoff_rate": 2.0,
        "should_retry": lambda exc: bool(getattr(exc, "retryable", False)),
    }
    found: dict[str, Any] | None = DBOS.run_step(options, fetch_record, context, item, stream)
    return found


def _call(handler: Handler, event: Event, key: str, attempts: list[int]) -> int:
    """One attempt; returns the attempts the step made, which DBOS records with it."""
    attempts[0] += 1
    try:
        handler.func(event, idempotency_key=key)
    except Exception:
        job_metrics().attempts.labels(handler.name, "error").inc()
        raise
    job_metrics().attempts.labels(handler.name, "ok").inc()
    return attempts[0]


def _run_handler(handler: Handler, event: Event, item_id: str) -> tuple[str | None, int]:
    """Run one handler as a retried step; return (error or None, attempts it made).

    A step that already finished in an earlier run of the job is replayed: its attempts
    come from the recorded outcome, so a job resumed after a crash still counts them."""
    counter = [0]
    options: Any = {
        "name": f"{HANDLER_STEP_PREFIX}{handler.name}",
        "retries_allowed": handler.max_attempts > 1,
        "max_attempts": handler.max_attempts,
        "interval_seconds": handler.retry_interval,
        "backoff_rate": handler.backoff_rate,
    }
    key = idempotency_key(item_id, handler.name)
    try:
        made: int = DBOS.run_step(options, _call, handler, event, key, counter)
    except Exception as exc:
        errors = getattr(exc, "errors", None)  # DBOSMaxStepRetriesExceeded keeps each attempt's
        if isinstance(errors, list) and errors:
            last, tried = errors[-1], len(errors)
        else:  # one attempt (or a replayed failure, which made at least one)
            last, tried = exc, max(counter[0], 1)
        return f"{handler.name}: {type(last).__name__}: {last}", tried
    return None, made


def _finish(
    runtime: JobRuntime, item: InboxItem, status: InboxStatus, error: str | None, attempts: int
) -> None:
    finish(runtime.engine, item, status, error=error, attempts=attempts)
    metrics = job_metrics()
    metrics.jobs.labels(status.value).inc()
    elapsed = (datetime.now(UTC) - item.received_at).total_seconds()
    metrics.latency.labels(status.value).observe(max(0.0, elapsed))


def _handle(runtime: JobRuntime, item: InboxItem, skip: Sequence[str]) -> None:
    try:
        event = build_event(_context(runtime), item, _fetch)
    except CanonryError as exc:
        _finish(runtime, item, InboxStatus.FAILED, f"{type(exc).__name__}: {exc}", 0)
        return
    errors: list[str] = []
    attempts = 0
    for handler in runtime.handlers.matching(event.type.value, event.vendor_event_type):
        if handler.name in skip:
            continue
        error, made = _run_handler(handler, event, item.id)
        attempts += made
        if error is not None:
            errors.append(error)
    status = InboxStatus.DEAD if errors else InboxStatus.DONE
    _finish(runtime, item, status, "; ".join(errors) or None, attempts)


def _decide(runtime: JobRuntime, item_id: str, replay: bool) -> str:
    """The admission decision: ``missing``, a final status already reached, ``stale``, or
    ``admit``."""
    loaded = load(runtime.engine, item_id)
    if loaded is None:
        return _MISSING
    if not replay and loaded.item.status in (InboxStatus.DONE, InboxStatus.STALE):
        return loaded.item.status.value
    if not replay and loaded.stale:
        return InboxStatus.STALE.value
    return _ADMIT


def _admission(runtime: JobRuntime, item_id: str, replay: bool) -> str:
    """Decide once per job, as a DBOS step: a job that runs again (recovered, taken over)
    gets the recorded answer, not one changed by a newer event admitted in between."""
    options: Any = {"name": GATE_STEP, "retries_allowed": False}
    decision: str = DBOS.run_step(options, _decide, runtime, item_id, replay)
    return decision


@DBOS.workflow(name=WORKFLOW_NAME)
def process_item(item_id: str, replay: bool = False, skip: Sequence[str] = ()) -> str:
    """Process inbox item ``item_id``; returns the item's final status."""
    runtime = current_runtime()
    decision = _admission(runtime, item_id, replay)
    loaded = load(runtime.engine, item_id) if decision != _MISSING else None
    if loaded is None:
        _log.warning("inbox item %s is gone (purged?); nothing to do", item_id)
        return _MISSING
    item = loaded.item
    if decision == InboxStatus.STALE.value and item.status is not InboxStatus.STALE:
        _finish(runtime, item, InboxStatus.STALE, None, 0)
        return InboxStatus.STALE.value
    if decision != _ADMIT:
        return decision
    if not replay and item.status in _FINISHED:
        return item.status.value  # an earlier run of this job finished it
    _handle(runtime, item, skip)
    return "processed"
