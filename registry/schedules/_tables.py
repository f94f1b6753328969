"""Tables of scheduled syncs: the schedules and the history of their ticks.

A schedule is one connection and stream run on a cron expression by DBOS's own durable
scheduler (``canonry-sync:<id>`` in DBOS's schedules table; this row holds what Canonry
needs besides: the periodic full sync and the run lock). Every tick DBOS fires is one row
of ``canonry_schedule_ticks`` (its id is the DBOS workflow id, so a tick is recorded once):
the run it made, or why it was skipped.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from registry._tables import utcnow

__all__ = ["ScheduleRow", "TickRow", "TickStatus"]


class TickStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


def _connection_fk() -> sa.ForeignKey:
    return sa.ForeignKey("connections.id", ondelete="CASCADE")


class ScheduleRow(SQLModel, table=True):
    """One scheduled stream of one connection (at most one per connection and stream)."""

    __tablename__ = "canonry_schedules"
    __table_args__ = (
        sa.UniqueConstraint(
            "tenant", "connection_id", "stream", name="uq_canonry_schedules_stream"
        ),
    )

    id: str = Field(primary_key=True, max_length=36)
    tenant: str = Field(max_length=100, index=True)
    connection_id: str = Field(max_length=36, sa_column_args=[_connection_fk()])
    stream: str = Field(max_length=100)
    cron: str = Field(max_length=120)
    """The cron expression DBOS fires on (six fields: seconds first)."""
    every_seconds: int | None = None
    """Set when the schedule was given as an interval (``--every 15m``)."""
    full_every_seconds: int | None = None
    """A tick is a full sync (with reconciliation) when the last one is this old."""
    last_full_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    running_workflow: str | None = Field(default=None, max_length=200)
    """The tick holding the run lock (at most one run per connection and stream)."""
    running_since: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    created_by: str = Field(max_length=200)


class TickRow(SQLModel, table=True):
    """One tick of a schedule: the run it made (``sync_run_id``) or why it was skipped."""

    __tablename__ = "canonry_schedule_ticks"
    __table_args__ = (
        sa.Index("ix_canonry_schedule_ticks_history", "tenant", "connection_id", "started_at"),
        sa.Index("ix_canonry_schedule_ticks_schedule", "schedule_id", "started_at"),
    )

    id: str = Field(primary_key=True, max_length=200)
    """The DBOS workflow id of the tick (one per scheduled time)."""
    schedule_id: str = Field(max_length=36)
    tenant: str = Field(max_length=100)
    connection_id: str = Field(max_length=36, sa_column_args=[_connection_fk()])
    stream: str = Field(max_length=100)
    trigger: str = Field(max_length=20)
    """``schedule`` or ``run-now``."""
    scheduled_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    started_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    status: str = Field(max_length=20)
    full: bool = False
    sync_run_id: str | None = Field(default=None, max_length=36)
    note: str | None = Field(default=None, sa_type=sa.Text)
    """Why a tick was skipped, or the error of a failed run."""
