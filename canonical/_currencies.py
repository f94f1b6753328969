"""ISO 4217 currency codes and their minor-unit exponents, shipped as data.

Source: the ISO 4217 maintenance agency's List One ("current currency & funds code
list"), edition published 2026-01-01. Every active code with a numeric minor unit is
here, including fund codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW) and XAD.

Codes whose ISO minor unit is "N.A." (precious metals XAU/XAG/XPT/XPD, the SDR XDR,
bond-market units XBA-XBD, XSU, XUA, the testing code XTS and "no currency" XXX) are
not amounts anyone invoices in: they are refused with a message saying so.

A few recently withdrawn codes (``WITHDRAWN_CURRENCIES``) are still accepted, because
synced history outlives a currency: a 2022 Croatian invoice stays in HRK, a 2025
Bulgarian one in BGN. ``is_active_currency`` tells the two apart.

The exponent is ISO's, not any vendor's: see ``canonical.Money`` for vendors (Stripe)
whose API minor units differ for some currencies.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated

from pydantic import BeforeValidator, Field

from canonical._errors import ValidationFailed

__all__ = [
    "ISO_4217_PUBLISHED",
    "WITHDRAWN_CURRENCIES",
    "CurrencyCode",
    "active_currencies",
    "currency_exponent",
    "is_active_currency",
    "is_known_currency",
]

ISO_4217_PUBLISHED = "2026-01-01"
"""Publication date of the ISO 4217 List One edition this table reproduces."""

_BY_EXPONENT: dict[int, str] = {
    0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
    2: (
        "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BOV BRL BSD BTN BWP BYN "
        "BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD "
        "FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW "
        "KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR "
        "MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG "
        "SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD "
        "USN UYU UZS VED VES WST XAD XCD XCG YER ZAR ZMW ZWG"
    ),
    3: "BHD IQD JOD KWD LYD OMR TND",
    4: "CLF UYW",
}

_NO_MINOR_UNIT = frozenset(
    {"XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"}
)

_ACTIVE: Mapping[str, int] = MappingProxyType(
    {code: exponent for exponent, codes in _BY_EXPONENT.items() for code in codes.split()}
)

WITHDRAWN_CURRENCIES: Mapping[str, int] = MappingProxyType(
    {
        "ANG": 2,  # Netherlands Antillean guilder -> XCG, 2025
        "BGN": 2,  # Bulgarian lev -> EUR, 2026
        "BYR": 0,  # Belarusian ruble -> BYN, 2017
        "CUC": 2,  # Cuban convertible peso, 2021-2022
        "HRK": 2,  # Croatian kuna -> EUR, 2023
        "LTL": 2,  # Lithuanian litas -> EUR, 2015
        "LVL": 2,  # Latvian lats -> EUR, 2014
        "MRO": 2,  # Mauritanian ouguiya -> MRU, 2018
        "SLL": 2,  # Sierra Leonean leone -> SLE, 2022-2024
        "STD": 2,  # Dobra -> STN, 2018
        "VEF": 2,  # Bolivar fuerte -> VES, 2018
        "ZWL": 2,  # Zimbabwe dollar -> ZWG, 2024
    }
)
"""Codes withdrawn since 2014 that synced history may still carry, with their exponent."""


def active_currencies() -> Mapping[str, int]:
    """Every active ISO 4217 code with a minor unit, mapped to its exponent."""
    return _ACTIVE


def is_active_currency(code: str) -> bool:
    """Whether ``code`` (upper case) is an active ISO 4217 code with a minor unit."""
    return code in _ACTIVE


def is_known_currency(code: str) -> bool:
    """Whether ``code`` (upper case) is accepted by ``Money``: active or recently withdrawn."""
    return code in _ACTIVE or code in WITHDRAWN_CURRENCIES


def _problem(code: str) -> str | None:
    if code in _NO_MINOR_UNIT:
        return (
            f"currency {code!r} has no minor unit in ISO 4217 (metal, SDR or special code); "
            "Money holds only currencies people are billed in"
        )
    if not is_known_currency(code):
        return (
            f"unknown currency code {code!r}: expected an active ISO 4217 code "
            "such as USD, EUR, JPY or KWD"
        )
    return None


def currency_exponent(code: str) -> int:
    """The ISO 4217 minor-unit exponent: 2 for USD, 0 for JPY, 3 for KWD, 4 for CLF.

    Lower-case codes (as Stripe writes them) are accepted. An unknown code raises
    ``ValidationFailed``.
    """
    upper = code.strip().upper()
    problem = _problem(upper)
    if problem is not None:
        raise ValidationFailed(problem, hint="see canonical.active_currencies() for the list")
    return _ACTIVE[upper] if upper in _ACTIVE else WITHDRAWN_CURRENCIES[upper]


def _normalise_code(value: object) -> object:
    if not isinstance(value, str):
        return value  # the str validator reports the type error
    upper = value.strip().upper()
    problem = _problem(upper)
    if problem is not None:
        raise ValueError(problem)
    return upper


CurrencyCode = Annotated[
    str,
    Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 currency code, upper case"),
    BeforeValidator(_normalise_code),
]
"""An ISO 4217 code: trimmed, upper-cased ("usd" -> "USD") and checked against the table."""
