"""How the jobs run: queue, concurrency, executor id, heartbeats; from ``CANONRY_*`` variables."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from canonical import ConfigurationError
from webhooks._settings import settings_from_env

__all__ = [
    "APP_NAME",
    "APP_VERSION",
    "QUEUE_NAME",
    "RETRY_QUEUE_NAME",
    "WORKFLOW_NAME",
    "JobSettings",
    "dbos_database_url",
]

APP_NAME = "canonry"
QUEUE_NAME = "canonry-webhooks"
"""New deliveries: one partition per object (events about one object run one at a time)."""
RETRY_QUEUE_NAME = "canonry-webhooks-retry"
"""Retries, and the items of connections that are failing now: one partition per
connection, and at most ``retry_concurrency`` of a worker's jobs at once, so a failing
vendor never holds the slots new deliveries of healthy connections need."""
WORKFLOW_NAME = "canonry.webhooks.process_item"
APP_VERSION = "canonry-webhooks-4"
"""Fixed, so workers with different handler modules still share (and recover) one queue.
Bump it only when the workflow's step sequence changes incompatibly (2: the admission
decision became the first step; 3: handlers run in a first pass without steps, and only
failed ones retry as steps; 4: a retry is a new run of the job enqueued with a delay on
the retry queue, no step sleeps in a worker slot); drain the older workers' jobs before
retiring them."""

_ENV = {
    "database_url": "CANONRY_DATABASE_URL",
    "concurrency": "CANONRY_WORKER_CONCURRENCY",
    "executor_id": "CANONRY_EXECUTOR_ID",
    "dbos_schema": "CANONRY_DBOS_SCHEMA",
    "dead_after": "CANONRY_WORKER_DEAD_AFTER",
    "polling_interval": "CANONRY_QUEUE_POLL_SECONDS",
    "retry_concurrency": "CANONRY_RETRY_CONCURRENCY",
    "read_attempts": "CANONRY_JOB_READ_ATTEMPTS",
    "vendor_concurrency": "CANONRY_VENDOR_CONCURRENCY",
    "credential_cache_seconds": "CANONRY_WEBHOOK_CACHE_SECONDS",
    "retry_rate": "CANONRY_RETRY_RATE",
    "connection_retry_rate": "CANONRY_CONNECTION_RETRY_RATE",
}


class JobSettings(BaseModel):
    """Settings of the processing side (``canonry worker`` or in-process with ``serve``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    database_url: str | None = Field(default=None, description="None: CANONRY_DATABASE_URL")
    concurrency: int = Field(default=16, ge=1, le=1000, description="jobs at once per worker")
    executor_id: str = Field(
        default_factory=socket.gethostname,
        min_length=1,
        max_length=100,
        description="stable per worker: a restarted worker recovers its own unfinished jobs",
    )
    dbos_schema: str = Field(default="dbos", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
    heartbeat_interval: float = Field(default=1.0, gt=0, le=60)
    dead_after: float = Field(
        default=15.0, gt=0, le=3600, description="a silent worker's jobs are taken over after"
    )
    polling_interval: float = Field(default=0.05, gt=0, le=10)
    retry_concurrency: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="jobs at once on the retry queue per worker (None: half of concurrency)",
    )
    connection_retry_concurrency: int | None = Field(
        default=None, ge=1, le=1000, description="of those, per connection (None: half)"
    )
    retry_rate: float = Field(
        default=50.0,
        gt=0,
        le=100_000,
        description="retry-queue jobs started per second, all workers together: what retries "
        "may cost the database and the CPU while a vendor fails",
    )
    connection_retry_rate: float = Field(
        default=10.0, gt=0, le=100_000, description="of those, per connection"
    )
    vendor_concurrency: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="jobs of a worker calling one connection's (or vendor host's) API at once "
        "(None: half of concurrency)",
    )
    read_attempts: int = Field(
        default=10,
        ge=1,
        le=100,
        description="attempts at reading an event (vendor, credentials) before it is dead",
    )
    read_retry_interval: float = Field(default=1.0, ge=0, le=3600)
    read_backoff_rate: float = Field(default=2.0, ge=1, le=10)
    max_retry_delay: float = Field(
        default=300.0, gt=0, le=86400, description="longest wait before a read retry"
    )
    credential_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="how long secrets changed outside Canonry (in Vault) stay cached; "
        "changes made through Canonry apply within about a second",
    )
    degraded_seconds: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="after a retryable failure, a connection's new items go to the retry "
        "queue for this long (or until one of its jobs succeeds)",
    )

    @property
    def retry_slots(self) -> int:
        """Jobs at once on the retry queue (per worker)."""
        return self.retry_concurrency or max(1, self.concurrency // 2)

    @property
    def vendor_slots(self) -> int:
        """Calls at once to one connection's or vendor host's API (per worker)."""
        return self.vendor_concurrency or max(1, self.concurrency // 2)

    @property
    def connection_retry_slots(self) -> int:
        """Jobs of one connection at once on the retry queue (per worker)."""
        wanted = self.connection_retry_concurrency or max(1, self.retry_slots // 2)
        return min(wanted, self.retry_slots)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        return settings_from_env(cls, _ENV, environ, overrides, what="worker settings")


def dbos_database_url(url: str) -> str:
    """Canonry's SQLAlchemy URL in the form DBOS takes (``postgresql+psycopg`` / ``sqlite``)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(
            "the database URL cannot be parsed",
            hint="use sqlite:///path/to/canonry.db or postgresql://user@host/db",
        ) from exc
    driver = parsed.drivername
    if driver.startswith("sqlite"):
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    if driver.split("+")[0] in ("postgresql", "postgres"):
        fixed = parsed.set(drivername="postgresql+psycopg")
        return fixed.render_as_string(hide_password=False)
    raise ConfigurationError(
        f"DBOS cannot run on {driver!r}", hint="use SQLite (default) or PostgreSQL"
    )
