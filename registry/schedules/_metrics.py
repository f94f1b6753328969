"""Prometheus metrics per schedule, read from the database when scraped.

Any process's ``/metrics`` shows every schedule, whichever worker ran it:

- ``canonry_schedule_last_success_timestamp_seconds``: when the last successful run ended;
- ``canonry_schedule_last_duration_seconds``: how long it took;
- ``canonry_schedule_last_records_changed``: the records it changed (tombstones included);
- ``canonry_schedule_running``: 1 while a run holds the schedule's lock;
- ``canonry_schedule_ticks_total{outcome}``: ticks recorded, by outcome.

Labels: ``tenant``, ``connection`` (name), ``stream``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine

from registry._models import as_utc
from registry._tables import ConnectionRow, SyncRunRow
from registry.schedules._tables import ScheduleRow, TickRow, TickStatus

__all__ = ["ScheduleCollector"]

_SCHEDULES: sa.Table = ScheduleRow.__table__  # type: ignore[attr-defined]
_TICKS: sa.Table = TickRow.__table__  # type: ignore[attr-defined]
_RUNS: sa.Table = SyncRunRow.__table__  # type: ignore[attr-defined]
_CONNECTIONS: sa.Table = ConnectionRow.__table__  # type: ignore[attr-defined]
_LABELS = ["tenant", "connection", "stream"]


def _last_successes() -> sa.Select[Any]:
    order = sa.func.row_number().over(
        partition_by=_TICKS.c.schedule_id, order_by=_TICKS.c.finished_at.desc()
    )
    ranked = (
        sa.select(_TICKS.c.schedule_id, _TICKS.c.started_at, _TICKS.c.finished_at,
                  _TICKS.c.sync_run_id, order.label("n"))
        .where(_TICKS.c.status == TickStatus.SUCCEEDED.value)
        .subquery()
    )  # fmt: skip
    return (
        sa.select(ranked, _RUNS.c.changed)
        .outerjoin(_RUNS, _RUNS.c.id == ranked.c.sync_run_id)
        .where(ranked.c.n == 1)
    )


class ScheduleCollector(Collector):
    """The schedules' metrics from ``engine`` (nothing if the database cannot be read)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _read(self) -> tuple[list[Any], dict[str, Any], list[Any]]:
        schedules = (
            sa.select(_SCHEDULES.c.id, _SCHEDULES.c.tenant, _SCHEDULES.c.stream,
                      _SCHEDULES.c.running_workflow, _CONNECTIONS.c.name)
            .join(_CONNECTIONS, _CONNECTIONS.c.id == _SCHEDULES.c.connection_id)
        )  # fmt: skip
        counts = sa.select(_TICKS.c.schedule_id, _TICKS.c.status, sa.func.count()).group_by(
            _TICKS.c.schedule_id, _TICKS.c.status
        )
        with self.engine.connect() as conn:
            rows = conn.execute(schedules).all()
            last = {r.schedule_id: r for r in conn.execute(_last_successes())}
            tallies = conn.execute(counts).all()
        return list(rows), last, list(tallies)

    def collect(self) -> Iterator[Metric]:
        try:
            rows, last, tallies = self._read()
        except sa.exc.SQLAlchemyError:
            return
        success = GaugeMetricFamily(
            "canonry_schedule_last_success_timestamp_seconds",
            "When the schedule's last successful run finished (unix seconds).", labels=_LABELS,
        )  # fmt: skip
        duration = GaugeMetricFamily(
            "canonry_schedule_last_duration_seconds",
            "Seconds the schedule's last successful run took.", labels=_LABELS,
        )  # fmt: skip
        changed = GaugeMetricFamily(
            "canonry_schedule_last_records_changed",
            "Records the schedule's last successful run changed.", labels=_LABELS,
        )  # fmt: skip
        running = GaugeMetricFamily(
            "canonry_schedule_running", "1 while a run of the schedule is in progress.",
            labels=_LABELS,
        )  # fmt: skip
        ticks = CounterMetricFamily(
            "canonry_schedule_ticks", "Ticks of the schedule, by outcome.",
            labels=[*_LABELS, "outcome"],
        )  # fmt: skip
        labels = {row.id: [row.tenant, row.name, row.stream] for row in rows}
        for row in rows:
            running.add_metric(labels[row.id], 1.0 if row.running_workflow else 0.0)
            done = last.get(row.id)
            if done is None or done.finished_at is None:
                continue
            finished, started = as_utc(done.finished_at), as_utc(done.started_at)
            success.add_metric(labels[row.id], finished.timestamp())
            duration.add_metric(labels[row.id], (finished - started).total_seconds())
            changed.add_metric(labels[row.id], float(done.changed or 0))
        for schedule_id, status, count in tallies:
            if schedule_id in labels:
                ticks.add_metric([*labels[schedule_id], status], float(count))
        yield from (success, duration, changed, running, ticks)
