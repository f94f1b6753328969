"""Small value types: postal address, email address and phone number."""

from __future__ import annotations

import re
from typing import Annotated, Any

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

__all__ = ["Address", "Email", "Phone"]

_PHONE = re.compile(
    r"^(?P<number>\+?[0-9 ().\-/]+?)\s*(?:(?:ext\.?|x|#)\s*(?P<ext>[0-9]+))?$",
    re.IGNORECASE,
)
_MIN_DIGITS = 4
_MAX_DIGITS = 17  # E.164 allows 15; leave room for trunk prefixes such as (0)


_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_EMAIL = re.compile(
    rf"(?P<local>{_ATEXT}(?:\.{_ATEXT})*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)
_SPECIAL_USE = tuple(SPECIAL_USE_DOMAIN_NAMES)


def _plain_email(value: str) -> str | None:
    """The normalised form of a plain ASCII address, or None when the full check must decide.

    A fast path for the common case (validating ``Email`` dominated sync profiles): it
    accepts only what ``email_validator`` accepts and normalises it the same way (domain
    lower-cased); a differential test pins that. Anything unusual falls through.
    """
    match = _PLAIN_EMAIL.fullmatch(value)
    if match is None or len(value) > 254 or len(match["local"]) > 64:
        return None
    domain = match["domain"].lower()
    if "--" in domain or len(domain) > 253:
        return None
    if any(domain == name or domain.endswith("." + name) for name in _SPECIAL_USE):
        return None
    return f"{match['local']}@{domain}"


def _email(value: str) -> str:
    value = value.strip()
    plain = _plain_email(value)
    if plain is not None:
        return plain
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from None
    return result.normalized


def _phone(value: str) -> str:
    cleaned = " ".join(value.split())
    match = _PHONE.match(cleaned)
    digits = sum(ch.isdigit() for ch in match.group("number")) if match else 0
    if not _MIN_DIGITS <= digits <= _MAX_DIGITS:
        raise ValueError(
            "not a phone number: expected 4 to 17 digits with optional leading +, "
            "spaces, ()-./ and an extension such as 'ext. 12' or 'x12'"
        )
    return cleaned


Email = Annotated[str, AfterValidator(_email)]
"""An email address, syntax-checked and normalised (domain lower-cased); no DNS lookup."""

Phone = Annotated[str, AfterValidator(_phone)]
"""A phone number as the vendor wrote it, whitespace-normalised and syntax-checked."""


class Address(BaseModel):
    """A postal address; ``country`` is an ISO 3166-1 alpha-2 code.

    Vendors often send blank strings for unknown parts: they become ``None``. Surrounding
    whitespace is trimmed and ``country`` is upper-cased (``"us"`` -> ``"US"``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = Field(default=None, description="state, province or county")
    postal_code: str | None = None
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None

    @model_validator(mode="before")
    @classmethod
    def _blanks_to_none(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        cleaned = {
            k: (None if isinstance(v, str) and not v.strip() else v) for k, v in data.items()
        }
        country = cleaned.get("country")
        if isinstance(country, str):
            cleaned["country"] = country.strip().upper()
        return cleaned

    def is_empty(self) -> bool:
        """Whether every part is missing (vendors often send an all-blank address)."""
        return all(value is None for value in self.model_dump().values())
