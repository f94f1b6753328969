"""The canonical Invoice and its lines."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from canonical._base import CanonicalModel, UtcDatetime
from canonical._currencies import CurrencyCode
from canonical._money import Money

__all__ = ["Invoice", "InvoiceLine", "InvoiceStatus"]


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    PAID = "paid"
    VOID = "void"
    UNCOLLECTIBLE = "uncollectible"


_LINE_MONEY_FIELDS = ("unit_amount", "amount", "discount", "tax")


class InvoiceLine(BaseModel):
    """One line of an invoice. ``amount`` is the line total before invoice-level tax.

    Every amount of a line is in the same currency.
    """

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

    def amounts(self) -> Iterator[tuple[str, Money]]:
        """``(field name, Money)`` for every amount the line holds."""
        for name in _LINE_MONEY_FIELDS:
            money = getattr(self, name)
            if money is not None:
                yield name, money

    @model_validator(mode="after")
    def _one_currency(self) -> InvoiceLine:
        currency = self.amount.currency
        for name, money in self.amounts():
            if money.currency != currency:
                raise ValueError(
                    f"line amount is in {currency} but {name} is in {money.currency}; "
                    "all amounts of a line share one currency"
                )
        return self


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
    currency: CurrencyCode
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

    def amounts(self) -> Iterator[tuple[str, Money]]:
        """``(path, Money)`` for every amount on the invoice and its lines."""
        for name in _MONEY_FIELDS:
            money = getattr(self, name)
            if money is not None:
                yield name, money
        for index, line in enumerate(self.lines):
            for name, money in line.amounts():
                yield f"lines[{index}].{name}", money

    @model_validator(mode="after")
    def _one_currency(self) -> Invoice:
        for path, money in self.amounts():
            if money.currency != self.currency:
                raise ValueError(
                    f"invoice is in {self.currency} but {path} is in {money.currency}; "
                    "every amount of an invoice is in the invoice currency"
                )
        return self
