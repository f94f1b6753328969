"""Money: exact amounts, minor units, arithmetic, currency mismatch, JSON."""

from __future__ import annotations

import json
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from canonical import (
    CanonryError,
    ConfigurationError,
    CurrencyMismatchError,
    Money,
    ValidationFailed,
    active_currencies,
)


def usd(amount: str) -> Money:
    return Money(amount=amount, currency="USD")


def test_string_amount_is_exact_and_keeps_its_scale() -> None:
    money = Money(amount="12.30", currency="usd")
    assert money.amount == Decimal("12.30")
    assert str(money.amount) == "12.30"
    assert money.currency == "USD"
    assert str(money) == "12.30 USD"


def test_int_and_decimal_amounts_are_accepted() -> None:
    assert Money(amount=5, currency="JPY").amount == Decimal(5)
    assert Money(amount=Decimal("0.1"), currency="EUR").amount == Decimal("0.1")


@pytest.mark.parametrize("amount", [0.1, 12.3, 1.0])
def test_float_is_refused_with_advice(amount: float) -> None:
    with pytest.raises(ValidationError) as info:
        Money(amount=amount, currency="USD")
    message = str(info.value)
    assert "float" in message
    assert "str" in message
    assert "Decimal" in message


def test_float_in_json_is_refused_but_string_and_int_are_not() -> None:
    with pytest.raises(ValidationError, match="float"):
        Money.model_validate_json('{"amount": 12.3, "currency": "USD"}')
    assert Money.model_validate_json('{"amount": "12.30", "currency": "USD"}') == usd("12.30")
    assert Money.model_validate_json('{"amount": 12, "currency": "USD"}') == usd("12")


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-inf", "twelve", True])
def test_non_numbers_are_refused(amount: object) -> None:
    with pytest.raises(ValidationError):
        Money(amount=amount, currency="USD")


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown currency code 'ABC'"):
        Money(amount="1", currency="ABC")


def test_json_carries_the_amount_as_a_plain_string() -> None:
    data = json.loads(Money(amount=Decimal("1E+3"), currency="JPY").model_dump_json())
    assert data == {"amount": "1000", "currency": "JPY"}
    assert json.loads(usd("0.0000001").model_dump_json())["amount"] == "0.0000001"
    assert Money.model_validate_json(usd("12.30").model_dump_json()) == usd("12.30")
    assert usd("1.50").model_dump() == {"amount": Decimal("1.50"), "currency": "USD"}


def test_negative_zero_is_unsigned() -> None:
    assert json.loads(usd("-0.00").model_dump_json())["amount"] == "0.00"
    assert json.loads((-Money.zero("USD")).model_dump_json())["amount"] == "0.00"


@pytest.mark.parametrize(
    ("minor", "currency", "amount"),
    [
        (1234, "USD", "12.34"),
        (1000, "JPY", "1000"),
        (1234, "KWD", "1.234"),
        (1, "CLF", "0.0001"),
        (-5, "EUR", "-0.05"),
        (0, "USD", "0.00"),
    ],
)
def test_from_minor(minor: int, currency: str, amount: str) -> None:
    money = Money.from_minor(minor, currency)
    assert money.amount == Decimal(amount)
    assert str(money.amount) == amount
    assert money.to_minor() == minor


def test_from_minor_is_exact_for_huge_values() -> None:
    minor = 10**31 + 1
    assert Money.from_minor(minor, "USD").to_minor() == minor
    assert Money.from_minor(-minor, "CLF").to_minor() == -minor


@pytest.mark.parametrize("amount", ["1E+30", "-1E+999999999", "1E-29", "0.1E-999999"])
def test_absurd_magnitudes_are_refused(amount: str) -> None:
    with pytest.raises(ValidationError, match="out of range"):
        usd(amount)


def test_zero_keeps_a_bounded_scale() -> None:
    assert str(usd("0E+999999999").amount) == "0"
    assert str(usd("-0E-999999999").amount) == "0E-28"
    assert str(usd("9" * 30 + ".5").amount) == "9" * 30 + ".5"


def test_from_minor_refuses_non_integers() -> None:
    with pytest.raises(ValidationFailed, match="must be an int"):
        Money.from_minor(12.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        Money.from_minor("1000", "USD")  # type: ignore[arg-type]


def test_vendor_exponent_override() -> None:
    # Stripe counts ISK in hundredths although ISO gives it no decimals
    krona = Money.from_minor(50000, "ISK", exponent=2)
    assert krona.amount == Decimal("500")
    assert krona.to_minor() == 500
    assert krona.to_minor(exponent=2) == 50000
    with pytest.raises(ConfigurationError, match="exponent"):
        Money.from_minor(1, "USD", exponent=-1)


def test_to_minor_refuses_sub_minor_amounts_without_rounding() -> None:
    with pytest.raises(ValidationFailed, match="finer than the minor unit of USD") as info:
        usd("12.345").to_minor()
    assert "rounding" in str(info.value)
    with pytest.raises(ValidationFailed):
        Money(amount="0.5", currency="JPY").to_minor()


def test_to_minor_with_rounding() -> None:
    assert usd("12.345").to_minor(ROUND_HALF_UP) == 1235
    assert usd("12.345").to_minor(ROUND_HALF_EVEN) == 1234
    assert usd("-12.349").to_minor(ROUND_DOWN) == -1234
    assert usd("12.3").to_minor() == 1230
    assert Money(amount="1.2345", currency="KWD").to_minor(ROUND_HALF_UP) == 1235


def test_unknown_rounding_mode() -> None:
    with pytest.raises(ConfigurationError, match="rounding mode"):
        usd("1.005").to_minor("HALF_UP")


def test_quantize() -> None:
    assert str(usd("2.675").quantize().amount) == "2.68"
    assert str(usd("2.665").quantize().amount) == "2.66"
    assert str(usd("2.665").quantize(ROUND_HALF_UP).amount) == "2.67"
    assert str(Money(amount="1500.5", currency="JPY").quantize().amount) == "1500"
    assert str(usd("3").quantize().amount) == "3.00"


def test_zero() -> None:
    assert str(Money.zero("USD").amount) == "0.00"
    assert str(Money.zero("jpy").amount) == "0"
    assert str(Money.zero("KWD").amount) == "0.000"


def test_arithmetic() -> None:
    assert usd("1.10") + usd("2.20") == usd("3.30")
    assert usd("1.10") - usd("2.20") == usd("-1.10")
    assert -usd("1.10") == usd("-1.10")
    assert abs(usd("-1.10")) == usd("1.10")
    assert usd("1.10") * 3 == usd("3.30")
    assert 3 * usd("1.10") == usd("3.30")
    assert usd("10.00") * Decimal("0.075") == usd("0.75")
    assert str((usd("10.00") * Decimal("0.075")).amount) == "0.75000"


def test_sum_over_a_list() -> None:
    assert sum([usd("0.10")] * 10) == usd("1.00")
    assert sum([usd("1"), usd("2")], Money.zero("USD")) == usd("3")
    assert sum([], Money.zero("EUR")) == Money.zero("EUR")


def test_decimal_sums_are_exact_where_floats_are_not() -> None:
    assert sum([usd("0.1"), usd("0.2")]) == usd("0.3")
    assert 0.1 + 0.2 != 0.3


def test_multiplying_by_float_or_money_is_refused() -> None:
    with pytest.raises(TypeError, match="not a float"):
        usd("1") * 1.5
    with pytest.raises(TypeError):
        usd("1") * usd("2")  # type: ignore[operator]
    with pytest.raises(TypeError):
        usd("1") + 1  # type: ignore[operator]


def test_mixing_currencies_raises_a_clear_error() -> None:
    eur = Money(amount="1", currency="EUR")
    with pytest.raises(CurrencyMismatchError) as info:
        usd("1") + eur
    assert info.value.left == "USD"
    assert info.value.right == "EUR"
    assert "cannot add USD and EUR" in str(info.value)
    assert isinstance(info.value, CanonryError)
    with pytest.raises(CurrencyMismatchError, match="subtract"):
        usd("1") - eur
    with pytest.raises(CurrencyMismatchError, match="compare"):
        _ = usd("1") < eur
    with pytest.raises(CurrencyMismatchError):
        sum([usd("1"), eur])


def test_comparisons_and_equality() -> None:
    assert usd("1.0") == usd("1.00")
    assert hash(usd("1.0")) == hash(usd("1.00"))
    assert usd("1") != Money(amount="1", currency="EUR")
    assert usd("1") < usd("2") <= usd("2.00") < usd("10")
    assert usd("3") > usd("2") >= usd("2")
    assert max([usd("1"), usd("5"), usd("3")]) == usd("5")
    assert usd("1") != "1 USD"
    assert len({usd("1.0"), usd("1.00"), usd("2")}) == 2


def test_money_is_immutable() -> None:
    money = usd("1")
    with pytest.raises(ValidationError):
        money.amount = Decimal(2)  # type: ignore[misc]


@given(
    minor=st.integers(min_value=-(10**29) + 1, max_value=10**29 - 1),
    currency=st.sampled_from(sorted(active_currencies())),
)
def test_minor_units_round_trip_in_every_currency(minor: int, currency: str) -> None:
    money = Money.from_minor(minor, currency)
    assert money.to_minor() == minor
    assert Money.model_validate_json(money.model_dump_json()) == money


@given(
    a=st.decimals(min_value=-(10**25), max_value=10**25, places=4),
    b=st.decimals(min_value=-(10**25), max_value=10**25, places=4),
)
def test_addition_is_exact(a: Decimal, b: Decimal) -> None:
    total = Money(amount=a, currency="CLF") + Money(amount=b, currency="CLF")
    assert total - Money(amount=b, currency="CLF") == Money(amount=a, currency="CLF")
