"""Prometheus metrics of the webhook service, on one registry that ``GET /metrics`` exposes.

``METRICS_REGISTRY`` is the process's registry: the endpoint's metrics live on it and the
job side adds its own (queue depth, attempts, processing latency) with
``registry=METRICS_REGISTRY``. Tests pass a fresh ``CollectorRegistry`` to ``create_app``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

__all__ = ["METRICS_REGISTRY", "EndpointMetrics", "endpoint_metrics", "render_metrics"]

METRICS_REGISTRY = CollectorRegistry()
"""The process-wide registry that ``GET /metrics`` serves by default."""

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass(frozen=True)
class EndpointMetrics:
    accepted: Counter
    """Deliveries acknowledged with 2xx, by adapter."""
    events: Counter
    """Vendor events stored as new inbox items, by adapter."""
    duplicates: Counter
    """Vendor events acknowledged but not stored again (redeliveries), by adapter."""
    rejected: Counter
    """Deliveries refused, by reason (bad_signature, body_too_large, ...)."""
    latency: Histogram
    """Seconds from request to answer, by outcome (accepted, rejected, error)."""


def _build(registry: CollectorRegistry) -> EndpointMetrics:
    prefix = "canonry_webhook"
    return EndpointMetrics(
        accepted=Counter(
            f"{prefix}_deliveries_accepted",
            "Deliveries acknowledged (stored and enqueued).",
            ["adapter"],
            registry=registry,
        ),
        events=Counter(
            f"{prefix}_events_stored", "Events stored as new inbox items.", ["adapter"],
            registry=registry,
        ),
        duplicates=Counter(
            f"{prefix}_events_duplicate",
            "Events acknowledged without storing (already in the inbox).",
            ["adapter"],
            registry=registry,
        ),
        rejected=Counter(
            f"{prefix}_deliveries_rejected", "Deliveries refused, by reason.", ["reason"],
            registry=registry,
        ),
        latency=Histogram(
            f"{prefix}_request_seconds",
            "Webhook request latency in seconds, by outcome.",
            ["outcome"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        ),
    )  # fmt: skip


_BUILT: dict[int, tuple[CollectorRegistry, EndpointMetrics]] = {}
_LOCK = threading.Lock()


def endpoint_metrics(registry: CollectorRegistry | None = None) -> EndpointMetrics:
    """The endpoint's metrics on ``registry`` (default ``METRICS_REGISTRY``), created once."""
    registry = METRICS_REGISTRY if registry is None else registry
    with _LOCK:
        found = _BUILT.get(id(registry))
        if found is None or found[0] is not registry:
            found = (registry, _build(registry))
            _BUILT[id(registry)] = found
        return found[1]


def render_metrics(registry: CollectorRegistry | None = None) -> bytes:
    """The registry in the Prometheus text format."""
    return generate_latest(METRICS_REGISTRY if registry is None else registry)
