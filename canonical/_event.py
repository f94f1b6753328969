"""The canonical Event: something that happened to a customer or an invoice."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from canonical._base import Source, UtcDatetime
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
    """A vendor event in canonical terms, with the object it concerns when known."""

    model_config = ConfigDict(extra="forbid")

    object: Literal["event"] = "event"
    id: str = Field(min_length=1, description="Canonry's id of the event")
    type: EventType
    source: Source
    vendor_event_id: str = Field(min_length=1)
    vendor_event_type: str = Field(min_length=1)
    occurred_at: UtcDatetime
    object_type: Literal["customer", "invoice"] | None = None
    object_remote_id: str | None = None
    data: Annotated[Customer | Invoice, Field(discriminator="object")] | None = None
