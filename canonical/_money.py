"""Exact money: a ``Decimal`` amount in an ISO-4217 currency.

Minor units follow ISO 4217 (``canonical.currency_exponent``): USD 1234 minor = 12.34,
JPY 1000 minor = 1000 yen (zero-decimal, as Stripe also counts it), KWD 1234 minor =
1.234 dinar, CLF 1 minor = 0.0001.

Vendors do not always agree with ISO. Stripe, for example, keeps ISK as a two-decimal
currency in its API (``100`` = 1 krona, ISO says 0 decimals), lists MGA as zero-decimal
(ISO says 2) and has extra rules for HUF, TWD and UGX (some flows need amounts divisible
by 100). Canonry's canonical amounts always use the ISO exponent; an adapter whose
vendor counts differently passes its own ``exponent=`` to ``from_minor``/``to_minor``.

Build Money from a ``str`` (``"12.30"``), a ``Decimal`` or an ``int``; floats are refused
because a binary float cannot hold most decimal amounts exactly. JSON carries the amount
as a string. ``+``, ``-``, unary ``-``, ``abs``, ``*`` by an int or Decimal, comparisons and
``sum()`` work; mixing currencies raises ``CurrencyMismatchError``. Arithmetic is exact
(never rounded); ``quantize()`` rounds to the minor unit when you decide to.
"""

from __future__ import annotations

import decimal
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, WithJsonSchema, field_serializer, field_validator

from canonical._currencies import CurrencyCode, currency_exponent
from canonical._errors import ConfigurationError, CurrencyMismatchError, ValidationFailed

__all__ = ["Money"]

_EXACT = decimal.Context(
    prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN, rounding=ROUND_HALF_EVEN
)
"""Addition, subtraction and multiplication in this context never round."""

_ROUNDING_MODES = frozenset(
    {
        decimal.ROUND_05UP,
        decimal.ROUND_CEILING,
        decimal.ROUND_DOWN,
        decimal.ROUND_FLOOR,
        decimal.ROUND_HALF_DOWN,
        decimal.ROUND_HALF_EVEN,
        decimal.ROUND_HALF_UP,
        decimal.ROUND_UP,
    }
)

_MAX_INTEGER_DIGITS = 30
_MAX_PLACES = 28

_AMOUNT_SCHEMA = {
    "type": "string",
    "pattern": r"^-?[0-9]{1,30}(\.[0-9]{1,28})?$",
    "description": 'exact amount in major units, written as a decimal string ("12.30")',
}


def _check_range(value: Decimal) -> Decimal:
    """Refuse absurd magnitudes (``1E+999999999`` would print a billion digits); make zero
    unsigned and keep its scale within bounds."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int), "pydantic already refused NaN and infinities"
    if value.is_zero():
        return Decimal(0).scaleb(max(min(exponent, 0), -_MAX_PLACES))
    if value.adjusted() >= _MAX_INTEGER_DIGITS or exponent < -_MAX_PLACES:
        raise ValueError(
            f"amount {value:.6E} is out of range: Money holds at most {_MAX_INTEGER_DIGITS} "
            f"integer digits and {_MAX_PLACES} decimal places"
        )
    return value


def _check_rounding(rounding: str) -> str:
    if rounding not in _ROUNDING_MODES:
        raise ConfigurationError(
            f"unknown rounding mode {rounding!r}",
            hint="use a constant from the decimal module, e.g. decimal.ROUND_HALF_UP",
        )
    return rounding


def _exponent(currency: str, exponent: int | None) -> int:
    if exponent is None:
        return currency_exponent(currency)
    if isinstance(exponent, bool) or not isinstance(exponent, int) or not 0 <= exponent <= 18:
        raise ConfigurationError(
            f"minor-unit exponent {exponent!r} is not an int between 0 and 18",
            hint="leave exponent=None to use the ISO 4217 exponent of the currency",
        )
    return exponent


class Money(BaseModel):
    """An exact amount of one currency: a decimal amount in major units and an ISO 4217 code."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: Annotated[Decimal, WithJsonSchema(_AMOUNT_SCHEMA)]
    currency: CurrencyCode

    @field_validator("amount", mode="before")
    @classmethod
    def _refuse_float(cls, value: Any) -> Any:
        if isinstance(value, bool | float):
            raise ValueError(
                f"amount {value!r} is a {type(value).__name__}; binary floats are not exact "
                "money, pass a str ('12.30'), a Decimal or an int instead"
            )
        return value

    @field_validator("amount")
    @classmethod
    def _in_range(cls, value: Decimal) -> Decimal:
        return _check_range(value)

    @field_serializer("amount", when_used="json")
    def _amount_text(self, amount: Decimal) -> str:
        return format(amount, "f")

    # -- construction and minor units ------------------------------------------------

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in ``currency`` at its minor-unit precision (``0.00`` USD, ``0`` JPY)."""
        return cls(amount=Decimal(0).scaleb(-currency_exponent(currency)), currency=currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str, *, exponent: int | None = None) -> Money:
        """Money from an integer count of minor units (cents): ``from_minor(1234, "USD")``.

        ``exponent`` overrides the ISO 4217 exponent for vendors that count differently.
        """
        if isinstance(minor, bool) or not isinstance(minor, int):
            raise ValidationFailed(
                f"minor units must be an int, got {type(minor).__name__} {minor!r}",
                hint="vendors send minor units as integers; convert before calling from_minor",
            )
        places = _exponent(currency, exponent)
        return cls(amount=_EXACT.scaleb(Decimal(minor), -places), currency=currency)

    def to_minor(self, rounding: str | None = None, *, exponent: int | None = None) -> int:
        """The amount as an integer count of minor units: 12.34 USD -> 1234, 1000 JPY -> 1000.

        An amount finer than the minor unit (12.345 USD) raises ``ValidationFailed`` unless
        ``rounding`` (a ``decimal`` module constant such as ``ROUND_HALF_UP``) is given.
        """
        places = _exponent(self.currency, exponent)
        unit = Decimal(1).scaleb(-places)
        mode = ROUND_HALF_EVEN if rounding is None else _check_rounding(rounding)
        quantized = self.amount.quantize(unit, rounding=mode, context=_EXACT)
        if rounding is None and quantized != self.amount:
            raise ValidationFailed(
                f"{self} is finer than the minor unit of {self.currency} ({places} decimals)",
                hint="pass a rounding mode, e.g. to_minor(rounding=decimal.ROUND_HALF_UP)",
            )
        return int(_EXACT.scaleb(quantized, places))

    def quantize(self, rounding: str = ROUND_HALF_EVEN) -> Money:
        """The amount rounded to the currency's minor unit (banker's rounding by default)."""
        unit = Decimal(1).scaleb(-currency_exponent(self.currency))
        amount = self.amount.quantize(unit, rounding=_check_rounding(rounding), context=_EXACT)
        return self._with(amount)

    # -- arithmetic -------------------------------------------------------------------

    def _with(self, amount: Decimal) -> Money:
        # validating is as fast as pydantic's model_construct here, and keeps invariants
        return Money(amount=amount, currency=self.currency)

    def _same_currency(self, other: Money, operation: str) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatchError(operation, self.currency, other.currency)

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "add")
        return self._with(_EXACT.add(self.amount, other.amount))

    def __radd__(self, other: object) -> Money:
        if type(other) is int and other == 0:  # sum()'s start value
            return self
        return NotImplemented

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "subtract")
        return self._with(_EXACT.subtract(self.amount, other.amount))

    def __neg__(self) -> Money:
        return self._with(_EXACT.minus(self.amount))

    def __abs__(self) -> Money:
        return self._with(self.amount.copy_abs())

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, float):
            raise TypeError(
                "multiply Money by an int or a Decimal, not a float (binary floats are not exact)"
            )
        if isinstance(factor, bool) or not isinstance(factor, int | Decimal):
            return NotImplemented
        return self._with(_EXACT.multiply(self.amount, Decimal(factor)))

    __rmul__ = __mul__

    # -- comparison -------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.currency == other.currency and self.amount == other.amount

    def __hash__(self) -> int:
        return hash((self.currency, self.amount))

    def _compare(self, other: object) -> Decimal | None:
        if not isinstance(other, Money):
            return None
        self._same_currency(other, "compare")
        return other.amount

    def __lt__(self, other: object) -> bool:
        amount = self._compare(other)
        return NotImplemented if amount is None else self.amount < amount

    def __le__(self, other: object) -> bool:
        amount = self._compare(other)
        return NotImplemented if amount is None else self.amount <= amount

    def __gt__(self, other: object) -> bool:
        amount = self._compare(other)
        return NotImplemented if amount is None else self.amount > amount

    def __ge__(self, other: object) -> bool:
        amount = self._compare(other)
        return NotImplemented if amount is None else self.amount >= amount

    def __str__(self) -> str:
        return f"{format(self.amount, 'f')} {self.currency}"
