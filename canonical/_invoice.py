"""The canonical Invoice and its lines."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from canonical._base import CanonicalModel, UtcDatetime
from canonical._money import Money

__all__ = ["Invoice", "InvoiceLine", "InvoiceStatus"]


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    PAID = "paid"
    VOID = "void"
    UNCOLLECTIBLE = "uncollectible"


class InvoiceLine(BaseModel):
    """One line of an invoice. ``amount`` is the line total before invoice-level tax."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    remote_id: str | None = None
    description: str | None = None
    quantity: Decimal | None = None
    unit_amount: Money | None = None
    amount: Money
    discount: Money | None = None
    tax: Money | None = None
    product_remote_id: str | None = None
    period_start: UtcDatetime | None = None
    period_end: UtcDatetime | None = None


_MONEY_FIELDS = (
    "subtotal",
    "discount",
    "tax",
    "total",
    "amount_due",
    "amount_paid",
    "amount_remaining",
)


class Invoice(CanonicalModel):
    """A bill sent to a customer: lines, totals, tax, status and its dates."""

    object_type: ClassVar[str] = "invoice"
    object: Literal["invoice"] = "invoice"

    number: str | None = None
    customer_id: str | None = Field(default=None, description="Canonry id of the customer")
    customer_remote_id: str | None = Field(default=None, description="vendor id of the customer")
    status: InvoiceStatus
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    lines: list[InvoiceLine] = Field(default_factory=list)
    subtotal: Money | None = None
    discount: Money | None = None
    tax: Money | None = None
    total: Money | None = None
    amount_due: Money | None = None
    amount_paid: Money | None = None
    amount_remaining: Money | None = None
    issued_at: UtcDatetime | None = None
    due_at: UtcDatetime | None = None
    paid_at: UtcDatetime | None = None
    period_start: UtcDatetime | None = None
    period_end: UtcDatetime | None = None
    memo: str | None = None

    @model_validator(mode="after")
    def _one_currency(self) -> Invoice:
        amounts = [getattr(self, name) for name in _MONEY_FIELDS]
        amounts += [line.amount for line in self.lines]
        for money in amounts:
            if money is not None and money.currency != self.currency:
                raise ValueError(
                    f"invoice is in {self.currency} but holds an amount in {money.currency}"
                )
        return self
