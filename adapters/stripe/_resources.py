"""What the Stripe adapter knows about each stream: endpoints, event types, tombstones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.stripe._versions import event_object

__all__ = ["INVOICE_EVENT_TYPES", "RESOURCES", "StripeResource", "tombstone"]

INVOICE_EVENT_TYPES = (
    "invoice.created",
    "invoice.deleted",
    "invoice.finalization_failed",
    "invoice.finalized",
    "invoice.marked_uncollectible",
    "invoice.overdue",
    "invoice.overpaid",
    "invoice.paid",
    "invoice.payment_action_required",
    "invoice.payment_attempt_required",
    "invoice.payment_failed",
    "invoice.payment_succeeded",
    "invoice.sent",
    "invoice.updated",
    "invoice.voided",
    "invoice.will_be_due",
)
"""Every event Stripe publishes about an invoice object, by exact name: ``/v1/events``'s
``types[]`` takes exact names only (up to 20; a ``*`` wildcard is refused with a 400), so
``invoice.*`` would match nothing. ``invoice.upcoming`` is left out: its object is a
preview, not a stored invoice. From the spec's event list (stripe-python's ``Event.type``).
"""


@dataclass(frozen=True)
class StripeResource:
    """One synced Stripe object type."""

    stream: str
    object: str
    path: str
    event_types: tuple[str, ...]
    deleted_event: str

    def object_path(self, object_id: str) -> str:
        return f"{self.path}/{object_id}"

    def concerns(self, event: dict[str, Any]) -> str | None:
        """The id of this resource's object an event is about, or None (other objects)."""
        obj = (event.get("data") or {}).get("object") or {}
        object_id = obj.get("id")
        if obj.get("object") != self.object or not isinstance(object_id, str):
            return None
        return object_id


RESOURCES: dict[str, StripeResource] = {
    "customers": StripeResource(
        stream="customers",
        object="customer",
        path="/v1/customers",
        event_types=("customer.created", "customer.updated", "customer.deleted"),
        deleted_event="customer.deleted",
    ),
    "invoices": StripeResource(
        stream="invoices",
        object="invoice",
        path="/v1/invoices",
        event_types=INVOICE_EVENT_TYPES,
        deleted_event="invoice.deleted",
    ),
}


def tombstone(
    resource: StripeResource, event: dict[str, Any], *, api_version: str | None = None
) -> dict[str, Any]:
    """The record emitted for a deletion event.

    Customers become Stripe's deleted stub (``{"id", "object", "deleted": true}``); an
    invoice keeps the event's last snapshot (status, currency) plus ``"deleted": true`` so
    it still maps to a valid Invoice, in the shape of ``api_version`` (the pinned one) when
    the event was rendered at another (see ``event_object``).
    """
    obj = event_object(event, api_version) if api_version else _object(event)
    if resource.object == "customer":
        return {"id": obj["id"], "object": "customer", "deleted": True}
    obj["deleted"] = True
    return obj


def _object(event: dict[str, Any]) -> dict[str, Any]:
    return dict((event.get("data") or {}).get("object") or {})
