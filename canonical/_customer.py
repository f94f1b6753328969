"""The canonical Customer: a person or an organisation that is billed."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field

from canonical._base import CanonicalModel
from canonical._currencies import CurrencyCode
from canonical._values import Address, Email, Phone

__all__ = ["Customer", "CustomerKind"]


class CustomerKind(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"


class Customer(CanonicalModel):
    """A person or an organisation, as one vendor knows it."""

    object_type: ClassVar[str] = "customer"
    object: Literal["customer"] = "customer"

    kind: CustomerKind = CustomerKind.PERSON
    name: str | None = Field(default=None, description="display name")
    given_name: str | None = None
    family_name: str | None = None
    company_name: str | None = Field(default=None, description="a person's organisation")
    email: Email | None = None
    phone: Phone | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    currency: CurrencyCode | None = Field(default=None, description="default billing currency")
    description: str | None = None
