"""Built-in transforms for times, money, numbers, enums and lists.

String transforms live in ``mapping._text``. Every applied function raises ``ValueError``
or ``TypeError`` for a value it cannot convert; the engine reports it with the rule.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mapping._money import EXACT, MoneyData, currency_lookup, money_parts
from mapping._paths import parse_path
from mapping._registry import Apply, Context, check_args, register_transform

__all__ = ["is_empty", "no_args"]

_Strict = ConfigDict(extra="forbid", frozen=True)


def no_args(name: str, args: dict[str, Any]) -> None:
    """Refuse args for a transform that takes none."""
    if args:
        raise ValueError(f"{name} takes no args, got {', '.join(sorted(args))}")


def is_empty(value: Any) -> bool:
    """None, an empty string, list or dict."""
    return value is None or (isinstance(value, str | list | dict) and not value)


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    try:
        return Decimal(str(value).strip()) if not isinstance(value, int) else Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def _from_epoch(seconds: Decimal) -> datetime:
    try:
        return datetime.fromtimestamp(float(seconds), UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"timestamp {seconds} is out of range") from None


@register_transform("unix_seconds")
def unix_seconds(args: dict[str, Any]) -> Apply:
    """Seconds since the Unix epoch -> aware UTC datetime."""
    no_args("unix_seconds", args)

    def apply(value: Any, ctx: Context) -> datetime:
        if type(value) is int:
            try:
                return datetime.fromtimestamp(value, UTC)
            except (OverflowError, OSError, ValueError):
                raise ValueError(f"timestamp {value} is out of range") from None
        return _from_epoch(_number(value))

    return apply


@register_transform("unix_ms")
def unix_ms(args: dict[str, Any]) -> Apply:
    """Milliseconds since the Unix epoch -> aware UTC datetime."""
    no_args("unix_ms", args)
    return lambda value, ctx: _from_epoch(_number(value) / 1000)


class _IsoArgs(BaseModel):
    model_config = _Strict
    assume_utc: bool = True


@register_transform("iso_datetime")
def iso_datetime(args: dict[str, Any]) -> Apply:
    """ISO-8601 text -> aware UTC datetime (naive values taken as UTC unless assume_utc: false)."""
    assume_utc = check_args(_IsoArgs, args).assume_utc

    def apply(value: Any, ctx: Context) -> datetime:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"not an ISO-8601 date-time: {value!r}") from None
        if not isinstance(value, datetime):
            raise TypeError(f"expected ISO-8601 text, got {type(value).__name__}")
        if value.tzinfo is None:
            if not assume_utc:
                raise ValueError(f"date-time {value.isoformat()} has no time zone")
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    return apply


class _MinorArgs(BaseModel):
    model_config = _Strict
    currency: str = Field(default="currency", description="path of the currency code")
    fixed_currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    exponents: dict[str, int] = Field(default_factory=dict, description="vendor exponents")


def _minor_decimal(value: Any) -> Decimal:
    if isinstance(value, float):
        raise TypeError(f"minor units must be an integer or decimal text, got float {value!r}")
    number = _number(value)
    if not number.is_finite():
        raise ValueError(f"minor units must be a finite number, got {value!r}")
    return number


@register_transform("minor_units", path_args={"currency": "currency"})
def minor_units(args: dict[str, Any]) -> Apply:
    """Minor units (cents, yen, fils; integer or decimal text) -> Money in the record's currency.

    The ISO 4217 exponent decides (JPY 0, USD 2, KWD 3); ``exponents`` overrides it for a
    vendor that counts differently (Stripe keeps ISK at 2). Gives money as plain data.
    """
    options = check_args(_MinorArgs, args)
    currency_of = parse_path(options.currency).getter()
    currency = currency_lookup(options.exponents)
    fixed = currency(options.fixed_currency) if options.fixed_currency else None
    scaleb = EXACT.scaleb

    def apply(value: Any, ctx: Context) -> MoneyData:
        number = Decimal(value) if type(value) is int else _minor_decimal(value)
        code, exponent = fixed or currency(currency_of(ctx.record) or currency_of(ctx.root))
        return {"amount": scaleb(number, -exponent), "currency": code}

    return apply


class _MajorArgs(BaseModel):
    model_config = _Strict
    currency: str = Field(default="currency", description="path of the currency code")
    fixed_currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")


@register_transform("major_units", path_args={"currency": "currency"})
def major_units(args: dict[str, Any]) -> Apply:
    """A decimal amount in whole currency units (12.50) -> Money in the record's currency.

    The currency is read at ``currency`` in the record, else in the root record (a line
    item's amount takes its invoice's currency), unless ``fixed_currency`` is given.
    """
    options = check_args(_MajorArgs, args)
    currency_of = parse_path(options.currency).getter()
    currency = currency_lookup()
    fixed = currency(options.fixed_currency)[0] if options.fixed_currency else None

    def apply(value: Any, ctx: Context) -> MoneyData:
        code = fixed or currency(currency_of(ctx.record) or currency_of(ctx.root))[0]
        return {"amount": _number(value), "currency": code}

    return apply


@register_transform("decimal")
def decimal(args: dict[str, Any]) -> Apply:
    """A number or numeric text -> exact Decimal."""
    no_args("decimal", args)
    return lambda value, ctx: _number(value)


class _EnumArgs(BaseModel):
    model_config = _Strict
    values: dict[str, Any] = Field(min_length=1)
    default: Any = None


def _enum_key(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int):
        return str(value)
    raise TypeError(f"enum values must be text or integers, got {type(value).__name__}")


@register_transform("enum")
def enum(args: dict[str, Any]) -> Apply:
    """Map vendor values to canonical ones (``values``); unknown values use ``default``."""
    options = check_args(_EnumArgs, {**args, "values": _str_keys(args.get("values"))})
    values, default = options.values, options.default

    def apply(value: Any, ctx: Context) -> Any:
        key = _enum_key(value)
        if key in values:
            return values[key]
        if default is not None:
            return default
        raise ValueError(f"{key!r} is not one of {', '.join(values)} and the enum has no default")

    return apply


def _str_keys(values: Any) -> Any:
    if isinstance(values, dict):
        return {_enum_key(k) if not isinstance(k, str) else k: v for k, v in values.items()}
    return values


_TRUE = frozenset({"true", "yes", "y", "1", "on", "t"})
_FALSE = frozenset({"false", "no", "n", "0", "off", "f"})


@register_transform("bool")
def to_bool(args: dict[str, Any]) -> Apply:
    """true/false, 1/0, yes/no (any case) -> bool; empty text -> None."""
    no_args("bool", args)

    def apply(value: Any, ctx: Context) -> bool | None:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            text = value.strip().lower()
            if not text:
                return None
            if text in _TRUE or text in _FALSE:
                return text in _TRUE
        raise ValueError(f"not a boolean: {value!r} (use true/false, yes/no or 1/0)")

    return apply


@register_transform("str")
def to_str(args: dict[str, Any]) -> Apply:
    """A scalar -> its text (booleans as true/false)."""
    no_args("str", args)

    def apply(value: Any, ctx: Context) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float | Decimal):
            return str(value)
        raise TypeError(f"cannot turn a {type(value).__name__} into text")

    return apply


@register_transform("sum")
def to_sum(args: dict[str, Any]) -> Apply:
    """The sum of a list of numbers, or of money in one currency (None items skipped)."""
    no_args("sum", args)

    def apply(value: Any, ctx: Context) -> Any:
        items = [v for v in (value if isinstance(value, list) else [value]) if v is not None]
        if all(isinstance(v, int) and not isinstance(v, bool) for v in items):
            return sum(items)
        parts = [money_parts(v) for v in items]
        if all(p is not None for p in parts):
            return _sum_money([p for p in parts if p is not None])
        return sum((_number(v) for v in items), Decimal(0))

    return apply


def _sum_money(parts: list[tuple[Decimal, str]]) -> MoneyData:
    currencies = {currency for _, currency in parts}
    if len(currencies) > 1:
        raise ValueError(f"cannot add amounts in {', '.join(sorted(currencies))}")
    return {"amount": sum((a for a, _ in parts), Decimal(0)), "currency": parts[0][1]}


@register_transform("first_non_empty")
def first_non_empty(args: dict[str, Any]) -> Apply:
    """The first value that is not None, empty text, an empty list or an empty dict."""
    no_args("first_non_empty", args)

    def apply(value: Any, ctx: Context) -> Any:
        if not isinstance(value, list):
            return None if is_empty(value) else value
        return next((v for v in value if not is_empty(v)), None)

    return apply
