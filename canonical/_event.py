"""The canonical Event: something that happened to a customer or an invoice."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from canonical._base import Source, UtcDatetime, canonical_id
from canonical._customer import Customer
from canonical._invoice import Invoice

__all__ = ["Event", "EventType"]


class EventType(StrEnum):
    CUSTOMER_CREATED = "customer.created"
    CUSTOMER_UPDATED = "customer.updated"
    CUSTOMER_DELETED = "customer.deleted"
    INVOICE_CREATED = "invoice.created"
    INVOICE_UPDATED = "invoice.updated"
    INVOICE_FINALIZED = "invoice.finalized"
    INVOICE_PAID = "invoice.paid"
    INVOICE_PAYMENT_FAILED = "invoice.payment_failed"
    INVOICE_VOIDED = "invoice.voided"
    INVOICE_UNCOLLECTIBLE = "invoice.marked_uncollectible"
    INVOICE_DELETED = "invoice.deleted"
    OTHER = "other"


class Event(BaseModel):
    """A vendor event in canonical terms, with the object it concerns when known.

    ``id`` is derived from the connection and the vendor's event id when left empty, so
    the same delivery always gets the same id. When ``data`` is given, ``object_type`` and
    ``object_remote_id`` are filled from it, and must agree with it when also given.
    """

    model_config = ConfigDict(extra="forbid")

    object: Literal["event"] = "event"
    id: str = Field(default="", description="Canonry's id of the event; derived when left empty")
    type: EventType
    source: Source
    vendor_event_id: str = Field(min_length=1)
    vendor_event_type: str = Field(min_length=1)
    occurred_at: UtcDatetime
    object_type: Literal["customer", "invoice"] | None = None
    object_remote_id: str | None = None
    data: Annotated[Customer | Invoice, Field(discriminator="object")] | None = None

    @model_validator(mode="after")
    def _derive(self) -> Event:
        if not self.id:
            self.id = canonical_id("event", self.source.connection_id, self.vendor_event_id)
        if self.data is not None:
            self._match("object_type", self.data.object)
            self._match("object_remote_id", self.data.remote_id)
        kind = self.object_type
        if kind and self.type is not EventType.OTHER and not self.type.startswith(f"{kind}."):
            raise ValueError(f"event type {self.type.value!r} does not concern a {kind}")
        return self

    def _match(self, name: str, value: str) -> None:
        given = getattr(self, name)
        if given is None:
            setattr(self, name, value)
        elif given != value:
            raise ValueError(f"{name} is {given!r} but data holds {value!r}; they must agree")
