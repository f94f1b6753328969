"""Starting DBOS for the jobs: its system tables, its configuration, the two queues.

DBOS's system tables live in Canonry's own database (SQLite file or PostgreSQL schema
``dbos``), so the endpoint inserts an inbox row and enqueues its job in one transaction.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from webhooks.jobs._settings import (
    APP_NAME,
    APP_VERSION,
    QUEUE_NAME,
    RETRY_QUEUE_NAME,
    JobSettings,
    dbos_database_url,
)

if TYPE_CHECKING:
    from webhooks.jobs._runtime import JobRuntime

__all__ = ["prepare_dbos", "start_processing"]

_log = logging.getLogger("canonry.webhooks.jobs")
_MIGRATED: set[tuple[str, str]] = set()


class _FirstLine(logging.Filter):
    """DBOS's warnings while its database is down carry whole tracebacks (a hundred lines
    each, every poll): keep their first line, so an outage is a few lines a second."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "\n" in message or record.exc_info:
            lines = [line for line in message.splitlines() if line.strip()]
            first = lines[0].split("Traceback", 1)[0].rstrip(": ") if lines else ""
            if "Traceback (most recent call last)" in message:
                first = f"{first}: {lines[-1].strip()[:200]}"  # the exception's own line
            error = record.exc_info[1] if record.exc_info else None
            if error is not None:
                text = (str(error).splitlines() or [""])[0][:200]
                first = f"{first}: {type(error).__name__}: {text}"
            record.msg, record.args, record.exc_info, record.exc_text = first, None, None, None
        return True


_ONE_LINE = _FirstLine()


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


def start_processing(runtime: JobRuntime, url: str) -> None:
    """Launch DBOS in this process: register the workflow and both queues, start beating."""
    from dbos import DBOS

    from webhooks.jobs import _workflow  # noqa: F401  (registers the workflow with DBOS)
    from webhooks.jobs._heartbeat import claim_executor, start_heartbeat

    settings = runtime.settings
    dbos_logger = logging.getLogger("dbos")
    if _ONE_LINE not in dbos_logger.filters:
        dbos_logger.addFilter(_ONE_LINE)
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
    DBOS.register_queue(
        RETRY_QUEUE_NAME,
        worker_concurrency=settings.retry_slots,
        partition_worker_concurrency=settings.connection_retry_slots,
        limiter={"limit": max(1, round(settings.retry_rate)), "period": 1.0},
        partition_limiter={"limit": max(1, round(settings.connection_retry_rate)), "period": 1.0},
        polling_interval_sec=settings.polling_interval,
        on_conflict="always_update",
    )
    runtime._threads.append(start_heartbeat(runtime))
    _log.info("webhook jobs running as executor %s", settings.executor_id)
