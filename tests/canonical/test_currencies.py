"""The ISO 4217 table: every active code, the right exponents, withdrawn and N.A. codes."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel, ValidationError

from canonical import (
    ISO_4217_PUBLISHED,
    WITHDRAWN_CURRENCIES,
    CurrencyCode,
    ValidationFailed,
    active_currencies,
    currency_exponent,
    is_active_currency,
    is_known_currency,
)

ZERO_DECIMAL = [
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "ISK",
    "JPY",
    "KMF",
    "KRW",
    "PYG",
    "RWF",
    "UGX",
    "UYI",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
]
THREE_DECIMAL = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]
FOUR_DECIMAL = ["CLF", "UYW"]


class _Holder(BaseModel):
    code: CurrencyCode


def test_table_size_matches_the_published_list() -> None:
    table = active_currencies()
    assert ISO_4217_PUBLISHED == "2026-01-01"
    assert len(table) == 165
    assert sorted(code for code, exp in table.items() if exp == 0) == ZERO_DECIMAL
    assert sorted(code for code, exp in table.items() if exp == 3) == THREE_DECIMAL
    assert sorted(code for code, exp in table.items() if exp == 4) == FOUR_DECIMAL
    assert sum(1 for exp in table.values() if exp == 2) == 139


@pytest.mark.parametrize(
    ("code", "exponent"),
    [
        ("USD", 2),
        ("EUR", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("KWD", 3),
        ("BHD", 3),
        ("CLF", 4),
        ("UYW", 4),
        ("HUF", 2),
        ("TWD", 2),
        ("MGA", 2),
        ("ISK", 0),
        ("UGX", 0),
        ("XCG", 2),
        ("ZWG", 2),
        ("SLE", 2),
        ("VES", 2),
        ("XAD", 2),
    ],
)
def test_exponent(code: str, exponent: int) -> None:
    assert currency_exponent(code) == exponent


def test_exponent_accepts_vendor_lower_case() -> None:
    assert currency_exponent("jpy") == 0
    assert currency_exponent(" kwd ") == 3


def test_every_code_is_three_upper_case_letters() -> None:
    for code in [*active_currencies(), *WITHDRAWN_CURRENCIES]:
        assert re.fullmatch("[A-Z]{3}", code), code
    assert not set(active_currencies()) & set(WITHDRAWN_CURRENCIES)


@pytest.mark.parametrize("code", ["XYZ", "US", "DOLLAR", ""])
def test_unknown_code_raises_with_guidance(code: str) -> None:
    with pytest.raises(ValidationFailed, match="unknown currency code") as info:
        currency_exponent(code)
    assert "ISO 4217" in str(info.value)


@pytest.mark.parametrize("code", ["XAU", "XAG", "XDR", "XTS", "XXX"])
def test_codes_without_minor_unit_are_refused(code: str) -> None:
    with pytest.raises(ValidationFailed, match="no minor unit"):
        currency_exponent(code)
    assert not is_known_currency(code)


def test_withdrawn_codes_are_known_but_not_active() -> None:
    for code in ("HRK", "BGN", "ANG", "SLL", "ZWL"):
        assert is_known_currency(code)
        assert not is_active_currency(code)
        assert currency_exponent(code) == 2
    assert currency_exponent("BYR") == 0
    assert is_active_currency("EUR")
    assert is_active_currency("XCG")


def test_currency_code_type_normalises_and_validates() -> None:
    assert _Holder(code=" usd ").code == "USD"
    with pytest.raises(ValidationError, match="unknown currency code 'ABC'"):
        _Holder(code="abc")
    with pytest.raises(ValidationError):
        _Holder.model_validate({"code": 840})
