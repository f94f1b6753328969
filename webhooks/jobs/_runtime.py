"""DBOS in this process: launch for a worker (or in-process with ``serve``), and shut down.

DBOS's system tables live in Canonry's own database (SQLite file or PostgreSQL schema
``dbos``), so the endpoint inserts an inbox row and enqueues its job in one transaction.
DBOS is a process-wide singleton: one ``JobRuntime`` per process at a time.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from canonical import ConfigurationError
from registry import Registry, create_engine, database_url_from_env
from webhooks.handlers import DEFAULT_HANDLERS, HandlerRegistry, load_handlers
from webhooks.jobs._settings import (
    APP_NAME,
    APP_VERSION,
    QUEUE_NAME,
    JobSettings,
    dbos_database_url,
)

__all__ = ["JobRuntime", "current_runtime", "launch_dbos", "prepare_dbos"]

_log = logging.getLogger("canonry.webhooks.jobs")
_LOCK = threading.Lock()
_CURRENT: JobRuntime | None = None
_MIGRATED: set[tuple[str, str]] = set()


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

    @property
    def stopping(self) -> threading.Event:
        return self._stop

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop taking jobs, let running ones finish for up to ``timeout`` s, release DBOS."""
        global _CURRENT
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        if self.processing:
            from dbos import DBOS

            from webhooks.jobs._heartbeat import forget_worker

            DBOS.destroy(workflow_completion_timeout_sec=max(0, int(timeout)))
            forget_worker(self.engine, self.settings.executor_id)
        for closer in self.caches.pop("closers", []):
            closer()
        self.engine.dispose()
        with _LOCK:
            if _CURRENT is self:
                _CURRENT = None

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


def prepare_dbos(database_url: str, schema: str = "dbos") -> str:
    """Create or migrate DBOS's system tables in Canonry's database; return DBOS's URL."""
    from dbos import DBOS

    url = dbos_database_url(database_url)
    if (url, schema) not in _MIGRATED:
        DBOS.migrate(url, schema=schema)
        _MIGRATED.add((url, schema))
    return url


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    """DBOS's own SQLite settings (IMMEDIATE writers) plus Canonry's (WAL, NORMAL sync)."""
    dbapi_conn.isolation_level = "IMMEDIATE"
    for pragma in ("busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
        dbapi_conn.execute(f"PRAGMA {pragma}")


def _system_engine(url: str, pool_size: int) -> Engine | None:
    """On SQLite, DBOS's engine with ``synchronous=NORMAL`` like Canonry's own (WAL keeps
    every commit safe from a process crash; only a power loss can drop the newest ones).
    PostgreSQL: None, DBOS builds its engine from the URL."""
    if not url.startswith("sqlite"):
        return None
    engine = sa.create_engine(
        url, pool_size=pool_size, max_overflow=0, pool_timeout=30, hide_parameters=True
    )
    sa.event.listen(engine, "connect", _sqlite_connect)
    return engine


def _config(settings: JobSettings, url: str) -> Any:
    from dbos import DBOSConfig

    pool_size = max(10, settings.concurrency + 4)
    return DBOSConfig(
        name=APP_NAME,
        system_database_url=url,
        system_database_engine=_system_engine(url, pool_size),
        application_version=APP_VERSION,
        executor_id=settings.executor_id,
        dbos_system_schema=settings.dbos_schema,
        notification_listener_polling_interval_sec=settings.polling_interval,
        log_level="WARNING",
        sys_db_pool_size=pool_size,
    )


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
            _start(runtime, url)
        except BaseException:
            runtime.shutdown(timeout=0)
            raise
    return runtime


def _default_handlers(process: bool) -> HandlerRegistry:
    """``webhooks.on`` handlers, plus CANONRY_HANDLERS modules and the entry points."""
    if process:
        load_handlers(registry=DEFAULT_HANDLERS)
    return DEFAULT_HANDLERS


def _start(runtime: JobRuntime, url: str) -> None:
    from dbos import DBOS

    from webhooks.jobs import _workflow  # noqa: F401  (registers the workflow with DBOS)
    from webhooks.jobs._heartbeat import claim_executor, start_heartbeat

    settings = runtime.settings
    claim_executor(runtime.engine, settings.executor_id, settings.dead_after)
    config = _config(settings, url)
    system_engine = config.get("system_database_engine")
    if system_engine is not None:  # ours: DBOS does not dispose an engine it was given
        runtime.caches.setdefault("closers", []).append(system_engine.dispose)
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue(
        QUEUE_NAME,
        worker_concurrency=settings.concurrency,
        partition_concurrency=1,
        polling_interval_sec=settings.polling_interval,
        on_conflict="always_update",
    )
    runtime._threads.append(start_heartbeat(runtime))
    _log.info("webhook jobs running as executor %s", settings.executor_id)
