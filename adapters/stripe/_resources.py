"""What the Stripe adapter knows about each stream: endpoints, event types, tombstones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["RESOURCES", "StripeResource", "tombstone"]


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
        event_types=("invoice.*",),
        deleted_event="invoice.deleted",
    ),
}


def tombstone(resource: StripeResource, event: dict[str, Any]) -> dict[str, Any]:
    """The record emitted for a deletion event.

    Customers become Stripe's deleted stub (``{"id", "object", "deleted": true}``); an
    invoice keeps the event's last snapshot (status, currency) plus ``"deleted": true`` so
    it still maps to a valid Invoice.
    """
    obj: dict[str, Any] = dict((event.get("data") or {}).get("object") or {})
    if resource.object == "customer":
        return {"id": obj["id"], "object": "customer", "deleted": True}
    obj["deleted"] = True
    return obj
