"""The durable job: one DBOS workflow per inbox item (workflow id = item id).

1. load the item with its object's high-water mark (one read); an event older than the
   newest one already applied for its object is marked ``stale``;
2. build the canonical ``Event`` (HubSpot: fetch the object in a retried step);
3. run the matching handlers (``webhooks.jobs._run``: a first pass in the job, durable
   retries as DBOS steps for the ones that failed);
4. mark the item ``done``, or ``dead`` with the errors (``failed`` if it cannot be parsed),
   and raise its object's mark, in one transaction.

Deciding ``stale`` again when a job runs again (recovered after a crash, or taken over)
gives the same answer: events about one object share a queue partition that runs one job
at a time and holds it through crashes and recovery, so no newer event about the object
can be applied while this job is unfinished. The outcome is written only while the item
is unfinished: when two runs of one job race (a worker taken over while it still ran), the
first to finish records the outcome and the other changes nothing.

A worker that crashes mid-job resumes it on restart (or another worker takes it over):
handlers run at least once, with the same idempotency key, which makes their effect
exactly-once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from dbos import DBOS

from canonical import CanonryError
from webhooks._inbox import InboxItem, InboxStatus
from webhooks.jobs._context import ConnectionContext
from webhooks.jobs._events import build_event, fetch_record
from webhooks.jobs._gate import finish, load
from webhooks.jobs._metrics import job_metrics
from webhooks.jobs._run import run_handlers
from webhooks.jobs._runtime import JobRuntime, current_runtime
from webhooks.jobs._settings import WORKFLOW_NAME

__all__ = ["process_item"]

_MISSING = "missing"
_FINISHED = (InboxStatus.DONE, InboxStatus.DEAD, InboxStatus.FAILED, InboxStatus.STALE)
_log = logging.getLogger("canonry.webhooks.jobs")
_CONTEXT_LOCK = threading.Lock()


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


def _finish(
    runtime: JobRuntime, item: InboxItem, status: InboxStatus, error: str | None, attempts: int
) -> None:
    if not finish(runtime.engine, item, status, error=error, attempts=attempts):
        return  # another run of this job finished it first
    metrics = job_metrics()
    metrics.jobs.labels(status.value).inc()
    elapsed = (datetime.now(UTC) - item.received_at).total_seconds()
    metrics.latency.labels(status.value).observe(max(0.0, elapsed))


def _handle(runtime: JobRuntime, item: InboxItem, skip: Sequence[str], replay: bool) -> None:
    try:
        event = build_event(_context(runtime), item, _fetch)
    except CanonryError as exc:
        _finish(runtime, item, InboxStatus.FAILED, f"{type(exc).__name__}: {exc}", 0)
        return
    handlers = [
        h
        for h in runtime.handlers.matching(event.type.value, event.vendor_event_type)
        if h.name not in skip
    ]
    outcome = run_handlers(handlers, event, item.id, record=replay)
    status = InboxStatus.DEAD if outcome.errors else InboxStatus.DONE
    _finish(runtime, item, status, "; ".join(outcome.errors) or None, outcome.attempts)


@DBOS.workflow(name=WORKFLOW_NAME)
def process_item(item_id: str, replay: bool = False, skip: Sequence[str] = ()) -> str:
    """Process inbox item ``item_id``; returns ``processed``, ``missing`` or the status an
    earlier run (or the stale check) gave it."""
    runtime = current_runtime()
    loaded = load(runtime.engine, item_id)
    if loaded is None:
        _log.warning("inbox item %s is gone (purged?); nothing to do", item_id)
        return _MISSING
    item = loaded.item
    if item.status in _FINISHED:
        return item.status.value  # an earlier run of this job finished it
    if loaded.stale and not replay:
        _finish(runtime, item, InboxStatus.STALE, None, 0)
        return InboxStatus.STALE.value
    _handle(runtime, item, skip, replay)
    return "processed"
