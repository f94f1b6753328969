"""Canonical models: the vendor-neutral shapes every adapter produces."""

from canonical._base import CanonicalModel, Source, UtcDatetime, canonical_id
from canonical._customer import Customer, CustomerKind
from canonical._errors import *  # noqa: F403
from canonical._errors import __all__ as _errors_all
from canonical._event import Event, EventType
from canonical._invoice import Invoice, InvoiceLine, InvoiceStatus
from canonical._money import Money
from canonical._values import Address, Email, Phone

SCHEMA_VERSION = "1.0.0"

__all__ = [
    "SCHEMA_VERSION",
    "Address",
    "CanonicalModel",
    "Customer",
    "CustomerKind",
    "Email",
    "Event",
    "EventType",
    "Invoice",
    "InvoiceLine",
    "InvoiceStatus",
    "Money",
    "Phone",
    "Source",
    "UtcDatetime",
    "canonical_id",
    *_errors_all,
]
