"""How HubSpot's webhook events read canonically, and the single-record fetch they need.

A HubSpot event carries only the object's id (``objectId``) and what happened to it
(``subscriptionType``, e.g. ``contact.propertyChange``): the job fetches the object's
current record, except for deletions, which come through without one.
"""

from __future__ import annotations

from typing import Any

from adapters._events import WebhookEvent, canonical_event_type
from adapters.hubspot._client import HubSpotClient
from adapters.hubspot._invoices import attach_invoice_details
from adapters.hubspot._streams import STREAMS
from canonical import EventType

__all__ = ["fetch_hubspot_record", "hubspot_webhook_event"]

_KINDS = {
    "contact": ("customer", "contacts"),
    "0-1": ("customer", "contacts"),
    "company": ("customer", "companies"),
    "0-2": ("customer", "companies"),
    "invoice": ("invoice", "invoices"),
    "0-53": ("invoice", "invoices"),
}
_ACTIONS = {"creation": "created", "deletion": "deleted"}


def hubspot_webhook_event(event_type: str, object_type: str, object_id: str | None) -> WebhookEvent:
    """Contacts and companies are customers, invoices invoices; a creation is ``*.created``,
    a deletion ``*.deleted``, anything else ``*.updated``."""
    kind = _KINDS.get(object_type)
    if kind is None or object_id is None:
        return WebhookEvent(EventType.OTHER)
    canonical, stream = kind
    verb = _ACTIONS.get(event_type.rpartition(".")[2], "updated")
    return WebhookEvent(
        canonical_event_type(f"{canonical}.{verb}"), canonical, stream, fetch=verb != "deleted"
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
