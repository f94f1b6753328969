"""How HubSpot's webhook events read canonically, and the single-record fetch they need.

A HubSpot event carries only the object's id (``objectId``) and what happened to it
(``subscriptionType``, e.g. ``contact.propertyChange``): the job fetches the object's
current record, except for deletions (``deletion``, ``privacyDeletion``), which come
through without one. A ``merge`` updates the surviving record (``newObjectId`` when the
merge created one, else ``primaryObjectId``) and deletes every other id it names
(``mergedObjectIds``, and the primary when a new record replaced it).
"""

from __future__ import annotations

from typing import Any

from adapters._events import WebhookEvent, canonical_event_type
from adapters.hubspot._client import HubSpotClient
from adapters.hubspot._invoices import attach_invoice_details
from adapters.hubspot._streams import STREAMS
from canonical import AdapterError, EventType

__all__ = ["fetch_hubspot_record", "hubspot_webhook_event"]

_KINDS = {
    "contact": ("customer", "contacts"),
    "0-1": ("customer", "contacts"),
    "company": ("customer", "companies"),
    "0-2": ("customer", "companies"),
    "invoice": ("invoice", "invoices"),
    "0-53": ("invoice", "invoices"),
}
_ACTIONS = {"creation": "created", "deletion": "deleted", "privacyDeletion": "deleted"}


def hubspot_webhook_event(
    event_type: str, object_type: str, object_id: str | None, payload: Any = None
) -> WebhookEvent:
    """Contacts and companies are customers, invoices invoices; a creation is ``*.created``,
    a (privacy) deletion ``*.deleted``, a merge and anything else ``*.updated``."""
    kind = _KINDS.get(object_type)
    if kind is None or object_id is None:
        return WebhookEvent(EventType.OTHER)
    canonical, stream = kind
    action = event_type.rpartition(".")[2]
    if action == "merge":
        return _merge(canonical, stream, object_id, payload)
    verb = _ACTIONS.get(action, "updated")
    return WebhookEvent(
        canonical_event_type(f"{canonical}.{verb}"), canonical, stream, fetch=verb != "deleted"
    )


def _merge(canonical: str, stream: str, object_id: str, payload: Any) -> WebhookEvent:
    body = payload if isinstance(payload, dict) else {}
    merged = body.get("mergedObjectIds")
    if not isinstance(merged, list) or not merged or not all(_is_id(i) for i in merged):
        raise AdapterError(
            f"HubSpot merge event for {canonical} {object_id} has no usable mergedObjectIds "
            f"(a non-empty list of ids), got {type(merged).__name__}",
            code="bad_shape",
            hint="check the delivery's body; replay it once HubSpot's payload is complete",
        )
    primary, new = body.get("primaryObjectId"), body.get("newObjectId")
    survivor = str(new if _is_id(new) else primary if _is_id(primary) else object_id)
    named = [*([str(primary)] if _is_id(primary) else []), *(str(i) for i in merged)]
    gone = tuple(dict.fromkeys(i for i in named if i != survivor))
    return WebhookEvent(
        canonical_event_type(f"{canonical}.updated"),
        canonical,
        stream,
        fetch=True,
        remote_id=survivor if survivor != object_id else None,
        deleted_remote_ids=gone,
    )


def _is_id(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and value.isdigit()
    )


def fetch_hubspot_record(
    client: HubSpotClient, stream: str, record_id: str, properties: list[str]
) -> dict[str, Any] | None:
    """The current CRM object (None when it no longer exists), invoices with their details."""
    spec = STREAMS[stream]
    found = client.batch_read(spec.object_type, [record_id], properties)
    if not found:
        return None
    if spec.object_type == "invoices":
        found = attach_invoice_details(client, found)
    return found[0]
