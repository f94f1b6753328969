"""The jobs' own tables: per-object high-water marks and worker heartbeats."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

__all__ = ["OBJECT_STATE", "WORKERS", "ObjectStateRow", "WorkerRow", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class ObjectStateRow(SQLModel, table=True):
    """The newest event applied per vendor object: older events arriving later are stale."""

    __tablename__ = "canonry_webhook_object_state"

    connection_id: str = Field(
        primary_key=True,
        max_length=36,
        sa_column_args=[sa.ForeignKey("connections.id", ondelete="CASCADE")],
    )
    object_type: str = Field(primary_key=True, max_length=100)
    object_id: str = Field(primary_key=True, max_length=255)
    occurred_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    item_id: str = Field(max_length=32)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class WorkerRow(SQLModel, table=True):
    """A running ``canonry worker`` (its DBOS executor id) and when it last said so."""

    __tablename__ = "canonry_webhook_workers"

    executor_id: str = Field(primary_key=True, max_length=100)
    hostname: str = Field(max_length=255)
    pid: int
    started_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    heartbeat_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


OBJECT_STATE: sa.Table = ObjectStateRow.__table__  # type: ignore[attr-defined]
WORKERS: sa.Table = WorkerRow.__table__  # type: ignore[attr-defined]
