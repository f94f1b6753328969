"""Prometheus metrics of the unified API: requests and latency per route."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram

__all__ = ["ApiMetrics", "api_metrics"]

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass(frozen=True)
class ApiMetrics:
    requests: Counter
    """Requests answered, by route template and status code."""
    latency: Histogram
    """Seconds from request to answer, by route template."""


_BUILT: dict[int, tuple[CollectorRegistry, ApiMetrics]] = {}
_LOCK = threading.Lock()


def api_metrics(registry: CollectorRegistry) -> ApiMetrics:
    """The API's metrics on ``registry``, created once per registry."""
    with _LOCK:
        found = _BUILT.get(id(registry))
        if found is None or found[0] is not registry:
            built = ApiMetrics(
                requests=Counter(
                    "canonry_api_requests", "Unified API requests, by route and status.",
                    ["route", "status"], registry=registry,
                ),
                latency=Histogram(
                    "canonry_api_request_seconds", "Unified API latency in seconds, by route.",
                    ["route"], buckets=_BUCKETS, registry=registry,
                ),
            )  # fmt: skip
            found = _BUILT[id(registry)] = (registry, built)
        return found[1]
