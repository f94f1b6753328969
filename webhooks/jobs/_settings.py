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
    "WORKFLOW_NAME",
    "JobSettings",
    "dbos_database_url",
]

APP_NAME = "canonry"
QUEUE_NAME = "canonry-webhooks"
WORKFLOW_NAME = "canonry.webhooks.process_item"
APP_VERSION = "canonry-webhooks-3"
"""Fixed, so workers with different handler modules still share (and recover) one queue.
Bump it only when the workflow's step sequence changes incompatibly (2: the admission
decision became the first step; 3: handlers run in a first pass without steps, and only
failed ones retry as steps); drain the older workers' jobs before retiring them."""

_ENV = {
    "database_url": "CANONRY_DATABASE_URL",
    "concurrency": "CANONRY_WORKER_CONCURRENCY",
    "executor_id": "CANONRY_EXECUTOR_ID",
    "dbos_schema": "CANONRY_DBOS_SCHEMA",
    "dead_after": "CANONRY_WORKER_DEAD_AFTER",
    "polling_interval": "CANONRY_QUEUE_POLL_SECONDS",
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
