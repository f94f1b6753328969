"""Prometheus metrics of the jobs, on the registry ``GET /metrics`` serves.

``canonry_webhook_jobs_total{status}``, ``canonry_webhook_handler_attempts_total{handler,
outcome}``, ``canonry_webhook_processing_seconds{status}`` (received -> finished) and
``canonry_webhook_queue_depth`` (inbox items waiting, read from the database on scrape).
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

from webhooks._inbox import INBOX, InboxStatus
from webhooks._metrics import METRICS_REGISTRY

__all__ = ["JobMetrics", "job_metrics"]

_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
_LOCK = threading.Lock()
_BUILT: dict[int, JobMetrics] = {}
_WAITING = (InboxStatus.RECEIVED.value, InboxStatus.PROCESSING.value)


@dataclass(frozen=True)
class JobMetrics:
    jobs: Counter
    """Finished jobs by final status (done, stale, dead, failed)."""
    attempts: Counter
    """Handler attempts by handler and outcome (ok, error)."""
    latency: Histogram
    """Seconds from receipt to the final status, by status."""


class _QueueDepth(Collector):
    """Inbox items not processed yet, counted on scrape (None engine: not reported)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from webhooks.jobs._runtime import _CURRENT

        if _CURRENT is None:
            return
        query = sa.select(sa.func.count()).select_from(INBOX).where(INBOX.c.status.in_(_WAITING))
        try:
            with _CURRENT.engine.connect() as conn:
                depth = int(conn.execute(query).scalar_one())
        except sa.exc.SQLAlchemyError:
            return
        gauge = GaugeMetricFamily(
            "canonry_webhook_queue_depth", "Webhook inbox items waiting to be processed."
        )
        gauge.add_metric([], depth)
        yield gauge


def _build(registry: CollectorRegistry) -> JobMetrics:
    prefix = "canonry_webhook"
    built = JobMetrics(
        jobs=Counter(
            f"{prefix}_jobs", "Finished webhook jobs by status.", ["status"], registry=registry
        ),
        attempts=Counter(
            f"{prefix}_handler_attempts",
            "Webhook handler attempts by handler and outcome.",
            ["handler", "outcome"],
            registry=registry,
        ),
        latency=Histogram(
            f"{prefix}_processing_seconds",
            "Seconds from receiving a webhook event to its final status.",
            ["status"],
            buckets=_BUCKETS,
            registry=registry,
        ),
    )
    registry.register(_QueueDepth())
    return built


def job_metrics(registry: CollectorRegistry | None = None) -> JobMetrics:
    """The jobs' metrics on ``registry`` (default: the process-wide one), made once."""
    target: Any = registry or METRICS_REGISTRY
    with _LOCK:
        found = _BUILT.get(id(target))
        if found is None:
            found = _BUILT[id(target)] = _build(target)
        return found
