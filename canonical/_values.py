"""Small value types: postal address, email address and phone number."""

from __future__ import annotations

import re
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

__all__ = ["Address", "Email", "Phone"]

_PHONE_CHARS = re.compile(r"^\+?[0-9 ().\-/]+((ext\.?|x|#)\s*[0-9]+)?$", re.IGNORECASE)


def _email(value: str) -> str:
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from None
    return result.normalized


def _phone(value: str) -> str:
    cleaned = " ".join(value.split())
    digits = sum(ch.isdigit() for ch in cleaned.split("x")[0])
    if not _PHONE_CHARS.match(cleaned) or not 4 <= digits <= 17:
        raise ValueError("not a phone number: expected digits with optional +, spaces, ()-./")
    return cleaned


Email = Annotated[str, AfterValidator(_email)]
"""An email address, syntax-checked and normalised (domain lower-cased); no DNS lookup."""

Phone = Annotated[str, AfterValidator(_phone)]
"""A phone number as the vendor wrote it, whitespace-normalised and syntax-checked."""


class Address(BaseModel):
    """A postal address; ``country`` is an ISO 3166-1 alpha-2 code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = Field(default=None, description="state, province or county")
    postal_code: str | None = None
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
