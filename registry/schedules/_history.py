"""The sync history of a tenant: every run (manual or scheduled) and every tick that made
no run (skipped, or failed before the run began), newest first."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from registry._models import as_utc
from registry._tables import ConnectionRow, SyncRunRow
from registry.schedules._tables import TickRow
from registry.schedules._views import HistoryEntry

__all__ = ["sync_history"]

_RUNS: sa.Table = SyncRunRow.__table__  # type: ignore[attr-defined]
_TICKS: sa.Table = TickRow.__table__  # type: ignore[attr-defined]
_CONNECTIONS: sa.Table = ConnectionRow.__table__  # type: ignore[attr-defined]


def _runs(tenant: str, connection_id: str | None, limit: int) -> sa.Select[Any]:
    query = (
        sa.select(_RUNS, _CONNECTIONS.c.name.label("connection_name"),
                  _TICKS.c.id.label("tick_id"), _TICKS.c.trigger)
        .join(_CONNECTIONS, _CONNECTIONS.c.id == _RUNS.c.connection_id)
        .outerjoin(_TICKS, _TICKS.c.sync_run_id == _RUNS.c.id)
        .where(_RUNS.c.tenant == tenant)
        .order_by(_RUNS.c.started_at.desc())
        .limit(limit)
    )  # fmt: skip
    if connection_id is not None:
        query = query.where(_RUNS.c.connection_id == connection_id)
    return query


def _ticks(tenant: str, connection_id: str | None, limit: int) -> sa.Select[Any]:
    query = (
        sa.select(_TICKS, _CONNECTIONS.c.name.label("connection_name"))
        .join(_CONNECTIONS, _CONNECTIONS.c.id == _TICKS.c.connection_id)
        .where(_TICKS.c.tenant == tenant, _TICKS.c.sync_run_id.is_(None))
        .order_by(_TICKS.c.started_at.desc())
        .limit(limit)
    )
    if connection_id is not None:
        query = query.where(_TICKS.c.connection_id == connection_id)
    return query


def _from_run(row: Any) -> HistoryEntry:
    return HistoryEntry(
        run_id=row.id, tick_id=row.tick_id, connection_id=row.connection_id,
        connection=row.connection_name, stream=row.stream, trigger=row.trigger or "manual",
        status=row.status, full=row.full, started_at=as_utc(row.started_at),
        finished_at=as_utc(row.finished_at) if row.finished_at else None,
        records=row.records, changed=row.changed, deleted=row.deleted, error=row.error,
    )  # fmt: skip


def _from_tick(row: Any) -> HistoryEntry:
    return HistoryEntry(
        run_id=None, tick_id=row.id, connection_id=row.connection_id,
        connection=row.connection_name, stream=row.stream, trigger=row.trigger,
        status=row.status, full=row.full, started_at=as_utc(row.started_at),
        finished_at=as_utc(row.finished_at) if row.finished_at else None,
        records=0, changed=0, deleted=0, error=row.note,
    )  # fmt: skip


def sync_history(
    engine: Engine, tenant: str, *, connection_id: str | None = None, limit: int = 20
) -> list[HistoryEntry]:
    """The ``limit`` newest entries of ``tenant`` (of one connection, if given)."""
    with engine.connect() as conn:
        runs = [_from_run(r) for r in conn.execute(_runs(tenant, connection_id, limit))]
        ticks = [_from_tick(r) for r in conn.execute(_ticks(tenant, connection_id, limit))]
    merged = sorted(runs + ticks, key=lambda e: e.started_at, reverse=True)
    return merged[:limit]
