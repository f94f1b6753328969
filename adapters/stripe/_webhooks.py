"""How Stripe's webhook events read canonically: each carries its object (``data.object``)."""

from __future__ import annotations

from typing import Any

from adapters._events import WebhookEvent, canonical_event_type

__all__ = ["stripe_webhook_event"]

_STREAMS = {"customer": ("customer", "customers"), "invoice": ("invoice", "invoices")}


def stripe_webhook_event(event_type: str, object_type: str, payload: Any) -> WebhookEvent:
    """``customer.*`` and ``invoice.*`` events hand over their object as the record (a
    ``*.deleted`` one marked deleted); other events are read generically."""
    obj = payload.get("data", {}).get("object") if isinstance(payload, dict) else None
    kind = _STREAMS.get(object_type)
    if kind is None or not isinstance(obj, dict):
        return WebhookEvent.generic(event_type)
    record = dict(obj)
    if event_type.endswith(".deleted"):
        record["deleted"] = True
    return WebhookEvent(canonical_event_type(event_type), kind[0], kind[1], record)
