"""A tenant's schedules: add, list, pause, resume, remove, run now.

Canonry keeps the schedule's row (what to sync, the periodic full sync, the run lock);
DBOS keeps the cron schedule that fires it (``canonry-sync:<id>``), created through the
DBOS client with ``apply_schedules`` (an idempotent upsert), paused and resumed there.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from canonical import CanonryError, ConfigurationError, NotFoundInRegistry, ValidationFailed
from registry._models import as_utc
from registry._queries import find_connection
from registry._registry import Registry
from registry._tables import ConnectionRow, utcnow
from registry.schedules._names import QUEUE_NAME, SCHEDULE_PREFIX, WORKFLOW_NAME
from registry.schedules._names import dbos_schedule_name as dbos_name
from registry.schedules._tables import ScheduleRow, TickRow
from registry.schedules._timing import (
    cron_for_interval,
    describe_seconds,
    next_fire,
    parse_duration,
    valid_cron,
)
from registry.schedules._views import Schedule

__all__ = ["Schedules"]

_SCHEDULES: sa.Table = ScheduleRow.__table__  # type: ignore[attr-defined]
_TICKS: sa.Table = TickRow.__table__  # type: ignore[attr-defined]
_CONNECTIONS: sa.Table = ConnectionRow.__table__  # type: ignore[attr-defined]


@contextmanager
def _dbos_errors(action: str) -> Iterator[None]:
    """DBOS's exceptions, as Canonry's (the schedule lives in DBOS's tables)."""
    try:
        yield
    except CanonryError:
        raise
    except Exception as exc:
        raise CanonryError(
            f"DBOS refused to {action}: {type(exc).__name__}: {exc}",
            hint="check that the database is migrated (`canonry db upgrade`) and reachable",
        ) from exc


class Schedules:
    """The schedules of ``registry``'s tenant; ``client`` is a ``dbos.DBOSClient`` on the
    same database (``webhooks.jobs.dbos_client(registry.engine)``)."""

    def __init__(
        self, registry: Registry, client: Any, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.registry = registry
        self.client = client
        self.clock = clock

    @property
    def tenant(self) -> str:
        return self.registry.tenant

    def _connection(self, name_or_id: str) -> ConnectionRow:
        with Session(self.registry.engine) as session:
            return find_connection(session, self.tenant, name_or_id)

    def _row(self, connection: str, stream: str) -> Any:
        conn_row = self._connection(connection)
        with self.registry.engine.connect() as conn:
            row = conn.execute(
                sa.select(_SCHEDULES).where(
                    _SCHEDULES.c.tenant == self.tenant,
                    _SCHEDULES.c.connection_id == conn_row.id,
                    _SCHEDULES.c.stream == stream,
                )
            ).first()
        if row is None:
            raise NotFoundInRegistry(
                f"connection {conn_row.name!r} has no schedule for stream {stream!r}",
                hint="list them with `canonry schedules list`",
            )
        return row

    def _apply(self, row: Any) -> None:
        entry = {
            "schedule_name": dbos_name(row.id), "workflow_name": WORKFLOW_NAME,
            "schedule": row.cron, "queue_name": QUEUE_NAME,
            "context": {"schedule_id": row.id, "tenant": row.tenant},
        }  # fmt: skip
        with _dbos_errors("create the schedule"):
            self.client.apply_schedules([entry])

    def add(
        self,
        connection: str,
        stream: str,
        *,
        every: str | None = None,
        cron: str | None = None,
        full_every: str | None = None,
    ) -> Schedule:
        """Schedule ``stream`` of ``connection`` every interval (``15m``) or on a cron
        expression; ``full_every`` (``7d``) makes a tick a full sync (with reconciliation
        of deletions) whenever the last full one is that old."""
        if (every is None) == (cron is None):
            raise ValidationFailed("give exactly one of --every and --cron",
                                   hint="e.g. --every 15m, or --cron '*/15 * * * *'")  # fmt: skip
        conn_row = self._connection(connection)
        streams = [s.name for s in self.registry.catalog.get(conn_row.adapter).streams]
        if stream not in streams:
            raise ValidationFailed(f"adapter {conn_row.adapter!r} has no stream {stream!r}",
                                   hint=f"use one of: {', '.join(streams)}")  # fmt: skip
        schedule_id = str(uuid.uuid4())
        seconds = parse_duration(every) if every is not None else None
        expression = cron_for_interval(seconds, schedule_id) if seconds else valid_cron(cron or "")
        full = parse_duration(full_every, what="--full-every") if full_every else None
        values = {
            "id": schedule_id, "tenant": self.tenant, "connection_id": conn_row.id,
            "stream": stream, "cron": expression, "every_seconds": seconds,
            "full_every_seconds": full, "created_at": self.clock(),
            "created_by": self.registry.actor,
        }  # fmt: skip
        try:
            with self.registry.engine.begin() as conn:
                conn.execute(_SCHEDULES.insert().values(**values))
        except sa.exc.IntegrityError:
            raise ConfigurationError(
                f"connection {conn_row.name!r} already has a schedule for stream {stream!r}",
                hint=f"remove it first: `canonry schedules remove {conn_row.name} {stream}`",
            ) from None
        row = self._row(conn_row.id, stream)
        try:
            self._apply(row)
        except BaseException:
            self._delete(row.id)
            raise
        self.registry.record_audit("schedule.add", conn_row.name, stream=stream, cron=expression)
        return self.get(conn_row.id, stream)

    def _delete(self, schedule_id: str) -> None:
        with self.registry.engine.begin() as conn:
            conn.execute(_SCHEDULES.delete().where(_SCHEDULES.c.id == schedule_id))

    def list(self, connection: str | None = None) -> list[Schedule]:
        query = (
            sa.select(_SCHEDULES, _CONNECTIONS.c.name.label("connection_name"))
            .join(_CONNECTIONS, _CONNECTIONS.c.id == _SCHEDULES.c.connection_id)
            .where(_SCHEDULES.c.tenant == self.tenant)
            .order_by(_CONNECTIONS.c.name, _SCHEDULES.c.stream)
        )
        if connection is not None:
            query = query.where(_SCHEDULES.c.connection_id == self._connection(connection).id)
        with self.registry.engine.connect() as conn:
            rows = conn.execute(query).all()
            last = _last_ticks(conn, [r.id for r in rows])
        with _dbos_errors("list schedules"):
            found = self.client.list_schedules(schedule_name_prefix=SCHEDULE_PREFIX)
        statuses = {s["schedule_name"]: str(s["status"]) for s in found}
        return [self._view(r, statuses.get(dbos_name(r.id)), last.get(r.id)) for r in rows]

    def _view(self, row: Any, dbos_status: str | None, last: Any) -> Schedule:
        status = "missing" if dbos_status is None else (
            "paused" if dbos_status == "PAUSED" else "active"
        )  # fmt: skip
        return Schedule(
            id=row.id, connection_id=row.connection_id, connection=row.connection_name,
            stream=row.stream, cron=row.cron,
            every=describe_seconds(row.every_seconds) if row.every_seconds else None,
            full_every=describe_seconds(row.full_every_seconds)
            if row.full_every_seconds else None,
            status=status,
            next_run_at=next_fire(row.cron, self.clock()) if status == "active" else None,
            running=row.running_workflow is not None,
            last_full_at=as_utc(row.last_full_at) if row.last_full_at else None,
            last_tick_at=as_utc(last.started_at) if last is not None else None,
            last_tick_status=last.status if last is not None else None,
            created_at=as_utc(row.created_at),
        )  # fmt: skip

    def get(self, connection: str, stream: str) -> Schedule:
        row = self._row(connection, stream)
        return next(s for s in self.list(row.connection_id) if s.id == row.id)

    def pause(self, connection: str, stream: str) -> Schedule:
        """Stop firing (a tick already running finishes); ``resume`` starts again."""
        row = self._row(connection, stream)
        with _dbos_errors("pause the schedule"):
            self.client.pause_schedule(dbos_name(row.id))
        self.registry.record_audit("schedule.pause", row.connection_id, stream=stream)
        return self.get(row.connection_id, stream)

    def resume(self, connection: str, stream: str) -> Schedule:
        """Fire again (and create DBOS's schedule again if it is missing)."""
        row = self._row(connection, stream)
        self._apply(row)
        with _dbos_errors("resume the schedule"):
            self.client.resume_schedule(dbos_name(row.id))
        self.registry.record_audit("schedule.resume", row.connection_id, stream=stream)
        return self.get(row.connection_id, stream)

    def remove(self, connection: str, stream: str) -> Schedule:
        """Delete the schedule (its history stays in ``canonry sync runs``)."""
        view = self.get(connection, stream)
        with _dbos_errors("delete the schedule"):
            self.client.delete_schedule(dbos_name(view.id))
        self._delete(view.id)
        self.registry.record_audit("schedule.remove", view.connection, stream=stream)
        return view

    def run_now(self, connection: str, stream: str) -> str:
        """Enqueue a tick now (run by a worker like any tick; skipped if one runs);
        returns its id (``canonry sync runs`` shows it). Enqueued for any version of the
        workers (unlike DBOS's ``trigger_schedule``, which needs one to have started)."""
        row = self._row(connection, stream)
        self._apply(row)
        now = self.clock()
        tick = f"sched-{dbos_name(row.id)}-trigger-{now.isoformat()}"  # as DBOS names them
        with _dbos_errors("run the schedule"):
            owner = (self.client.get_schedule(dbos_name(row.id)) or {}).get("application_name")
            options = {"workflow_name": WORKFLOW_NAME, "queue_name": QUEUE_NAME,
                       "workflow_id": tick, "application_name": owner}  # fmt: skip
            self.client.enqueue(options, now, {"schedule_id": row.id, "tenant": row.tenant})
        self.registry.record_audit("schedule.run_now", row.connection_id, stream=stream)
        return tick

    def tick_status(self, tick_id: str) -> tuple[str, str | None] | None:
        """The recorded status and note of a tick (None: no worker has taken it yet)."""
        with self.registry.engine.connect() as conn:
            found = conn.execute(
                sa.select(_TICKS.c.status, _TICKS.c.note).where(
                    _TICKS.c.id == tick_id, _TICKS.c.tenant == self.tenant
                )
            ).first()
        return (str(found.status), found.note) if found is not None else None


def _last_ticks(conn: sa.Connection, schedule_ids: list[str]) -> dict[str, Any]:
    if not schedule_ids:
        return {}
    order = sa.func.row_number().over(
        partition_by=_TICKS.c.schedule_id, order_by=_TICKS.c.started_at.desc()
    )
    ranked = (
        sa.select(_TICKS.c.schedule_id, _TICKS.c.started_at, _TICKS.c.status,
                  order.label("n"))
        .where(_TICKS.c.schedule_id.in_(schedule_ids))
        .subquery()
    )  # fmt: skip
    rows = conn.execute(sa.select(ranked).where(ranked.c.n == 1)).all()
    return {row.schedule_id: row for row in rows}
