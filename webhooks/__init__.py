"""Webhooks: the verified ASGI endpoint, the durable inbox, and the processing jobs.

``create_app(settings)`` builds the Starlette app (``canonry serve`` runs it); the inbox
helpers are the seam with the job side (``webhooks.jobs``). Names load on first use
(PEP 562), so importing ``webhooks.signatures`` or the CLI stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from webhooks._app import create_app
    from webhooks._endpoint import WebhookEndpoint, status_for
    from webhooks._inbox import (
        INBOX,
        INBOX_TABLE,
        InboxItem,
        InboxItemRef,
        InboxRow,
        InboxStatus,
        NewInboxItem,
        get_item,
        get_item_any_tenant,
        insert_items,
    )
    from webhooks._inbox_list import InboxSummary, list_items, list_summaries
    from webhooks._metrics import METRICS_REGISTRY, EndpointMetrics, endpoint_metrics
    from webhooks._samples import TestDelivery, build_test_delivery
    from webhooks._schemes import DeclaredScheme, Delivery, Scheme, declared_scheme
    from webhooks._settings import DEFAULT_MAX_BODY, WebhookSettings
    from webhooks._split import EventDraft
    from webhooks._writer import Enqueue, InboxWriter
    from webhooks.handlers import on

__all__ = [
    "DEFAULT_MAX_BODY",
    "INBOX",
    "INBOX_TABLE",
    "METRICS_REGISTRY",
    "DeclaredScheme",
    "Delivery",
    "EndpointMetrics",
    "Enqueue",
    "EventDraft",
    "InboxItem",
    "InboxItemRef",
    "InboxRow",
    "InboxStatus",
    "InboxSummary",
    "InboxWriter",
    "NewInboxItem",
    "Scheme",
    "TestDelivery",
    "WebhookEndpoint",
    "WebhookSettings",
    "build_test_delivery",
    "create_app",
    "declared_scheme",
    "endpoint_metrics",
    "get_item",
    "get_item_any_tenant",
    "insert_items",
    "list_items",
    "list_summaries",
    "on",
    "status_for",
]

_HOMES = {
    "create_app": "webhooks._app",
    "Enqueue": "webhooks._writer",
    "InboxWriter": "webhooks._writer",
    "WebhookEndpoint": "webhooks._endpoint",
    "status_for": "webhooks._endpoint",
    "INBOX": "webhooks._inbox",
    "INBOX_TABLE": "webhooks._inbox",
    "InboxItem": "webhooks._inbox",
    "InboxItemRef": "webhooks._inbox",
    "InboxRow": "webhooks._inbox",
    "InboxStatus": "webhooks._inbox",
    "NewInboxItem": "webhooks._inbox",
    "get_item": "webhooks._inbox",
    "get_item_any_tenant": "webhooks._inbox",
    "insert_items": "webhooks._inbox",
    "list_items": "webhooks._inbox_list",
    "list_summaries": "webhooks._inbox_list",
    "InboxSummary": "webhooks._inbox_list",
    "METRICS_REGISTRY": "webhooks._metrics",
    "EndpointMetrics": "webhooks._metrics",
    "endpoint_metrics": "webhooks._metrics",
    "TestDelivery": "webhooks._samples",
    "build_test_delivery": "webhooks._samples",
    "DeclaredScheme": "webhooks._schemes",
    "Delivery": "webhooks._schemes",
    "declared_scheme": "webhooks._schemes",
    "Scheme": "webhooks._schemes",
    "DEFAULT_MAX_BODY": "webhooks._settings",
    "WebhookSettings": "webhooks._settings",
    "EventDraft": "webhooks._split",
    "on": "webhooks.handlers",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'webhooks' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
