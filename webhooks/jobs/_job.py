"""One round of a job: read the canonical event, run the handlers due, decide what next.

What next is one of: the final outcome (``done``, ``stale``, ``dead``, ``failed``), written
once by ``record_outcome``; or a retry, written with its progress by ``schedule_run``,
which enqueues the next round on the retry queue after the backoff. No round sleeps in a
worker slot while it waits for a retry, so a vendor that is down only slows its own items.

Reading the event (the adapter's hooks, a vendor fetch, the connection's credentials and
mapping) fails in two ways: a retryable ``CanonryError`` (vendor 5xx or unreachable, Vault
sealed, the database briefly down) is retried with backoff, ``read_attempts`` times, then
the item is ``dead`` with the error (replayable); anything else ``failed`` at once.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from canonical import AdapterError, CanonryError, Event
from registry._event_store import ReplicaWrite
from webhooks._inbox import InboxItem, InboxStatus
from webhooks.handlers import Handler
from webhooks.jobs._bulkhead import VendorBusy
from webhooks.jobs._context import ConnectionContext
from webhooks.jobs._database import JobInterrupted, is_transient, with_database
from webhooks.jobs._events import build_event_read, deleted_remote_ids, fetch_record
from webhooks.jobs._gate import Loaded, Outcome, Retry, record_outcome, schedule_run
from webhooks.jobs._log import READ_STEP, describe, log_attempt, log_outcome
from webhooks.jobs._metrics import job_metrics
from webhooks.jobs._progress import Progress, backoff
from webhooks.jobs._run import run_round
from webhooks.jobs._runtime import JobRuntime
from webhooks.jobs._settings import RETRY_QUEUE_NAME

__all__ = ["Job", "connection_context", "finish", "vendor_of"]

_CONTEXT_LOCK = threading.Lock()
_EARLY = 0.05  # a handler due this soon runs in this round
_BUSY_WAIT = 0.5  # first wait after the vendor's bulkhead was full (doubling)


def connection_context(runtime: JobRuntime) -> ConnectionContext:
    """The runtime's per-connection cache of adapters and mappers (made once)."""
    with _CONTEXT_LOCK:
        context = runtime.caches.get("context")
        if context is None:
            url = runtime.engine.url.render_as_string(hide_password=False)
            context = ConnectionContext(
                url,
                factory=runtime.registry_factory,
                max_age=runtime.settings.credential_cache_seconds,
            )
            runtime.caches["context"] = context
            runtime.caches.setdefault("closers", []).append(context.close)
    assert isinstance(context, ConnectionContext)
    return context


def vendor_of(runtime: JobRuntime, item: InboxItem) -> str:
    """The vendor API the item's connection calls, as last resolved (no I/O)."""
    found = connection_context(runtime).peek(item.tenant, item.connection_id)
    return found.vendor if found is not None else item.adapter


def finish(runtime: JobRuntime, item: InboxItem, run_round: int, outcome: Outcome) -> str:
    """Record ``outcome`` (retrying while the database is down); count and log it."""
    written = with_database(
        "recording the outcome of",
        lambda: record_outcome(runtime.engine, item, run_round, outcome),
        stopping=runtime.stopping,
        item_id=item.id,
    )
    if not written:
        return "superseded"  # another run of this job finished or handed it on first
    metrics = job_metrics()
    metrics.jobs.labels(outcome.status.value).inc()
    elapsed = (datetime.now(UTC) - item.received_at).total_seconds()
    metrics.latency.labels(outcome.status.value).observe(max(0.0, elapsed))
    if outcome.status in (InboxStatus.DEAD, InboxStatus.FAILED):
        log_outcome(item, outcome.status.value, outcome.error, item.attempts + outcome.attempts)
    return "processed"


@dataclass
class Job:
    """Round ``run_round`` of the job of ``loaded.item``."""

    runtime: JobRuntime
    loaded: Loaded
    run_round: int
    replay: bool = False
    skip: Sequence[str] = ()
    _deleted: tuple[str, ...] | None = None
    """What this round's reading of the event removed besides its object (None: not read)."""

    @property
    def item(self) -> InboxItem:
        return self.loaded.item

    def run(self) -> str:
        progress = Progress.from_json(self.item.progress)
        progress.done.extend(n for n in self.skip if n not in progress.done)
        event = progress.stored_event()
        if event is None:
            read = self._read(progress)
            if isinstance(read, str):
                return read
            event = read
        return self._handle(event, progress)

    # the outcome ------------------------------------------------------------------
    def _finish(self, outcome: Outcome) -> str:
        return finish(self.runtime, self.item, self.run_round, outcome)

    def retry(self, retry: Retry) -> str:
        """Hand the item on to its next round (retrying while the database is down)."""
        schema = self.runtime.settings.dbos_schema
        written = with_database(
            "scheduling a retry of",
            lambda: schedule_run(
                self.runtime.engine,
                self.item,
                self.run_round,
                retry,
                replay=self.replay,
                schema=schema,
            ),
            stopping=self.runtime.stopping,
            item_id=self.item.id,
        )
        return "retrying" if written else "superseded"

    # reading the event -------------------------------------------------------------
    def _fetch(self, item: InboxItem, stream: str, remote_id: str) -> dict[str, Any] | None:
        context = connection_context(self.runtime)
        vendor = vendor_of(self.runtime, item)
        with self.runtime.bulkhead.enter(f"connection {item.connection_id}", f"vendor {vendor}"):
            return fetch_record(context, item, stream, remote_id)

    def _read(self, progress: Progress) -> Event | str:
        context = connection_context(self.runtime)
        item = self.item
        try:
            event, read = build_event_read(context, item, self._fetch)
            self._deleted = read.deleted_remote_ids
            return event
        except VendorBusy:
            progress.busy += 1  # not an attempt: the vendor was not even called
            wait = backoff(_BUSY_WAIT, 2.0, progress.busy, self.runtime.settings.max_retry_delay)
            jitter = random.uniform(0.8, 1.2)  # noqa: S311 (spreading retries, not crypto)
            return self.retry(Retry(wait * jitter, RETRY_QUEUE_NAME,
                                    progress=progress))  # fmt: skip
        except CanonryError as exc:
            if exc.retryable:
                return self._read_failed(exc, progress)
            error = f"{type(exc).__name__}: {exc}"
            log_attempt(item, READ_STEP, progress.read_tries + 1, exc)
            return self._finish(Outcome(InboxStatus.FAILED, error, 1))
        except Exception as exc:
            if not is_transient(exc):
                raise
            unavailable = CanonryError(f"the database failed: {describe(exc)}")
            unavailable.retryable = True  # Canonry's own database, briefly unreachable
            return self._read_failed(unavailable, progress)

    def _read_failed(self, exc: CanonryError, progress: Progress) -> str:
        settings = self.runtime.settings
        progress.read_tries += 1
        tries = progress.read_tries
        vendor = vendor_of(self.runtime, self.item) if isinstance(exc, AdapterError) else None
        self.runtime.health.failed(self.item.connection_id, vendor)
        if tries >= settings.read_attempts:
            log_attempt(self.item, READ_STEP, tries, exc, max_attempts=settings.read_attempts)
            error = f"{READ_STEP}: {describe(exc)}"
            return self._finish(Outcome(InboxStatus.DEAD, error, 1, progress))
        wait = backoff(
            settings.read_retry_interval,
            settings.read_backoff_rate,
            tries,
            settings.max_retry_delay,
        )
        log_attempt(
            self.item, READ_STEP, tries, exc, max_attempts=settings.read_attempts, wait=wait
        )
        error = f"{READ_STEP}: {describe(exc)}"
        return self.retry(Retry(wait, RETRY_QUEUE_NAME, error, 1, progress))

    # the handlers ------------------------------------------------------------------
    def _todo(self, event: Event, progress: Progress) -> list[Handler]:
        matching = self.runtime.handlers.matching(event.type.value, event.vendor_event_type)
        if self.loaded.stale and not self.replay:
            matching = [h for h in matching if h.runs_on_stale]
        settled = set(progress.done) | set(progress.given_up)
        return [h for h in matching if h.name not in settled]

    def _due(self, todo: list[Handler], progress: Progress) -> list[Handler] | float:
        """The handlers to call now, or how long until the first is due."""
        now = time.time()
        due = [h for h in todo if progress.due.get(h.name, 0.0) <= now + _EARLY]
        if due or not todo:
            return due
        wait = min(progress.due.get(h.name, now) for h in todo) - now
        if wait > 1.0:
            return wait
        if self.runtime.stopping.wait(wait):
            raise JobInterrupted(f"stopped while item {self.item.id} waited for a retry")
        return todo

    def _handle(self, event: Event, progress: Progress) -> str:
        todo = self._todo(event, progress)
        due = self._due(todo, progress)
        if isinstance(due, float):
            progress.keep_event(event)
            return self.retry(Retry(due, RETRY_QUEUE_NAME, progress=progress))
        result = run_round(due, event, self.item, progress)
        pending = [h for h in todo if h.name in progress.pending]
        health = self.runtime.health
        if pending:
            health.failed(self.item.connection_id)
            wait = max(0.0, min(progress.due[h.name] for h in pending) - time.time())
            progress.keep_event(event)
            error = progress.error_summary()
            return self.retry(Retry(wait, RETRY_QUEUE_NAME, error, result.calls, progress))
        health.succeeded(self.item.connection_id, vendor_of(self.runtime, self.item))
        keep = progress if (self.replay or progress.errors or self.item.progress) else None
        stale = self.loaded.stale and not self.replay
        replica = self._replica(event)
        if progress.given_up:
            error = progress.error_summary()
            return self._finish(Outcome(InboxStatus.DEAD, error, result.calls, keep, replica))
        status = InboxStatus.STALE if stale else InboxStatus.DONE
        return self._finish(Outcome(status, None, result.calls, keep, replica))

    def _replica(self, event: Event) -> ReplicaWrite:
        """What the outcome writes to the record store (``registry._event_store``)."""
        deleted = self._deleted
        if deleted is None:  # the event came from an earlier round: read it again
            deleted = deleted_remote_ids(connection_context(self.runtime), self.item)
        return ReplicaWrite(event, self._stream_of(event), stale=self.loaded.stale,
                            deleted_remote_ids=deleted)  # fmt: skip

    def _stream_of(self, event: Event) -> str | None:
        """The adapter stream whose records are the event's object (None: none such)."""
        model = event.data.object_type if event.data is not None else event.object_type
        found = connection_context(self.runtime).peek(self.item.tenant, self.item.connection_id)
        if model is None or found is None:
            return None
        streams = [s.name for s in found.adapter_cls.streams if s.model.lower() == model]
        return streams[0] if len(streams) == 1 else None
