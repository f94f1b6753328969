"""How Stripe's webhook events read canonically: each carries its object (``data.object``).

The carried object is used as it is, in the pinned version's shape (``event_object``), with
one exception: an invoice whose embedded lines stop short (``lines.has_more``: events embed
at most 10) is fetched again with all its lines (``fetch=True``: the job calls the adapter's
``fetch_record``), so its lines sum to its totals. A deletion keeps its snapshot (a
deleted object cannot be fetched).
"""

from __future__ import annotations

from typing import Any

from adapters._events import WebhookEvent, canonical_event_type
from adapters.stripe._versions import event_object

__all__ = ["stripe_webhook_event"]

_STREAMS = {"customer": ("customer", "customers"), "invoice": ("invoice", "invoices")}


def stripe_webhook_event(
    event_type: str, object_type: str, payload: Any, *, api_version: str
) -> WebhookEvent:
    """``customer.*`` and ``invoice.*`` events hand over their object as the record (a
    ``*.deleted`` one marked deleted); other events are read generically."""
    kind = _STREAMS.get(object_type)
    carried = payload.get("data", {}).get("object") if isinstance(payload, dict) else None
    if kind is None or not isinstance(carried, dict):
        return WebhookEvent.generic(event_type)
    record = event_object(payload, api_version)
    canonical = canonical_event_type(event_type)
    if event_type.endswith(".deleted"):
        record["deleted"] = True
    elif _lines_cut_short(record) and isinstance(record.get("id"), str):
        return WebhookEvent(canonical, kind[0], kind[1], fetch=True)
    return WebhookEvent(canonical, kind[0], kind[1], record)


def _lines_cut_short(record: dict[str, Any]) -> bool:
    lines = record.get("lines")
    return (
        record.get("object") == "invoice"
        and isinstance(lines, dict)
        and bool(lines.get("has_more"))
    )
