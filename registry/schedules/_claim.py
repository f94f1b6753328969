"""The run lock of a schedule, and the record of every tick.

A tick takes the schedule's lock (``running_workflow``) with a compare-and-set, so at most
one run per connection and stream is in progress across all processes. A tick that finds
the lock held by a tick that is still alive in DBOS (running, queued, or waiting to be
recovered after a crash) is skipped and recorded; a lock left by a tick DBOS no longer
runs (cancelled, or failed outside Canonry's code) is taken over. Claiming is idempotent:
the same tick claiming again (a workflow re-run after a crash) gets the same plan.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from registry._outbox import SYNC_FAILED, add_event
from registry._tables import SyncRunRow
from registry.schedules._names import dbos_schedule_name
from registry.schedules._tables import ScheduleRow, TickRow, TickStatus

__all__ = ["ALIVE", "KEEP_SKIPPED", "claim", "release", "run_id_for", "trigger_of"]

ALIVE = frozenset({"PENDING", "ENQUEUED", "DELAYED"})
"""DBOS statuses of a tick that still holds its run (it runs, waits, or will be recovered)."""
KEEP_SKIPPED = timedelta(days=7)
"""Skipped ticks are kept this long (a run finishing prunes its schedule's older ones)."""
_SCHEDULES: sa.Table = ScheduleRow.__table__  # type: ignore[attr-defined]
_TICKS: sa.Table = TickRow.__table__  # type: ignore[attr-defined]
_RUNS: sa.Table = SyncRunRow.__table__  # type: ignore[attr-defined]
_NAMESPACE = uuid.UUID("6f1d2c84-3c0e-4b7e-9a43-1f3b1f6f2d10")
Plan = dict[str, Any]
"""What a tick does (a plain dict: DBOS checkpoints it as the claim step's output)."""


def utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def run_id_for(workflow_id: str) -> str:
    """The sync run of a tick: the same id every time the tick runs (after a crash too)."""
    return str(uuid.uuid5(_NAMESPACE, workflow_id))


def trigger_of(workflow_id: str) -> str:
    """``run-now`` for DBOS's triggered executions, else ``schedule``."""
    return "run-now" if "-trigger-" in workflow_id else "schedule"


def _holder_alive(client: Any, holder: str) -> bool:
    try:
        status = client.retrieve_workflow(holder).get_status()
    except Exception:  # DBOS raises its own error for an unknown workflow
        return False
    return str(status.status) in ALIVE


def _skip_reason(client: Any, row: Any, workflow_id: str, trigger: str) -> str | None:
    if trigger == "schedule":
        found = client.get_schedule(dbos_schedule_name(row.id))
        if found is not None and found.get("status") == "PAUSED":
            return "the schedule is paused"
    holder = row.running_workflow
    if holder and holder != workflow_id and _holder_alive(client, holder):
        return f"a run of this stream is in progress (tick {holder})"
    return None


def _full(row: Any, scheduled_at: datetime) -> bool:
    if row.full_every_seconds is None:
        return False
    if row.last_full_at is None:
        return True
    age = (scheduled_at - utc(row.last_full_at)).total_seconds()
    return age >= int(row.full_every_seconds)


def _plan(tick: Any) -> Plan:
    status = "run" if tick.status == TickStatus.RUNNING.value else str(tick.status)
    return {
        "status": status, "tick": tick.id, "schedule_id": tick.schedule_id,
        "tenant": tick.tenant, "connection_id": tick.connection_id, "stream": tick.stream,
        "full": bool(tick.full), "run_id": tick.sync_run_id,
        "scheduled_at": utc(tick.scheduled_at).isoformat(),
    }  # fmt: skip


def _tick(conn: Connection, workflow_id: str) -> Any:
    return conn.execute(sa.select(_TICKS).where(_TICKS.c.id == workflow_id)).first()


def _take_lock(conn: Connection, row: Any, workflow_id: str, now: datetime) -> bool:
    held = row.running_workflow
    guard = _SCHEDULES.c.running_workflow.is_(None) if held is None else (
        _SCHEDULES.c.running_workflow == held
    )  # fmt: skip
    result = conn.execute(
        sa.update(_SCHEDULES)
        .where(_SCHEDULES.c.id == row.id, guard)
        .values(running_workflow=workflow_id, running_since=now)
    )
    return int(result.rowcount) == 1


def claim(
    engine: Engine, client: Any, *, schedule_id: str, workflow_id: str, scheduled_at: datetime,
    now: datetime,
) -> Plan:  # fmt: skip
    """Take the run lock for tick ``workflow_id`` and record the tick; the plan says
    whether to run (``status: run``) and what (full or incremental, the run id)."""
    with engine.begin() as conn:
        done = _tick(conn, workflow_id)
        if done is not None:
            return _plan(done)
        row = conn.execute(sa.select(_SCHEDULES).where(_SCHEDULES.c.id == schedule_id)).first()
    if row is None:  # removed (or its connection was): stop its DBOS schedule too
        client.delete_schedule(dbos_schedule_name(schedule_id))
        return {"status": "removed", "tick": workflow_id, "schedule_id": schedule_id}
    trigger = trigger_of(workflow_id)
    reason = _skip_reason(client, row, workflow_id, trigger)
    with engine.begin() as conn:
        if reason is None and not _take_lock(conn, row, workflow_id, now):
            reason = "another tick took the run lock first"
        conn.execute(
            _TICKS.insert().values(
                id=workflow_id, schedule_id=row.id, tenant=row.tenant,
                connection_id=row.connection_id, stream=row.stream, trigger=trigger,
                scheduled_at=scheduled_at, started_at=now, full=_full(row, scheduled_at),
                status=TickStatus.SKIPPED.value if reason else TickStatus.RUNNING.value,
                finished_at=now if reason else None, note=reason,
                sync_run_id=None if reason else run_id_for(workflow_id),
            )
        )  # fmt: skip
        return _plan(_tick(conn, workflow_id))


def release(engine: Engine, plan: Plan, outcome: dict[str, Any], now: datetime) -> None:
    """Record the tick's outcome and release the lock, in one transaction (which also
    prunes the schedule's skipped ticks older than ``KEEP_SKIPPED``). A failure before the
    sync run began (connection disabled, credentials missing) is announced here
    (``sync.failed``); one during the run was announced by the run itself."""
    status = str(outcome["status"])
    with engine.begin() as conn:
        started = conn.execute(sa.select(_RUNS.c.id).where(_RUNS.c.id == plan["run_id"])).first()
        conn.execute(
            sa.update(_TICKS)
            .where(_TICKS.c.id == plan["tick"], _TICKS.c.status == TickStatus.RUNNING.value)
            .values(status=status, finished_at=now, note=outcome.get("error"),
                    sync_run_id=plan["run_id"] if started else None)
        )  # fmt: skip
        values: dict[str, Any] = {"running_workflow": None, "running_since": None}
        if plan["full"] and status == TickStatus.SUCCEEDED.value:
            values["last_full_at"] = datetime.fromisoformat(plan["scheduled_at"])
        conn.execute(
            sa.update(_SCHEDULES)
            .where(_SCHEDULES.c.id == plan["schedule_id"],
                   _SCHEDULES.c.running_workflow == plan["tick"])
            .values(**values)
        )  # fmt: skip
        conn.execute(
            _TICKS.delete().where(
                _TICKS.c.schedule_id == plan["schedule_id"],
                _TICKS.c.status == TickStatus.SKIPPED.value,
                _TICKS.c.started_at < now - KEEP_SKIPPED,
            )
        )
        if status == TickStatus.FAILED.value and started is None:
            data = {"stream": plan["stream"], "run_id": None, "error": outcome.get("error"),
                    "schedule_id": plan["schedule_id"]}  # fmt: skip
            add_event(conn, tenant=plan["tenant"], kind=SYNC_FAILED,
                      connection_id=plan["connection_id"], now=now, data=data)  # fmt: skip
