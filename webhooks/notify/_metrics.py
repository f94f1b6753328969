"""Prometheus metrics of the notifications, on the registry ``GET /metrics`` serves.

``canonry_notify_attempts_total{outcome}`` (ok, http_error, network_error, refused),
``canonry_notify_attempt_seconds`` and ``canonry_notify_deliveries{status}`` (deliveries
pending, retrying and dead, read from the database when scraped).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine

from webhooks._metrics import METRICS_REGISTRY
from webhooks.notify._tables import DeliveryRow, DeliveryStatus

__all__ = ["DeliveryGauge", "NotifyMetrics", "notify_metrics"]

_DELIVERIES: sa.Table = DeliveryRow.__table__  # type: ignore[attr-defined]
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0)
_OPEN = (DeliveryStatus.PENDING.value, DeliveryStatus.RETRYING.value, DeliveryStatus.DEAD.value)
_LOCK = threading.Lock()
_BUILT: dict[int, NotifyMetrics] = {}


@dataclass(frozen=True)
class NotifyMetrics:
    attempts: Counter
    seconds: Histogram
    gauge: DeliveryGauge


class DeliveryGauge(Collector):
    """Deliveries not delivered, by status, read on scrape (from ``engine`` once set)."""

    def __init__(self) -> None:
        self.engine: Engine | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        engine = self.engine
        if engine is None:
            return
        query = (
            sa.select(_DELIVERIES.c.status, sa.func.count())
            .where(_DELIVERIES.c.status.in_(_OPEN))
            .group_by(_DELIVERIES.c.status)
        )
        try:
            with engine.connect() as conn:
                counts = {str(s): int(n) for s, n in conn.execute(query)}
        except sa.exc.SQLAlchemyError:
            return
        gauge = GaugeMetricFamily(
            "canonry_notify_deliveries", "Notification deliveries not delivered, by status.",
            labels=["status"],
        )  # fmt: skip
        for status in _OPEN:
            gauge.add_metric([status], counts.get(status, 0))
        yield gauge


def _build(registry: Any) -> NotifyMetrics:
    built = NotifyMetrics(
        attempts=Counter(
            "canonry_notify_attempts", "Notification delivery attempts, by outcome.",
            ["outcome"], registry=registry,
        ),
        seconds=Histogram(
            "canonry_notify_attempt_seconds", "Seconds one delivery attempt took.",
            buckets=_BUCKETS, registry=registry,
        ),
        gauge=DeliveryGauge(),
    )  # fmt: skip
    registry.register(built.gauge)
    return built


def notify_metrics(registry: CollectorRegistry | None = None) -> NotifyMetrics:
    """The notifications' metrics on ``registry`` (default: the process-wide one)."""
    target: Any = registry or METRICS_REGISTRY
    with _LOCK:
        found = _BUILT.get(id(target))
        if found is None:
            found = _BUILT[id(target)] = _build(target)
        return found
