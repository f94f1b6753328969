"""Public views of schedules and of the sync history (what the SDK and the CLI show)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["HistoryEntry", "Schedule"]


class Schedule(BaseModel):
    """One scheduled connection and stream."""

    model_config = ConfigDict(frozen=True)

    id: str
    connection_id: str
    connection: str
    stream: str
    cron: str
    every: str | None
    """The interval it was given as (``15m``), if any."""
    full_every: str | None
    status: Literal["active", "paused", "missing"]
    """``missing``: DBOS has no schedule for it (``resume`` creates it again)."""
    next_run_at: datetime | None
    running: bool
    last_full_at: datetime | None
    last_tick_at: datetime | None
    last_tick_status: str | None
    created_at: datetime


class HistoryEntry(BaseModel):
    """One sync run (manual or scheduled), or one skipped tick of a schedule."""

    model_config = ConfigDict(frozen=True)

    run_id: str | None
    tick_id: str | None
    connection_id: str
    connection: str
    stream: str
    trigger: Literal["manual", "schedule", "run-now"]
    status: str
    full: bool
    started_at: datetime
    finished_at: datetime | None
    records: int
    """Records read from the vendor."""
    changed: int
    deleted: int
    error: str | None
    """The run's error, or why the tick was skipped."""
