"""What each vendor's webhook items mean in canonical terms (type, stream, record).

Stripe events carry the object (``data.object``), mapped like a synced record. HubSpot
events carry only ids: the current object is fetched from the CRM through the adapter.
Other adapters' items (``split_generic``) name a canonical type or become ``other``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters import Adapter
from canonical import EventType
from webhooks._inbox import InboxItem

__all__ = ["PLANNERS", "EventPlan", "fetch_hubspot", "plan_for"]


@dataclass(frozen=True)
class EventPlan:
    """How to turn one inbox item into a canonical ``Event``."""

    type: EventType
    object_type: str | None = None
    """``customer`` or ``invoice`` when the event concerns one."""
    stream: str | None = None
    """The adapter stream whose mapping maps the object."""
    record: dict[str, Any] | None = None
    """The vendor record carried by the event, if any."""
    fetch: bool = False
    """Fetch the current record from the vendor (the event carries only its id)."""


def _canonical(value: str) -> EventType:
    try:
        return EventType(value)
    except ValueError:
        return EventType.OTHER


_STRIPE_STREAMS = {"customer": "customers", "invoice": "invoices"}


def plan_stripe(item: InboxItem, body: Any) -> EventPlan:
    obj = body.get("data", {}).get("object") if isinstance(body, dict) else None
    stream = _STRIPE_STREAMS.get(item.object_type)
    if stream is None or not isinstance(obj, dict):
        return EventPlan(_canonical(item.vendor_event_type))
    record = dict(obj)
    if item.vendor_event_type.endswith(".deleted"):
        record["deleted"] = True
    return EventPlan(_canonical(item.vendor_event_type), item.object_type, stream, record)


_HUBSPOT_KINDS = {
    "contact": ("customer", "contacts"),
    "0-1": ("customer", "contacts"),
    "company": ("customer", "companies"),
    "0-2": ("customer", "companies"),
    "invoice": ("invoice", "invoices"),
    "0-53": ("invoice", "invoices"),
}
_HUBSPOT_ACTIONS = {"creation": "created", "deletion": "deleted"}


def plan_hubspot(item: InboxItem, body: Any) -> EventPlan:
    kind = _HUBSPOT_KINDS.get(item.object_type)
    if kind is None or item.object_id is None:
        return EventPlan(EventType.OTHER)
    canonical_type, stream = kind
    action = item.vendor_event_type.rpartition(".")[2]
    verb = _HUBSPOT_ACTIONS.get(action, "updated")
    event_type = _canonical(f"{canonical_type}.{verb}")
    return EventPlan(event_type, canonical_type, stream, fetch=verb != "deleted")


def plan_generic(item: InboxItem, body: Any) -> EventPlan:
    event_type = _canonical(item.vendor_event_type)
    kind = event_type.value.partition(".")[0]
    if kind in ("customer", "invoice"):
        return EventPlan(event_type, kind)
    return EventPlan(event_type)


PLANNERS: dict[str, Callable[[InboxItem, Any], EventPlan]] = {
    "stripe": plan_stripe,
    "hubspot": plan_hubspot,
}


def plan_for(item: InboxItem) -> EventPlan:
    """The plan for ``item`` (its body is JSON the endpoint already validated)."""
    body = json.loads(item.body)
    return PLANNERS.get(item.adapter, plan_generic)(item, body)


def fetch_hubspot(adapter: Adapter, stream: str, object_id: str) -> dict[str, Any] | None:
    """The current CRM object (None when it no longer exists)."""
    from adapters.hubspot import STREAMS, HubSpotAdapter, attach_invoice_details

    if not isinstance(adapter, HubSpotAdapter):
        return None
    spec = STREAMS[stream]
    found = adapter.client.batch_read(spec.object_type, [object_id], adapter.properties_for(stream))
    if not found:
        return None
    if spec.object_type == "invoices":
        found = attach_invoice_details(adapter.client, found)
    return found[0]
