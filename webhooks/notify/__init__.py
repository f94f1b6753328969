"""Change notifications: Canonry as a Standard Webhooks sender.

A tenant registers endpoints (``Endpoints``; each gets its own signing secret, kept in the
credential store). Changes are announced in the outbox (``registry._outbox``) by the
writer's own transaction; the process's outbox thread turns them into events and
deliveries, and DBOS workflows attempt each delivery with exponential backoff over about
a day, then leave it on the dead-letter list (``list_deliveries(status="dead")``) until
``replay_deliveries``. Every connection goes through the SSRF guard (``GuardedTransport``).
Names load on first use (PEP 562): importing the package does not import DBOS.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from webhooks.notify._deliveries import (
        Delivery,
        list_deliveries,
        replay_deliveries,
        send_test,
    )
    from webhooks.notify._dispatch import dispatch
    from webhooks.notify._endpoints import Endpoint, Endpoints, secret_key
    from webhooks.notify._events import TEST_EVENT
    from webhooks.notify._guard import (
        GuardedTransport,
        TargetRefused,
        address_problem,
        check_endpoint_url,
        system_resolver,
    )
    from webhooks.notify._hook import attach_runtime
    from webhooks.notify._metrics import NotifyMetrics, notify_metrics
    from webhooks.notify._names import QUEUE_NAME, WORKFLOW_NAME
    from webhooks.notify._runtime import NotifyRuntime, current
    from webhooks.notify._sender import USER_AGENT, Attempt, Sender
    from webhooks.notify._settings import DEFAULT_RETRY_SCHEDULE, NotifySettings
    from webhooks.notify._tables import DeliveryRow, DeliveryStatus, EndpointRow, EventRow

__all__ = [
    "DEFAULT_RETRY_SCHEDULE",
    "QUEUE_NAME",
    "TEST_EVENT",
    "USER_AGENT",
    "WORKFLOW_NAME",
    "Attempt",
    "Delivery",
    "DeliveryRow",
    "DeliveryStatus",
    "Endpoint",
    "EndpointRow",
    "Endpoints",
    "EventRow",
    "GuardedTransport",
    "NotifyMetrics",
    "NotifyRuntime",
    "NotifySettings",
    "Sender",
    "TargetRefused",
    "address_problem",
    "attach_runtime",
    "check_endpoint_url",
    "current",
    "dispatch",
    "list_deliveries",
    "notify_metrics",
    "replay_deliveries",
    "secret_key",
    "send_test",
    "system_resolver",
]

_HOMES = {
    "Delivery": "_deliveries",
    "list_deliveries": "_deliveries",
    "replay_deliveries": "_deliveries",
    "send_test": "_deliveries",
    "dispatch": "_dispatch",
    "Endpoint": "_endpoints",
    "Endpoints": "_endpoints",
    "secret_key": "_endpoints",
    "TEST_EVENT": "_events",
    "GuardedTransport": "_guard",
    "TargetRefused": "_guard",
    "address_problem": "_guard",
    "check_endpoint_url": "_guard",
    "system_resolver": "_guard",
    "attach_runtime": "_hook",
    "NotifyMetrics": "_metrics",
    "notify_metrics": "_metrics",
    "QUEUE_NAME": "_names",
    "WORKFLOW_NAME": "_names",
    "NotifyRuntime": "_runtime",
    "current": "_runtime",
    "USER_AGENT": "_sender",
    "Attempt": "_sender",
    "Sender": "_sender",
    "DEFAULT_RETRY_SCHEDULE": "_settings",
    "NotifySettings": "_settings",
    "DeliveryRow": "_tables",
    "DeliveryStatus": "_tables",
    "EndpointRow": "_tables",
    "EventRow": "_tables",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'webhooks.notify' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"webhooks.notify.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
