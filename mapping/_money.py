"""Minor units -> money, with ISO 4217 exponents from canonical and per-vendor overrides.

The engine builds money as plain data (``{"amount": Decimal, "currency": "USD"}``) that the
canonical model validates as ``Money`` together with the rest of the record: one
validation per record instead of one per amount.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from canonical import CanonryError, Money, currency_exponent

__all__ = ["EXACT", "MoneyData", "currency_lookup", "money_parts"]

MoneyData = dict[str, Any]
"""``{"amount": Decimal, "currency": "USD"}``: Money as data, validated by the model."""

EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def _iso_exponent(code: str) -> int:
    try:
        return currency_exponent(code)
    except CanonryError as exc:
        raise ValueError(exc.message) from None


def currency_lookup(overrides: dict[str, int] | None = None) -> Callable[[Any], tuple[str, int]]:
    """A cached ``raw code -> (CODE, exponent)`` function; ``overrides`` win over ISO 4217.

    ``ValueError`` for a missing or unknown code.
    """
    custom = {code.upper(): exp for code, exp in (overrides or {}).items()}
    cache: dict[Any, tuple[str, int]] = {}

    def learn(raw: Any) -> tuple[str, int]:
        if not isinstance(raw, str):
            raise ValueError(
                f"no currency code for this amount (got {raw!r}); point minor_units' "
                "`currency` arg at the record's currency or set `fixed_currency`"
            )
        code = raw.strip().upper()
        exponent = custom[code] if code in custom else _iso_exponent(code)
        cache[raw] = (code, exponent)
        return code, exponent

    def lookup(raw: Any) -> tuple[str, int]:
        try:
            return cache[raw]
        except (KeyError, TypeError):
            return learn(raw)

    return lookup


def money_parts(value: Any) -> tuple[Decimal, str] | None:
    """(amount, currency) of a Money or of money data; None for anything else."""
    if isinstance(value, Money):
        return value.amount, value.currency
    if isinstance(value, dict) and set(value) == {"amount", "currency"}:
        return Decimal(value["amount"]), str(value["currency"])
    return None
