"""Email, Phone and Address value types."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from canonical import Address, Email, Phone


class _Contact(BaseModel):
    email: Email | None = None
    phone: Phone | None = None


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("jenny.rosen@example.com", "jenny.rosen@example.com"),
        ("  Jenny@EXAMPLE.com ", "Jenny@example.com"),
        ("a+tag@sub.example.org", "a+tag@sub.example.org"),
    ],
)
def test_email_is_validated_and_normalised(raw: str, normalised: str) -> None:
    assert _Contact(email=raw).email == normalised


@pytest.mark.parametrize("raw", ["not-an-email", "a@", "@example.com", "a b@example.com", ""])
def test_bad_email_is_refused(raw: str) -> None:
    with pytest.raises(ValidationError, match="not a valid email address"):
        _Contact(email=raw)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("+1 (555) 123-4567", "+1 (555) 123-4567"),
        ("+44  20 7946\t0958", "+44 20 7946 0958"),
        ("+44 (0)20 7946 0958", "+44 (0)20 7946 0958"),
        ("555-1234 ext. 12", "555-1234 ext. 12"),
        ("555.123.4567 x89", "555.123.4567 x89"),
        ("(555) 123 4567 #2", "(555) 123 4567 #2"),
        ("0049/30/123456", "0049/30/123456"),
    ],
)
def test_phone_is_checked_and_whitespace_normalised(raw: str, normalised: str) -> None:
    assert _Contact(phone=raw).phone == normalised


@pytest.mark.parametrize(
    "raw",
    ["1-800-FLOWERS", "123", "call me", "+", "12 34 56 78 90 12 34 56 78", "555 x", "5+55 1234"],
)
def test_bad_phone_is_refused(raw: str) -> None:
    with pytest.raises(ValidationError, match="not a phone number"):
        _Contact(phone=raw)


def test_extension_digits_do_not_count_towards_the_number() -> None:
    # 16 digits in the number itself plus a long extension is still a phone number
    assert _Contact(phone="+1234567890123456 X 123456789").phone is not None
    with pytest.raises(ValidationError):
        _Contact(phone="123 x 4567890")


def test_address_blanks_become_none_and_country_is_upper_cased() -> None:
    address = Address(line1=" 1 Main St ", line2="", city="  ", postal_code="94107", country="us")
    assert address.line1 == "1 Main St"
    assert address.line2 is None
    assert address.city is None
    assert address.country == "US"
    assert not address.is_empty()
    assert Address(line1="", country="").is_empty()


@pytest.mark.parametrize("country", ["USA", "United States", "U1"])
def test_address_country_must_be_alpha_2(country: str) -> None:
    with pytest.raises(ValidationError):
        Address(country=country)


def test_address_is_frozen_and_strict() -> None:
    address = Address(city="Paris")
    with pytest.raises(ValidationError):
        address.city = "Lyon"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="extra"):
        Address.model_validate({"city": "Paris", "planet": "Earth"})


def test_stripe_all_null_address_is_empty(stripe_fixture) -> None:
    charge = stripe_fixture("charge")
    raw = charge["billing_details"]["address"]
    address = Address(
        line1=raw.get("line1"),
        line2=raw.get("line2"),
        city=raw.get("city"),
        region=raw.get("state"),
        postal_code=raw.get("postal_code"),
        country=raw.get("country"),
    )
    assert address.is_empty()
    assert Address(**{**address.model_dump(), "country": "de"}).country == "DE"
