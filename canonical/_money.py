"""Exact money: a ``Decimal`` amount in an ISO-4217 currency.

Skeleton owned by the canonical helper: currency table, minor units, arithmetic.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, field_validator

__all__ = ["Money"]


class Money(BaseModel):
    """An exact amount of one currency. Arithmetic across currencies raises."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: Decimal
    currency: str

    @field_validator("currency")
    @classmethod
    def _upper(cls, v: str) -> str:
        return v.upper()
