"""DBOS in this process: launch for a worker (or in-process with ``serve``), and shut down.

DBOS is a process-wide singleton: one ``JobRuntime`` per process at a time. It carries what
the jobs of this process share: engine, handlers, settings, the health of connections and
vendors (``_health``), the vendor bulkheads (``_bulkhead``) and the jobs running now.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.engine import Engine

from canonical import ConfigurationError
from registry import Registry, create_engine, database_url_from_env
from webhooks.handlers import DEFAULT_HANDLERS, HandlerRegistry, load_handlers
from webhooks.jobs._bulkhead import Bulkhead
from webhooks.jobs._database import JobInterrupted
from webhooks.jobs._health import Health
from webhooks.jobs._settings import JobSettings
from webhooks.jobs._startup import prepare_dbos, start_processing

__all__ = ["JobRuntime", "current_runtime", "launch_dbos", "prepare_dbos"]

_log = logging.getLogger("canonry.webhooks.jobs")
_LOCK = threading.Lock()
_CURRENT: JobRuntime | None = None


@dataclass
class JobRuntime:
    """What the workflows of this process use: engine, handlers, settings."""

    settings: JobSettings
    engine: Engine
    handlers: HandlerRegistry
    role: str
    processing: bool
    registry_factory: Callable[[str], Registry] | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    caches: dict[str, Any] = field(default_factory=dict)
    health: Health = field(default_factory=lambda: Health(30.0))
    bulkhead: Bulkhead = field(default_factory=lambda: Bulkhead(8))
    _running: set[str] = field(default_factory=set)
    _running_lock: threading.Lock = field(default_factory=threading.Lock)
    _last_beat: float = field(default_factory=time.monotonic)
    _beaten: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        self.health = Health(self.settings.degraded_seconds)
        self.bulkhead = Bulkhead(self.settings.vendor_slots)

    def beat_ok(self, when: float) -> None:
        """The heartbeat reached the database at ``when`` (monotonic)."""
        with self._beaten:
            self._last_beat = when
            self._beaten.notify_all()

    def wait_for_database(self) -> None:
        """Before a job starts: if this worker's heartbeats have failed for half of
        ``dead_after`` (others may soon declare it dead), wait until one succeeds."""
        limit = self.settings.dead_after / 2
        with self._beaten:
            while time.monotonic() - self._last_beat > limit:
                if self._stop.is_set():
                    raise JobInterrupted("stopped while the database was unreachable")
                self._beaten.wait(0.5)

    @property
    def stopping(self) -> threading.Event:
        return self._stop

    @contextlib.contextmanager
    def track(self, item_id: str) -> Iterator[None]:
        """Count ``item_id`` as running in this process while the block runs."""
        with self._running_lock:
            self._running.add(item_id)
        try:
            yield
        finally:
            with self._running_lock:
                self._running.discard(item_id)

    def running(self) -> list[str]:
        """The items whose job runs in this process now."""
        with self._running_lock:
            return sorted(self._running)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop taking jobs, let running ones finish for up to ``timeout`` s, release DBOS;
        the log says which jobs it waited for and which (if any) were left to resume."""
        global _CURRENT
        if self.processing:
            self._drain(timeout)
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        for closer in self.caches.pop("closers", []):
            closer()
        self.engine.dispose()
        with _LOCK:
            if _CURRENT is self:
                _CURRENT = None

    def _drain(self, timeout: float) -> None:
        from dbos import DBOS

        from webhooks.jobs._heartbeat import forget_worker

        waiting = self.running()
        if waiting:
            _log.info(
                "stopping: waiting up to %ss for %d running job(s) to finish: %s",
                f"{timeout:g}",
                len(waiting),
                ", ".join(waiting[:20]) + (" ..." if len(waiting) > 20 else ""),
                extra={"canonry": {"event": "shutdown_wait", "items": waiting}},
            )
        else:
            _log.info("stopping: no job running")
        started = time.monotonic()
        wait = max(0, int(timeout + 0.999))
        DBOS.destroy(workflow_completion_timeout_sec=wait)
        left = self.running()
        self._stop.set()  # what still runs (over the grace period) stops at its next wait
        if left:
            _log.warning(
                "stopped after %.1fs with %d job(s) unfinished; they resume on the next start "
                "or on another worker: %s",
                time.monotonic() - started,
                len(left),
                ", ".join(left[:20]),
                extra={"canonry": {"event": "shutdown_left", "items": left}},
            )
            return  # keep this worker's row: another worker sees its process gone, takes over
        _log.info(
            "stopped after %.1fs: %d running job(s) finished", time.monotonic() - started,
            len(waiting),
        )  # fmt: skip
        forget_worker(self.engine, self.settings.executor_id)

    def __enter__(self) -> JobRuntime:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.shutdown()


def current_runtime() -> JobRuntime:
    runtime = _CURRENT
    if runtime is None:
        raise ConfigurationError(
            "webhook jobs run outside a launched worker",
            hint="start them with `canonry worker` or webhooks.jobs.launch_dbos(...)",
        )
    return runtime


def launch_dbos(
    database_url: str | None = None,
    *,
    role: Literal["serve", "worker"],
    settings: JobSettings | None = None,
    handlers: HandlerRegistry | None = None,
    process: bool | None = None,
    registry_factory: Callable[[str], Registry] | None = None,
) -> JobRuntime:
    """Start processing webhook jobs in this process (or only prepare enqueueing).

    ``role="worker"`` always processes. ``role="serve"`` processes in-process by default
    on SQLite and not on PostgreSQL (run ``canonry worker`` processes there); pass
    ``process`` to choose. Without processing, DBOS's tables are only created so the
    endpoint can enqueue. ``registry_factory(tenant)`` overrides how jobs get a tenant's
    Registry (adapters, credential store). Returns the runtime; call ``shutdown()``.
    """
    global _CURRENT
    if settings is None:
        settings = JobSettings.from_env(database_url=database_url)
        if role == "serve" and not os.environ.get("CANONRY_EXECUTOR_ID"):
            # a `canonry worker` on the same host keeps the plain host name
            settings = settings.model_copy(update={"executor_id": f"{settings.executor_id}-serve"})
    raw_url = database_url or settings.database_url or database_url_from_env()
    url = prepare_dbos(raw_url, settings.dbos_schema)
    if process is None:
        process = role == "worker" or url.startswith("sqlite")
    if role == "worker":
        process = True
    with _LOCK:
        if _CURRENT is not None:
            raise ConfigurationError(
                "webhook jobs are already running in this process",
                hint="call shutdown() on the running JobRuntime first",
            )
        runtime = JobRuntime(
            settings=settings,
            engine=create_engine(raw_url, pool_size=settings.concurrency + 4, max_overflow=8),
            handlers=handlers if handlers is not None else _default_handlers(process),
            role=role,
            processing=process,
            registry_factory=registry_factory,
        )
        _CURRENT = runtime
    from webhooks.notify import attach_runtime  # scheduled syncs, notifications: before launch

    try:
        attach_runtime(runtime)
    except BaseException:
        runtime.shutdown(timeout=0)
        raise
    if process:
        try:
            start_processing(runtime, url)
        except BaseException:
            runtime.shutdown(timeout=0)
            raise
    return runtime


def _default_handlers(process: bool) -> HandlerRegistry:
    """``webhooks.on`` handlers, plus CANONRY_HANDLERS modules and the entry points."""
    if process:
        load_handlers(registry=DEFAULT_HANDLERS)
    return DEFAULT_HANDLERS
