"""Minor units -> Money, through canonical's currency table."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from canonical import Money

__all__ = ["money_from_minor"]

# Used only until canonical ships Money.from_minor; the canonical table is authoritative.
_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW"), 0),
    **dict.fromkeys(("PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}

_from_minor: Callable[[int, str], Any] | None = getattr(Money, "from_minor", None)


def money_from_minor(minor: int | Decimal, currency: str) -> Money:
    """``minor`` units of ``currency`` as exact Money (1000 JPY -> 1000; 1000 KWD -> 1.000).

    A fractional ``minor`` (Stripe's ``unit_amount_decimal`` such as ``"12.5"`` cents) is
    kept exactly: 12.5 USD cents -> 0.125 USD.
    """
    code = currency.upper()
    if isinstance(minor, Decimal):
        if minor == minor.to_integral_value():
            return money_from_minor(int(minor), code)
        unit = money_from_minor(1, code).amount
        return Money(amount=minor * unit, currency=code)
    if _from_minor is not None:
        money: Money = _from_minor(minor, code)
        return money
    return Money(amount=Decimal(minor).scaleb(-_EXPONENTS.get(code, 2)), currency=code)
