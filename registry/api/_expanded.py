"""The shape of an invoice read with ``expand=customer``."""

from __future__ import annotations

from canonical import Customer, Invoice

__all__ = ["InvoiceWithCustomer"]


class InvoiceWithCustomer(Invoice):
    """An invoice with its customer's record embedded (null when the store has none)."""

    customer: Customer | None = None
