"""The built-in transforms, custom transforms, and properties of the money conversion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from canonical import MappingError, Money
from mapping import Context, Mapping, build_transform, register_transform, transform_names

CTX = Context({"currency": "usd"})


def run(name: str, value: Any, args: dict[str, Any] | None = None, ctx: Context = CTX) -> Any:
    return build_transform(name, args or {})(value, ctx)


def test_every_documented_transform_is_registered():
    assert set(transform_names()) >= {
        "unix_seconds", "unix_ms", "iso_datetime", "minor_units", "major_units", "decimal", "enum",
        "lower", "upper", "strip", "title", "normalize_space", "join", "split_name",
        "bool", "str", "sum", "first_non_empty",
    }  # fmt: skip


def test_time_transforms():
    moment = datetime(2024, 7, 26, 0, 34, 14, tzinfo=UTC)
    assert run("unix_seconds", 1721954054) == moment
    assert run("unix_seconds", "1721954054") == moment
    assert run("unix_ms", 1721954054000) == moment
    assert run("iso_datetime", "2024-07-26T00:34:14Z") == moment
    assert run("iso_datetime", "2024-07-26T02:34:14+02:00") == moment
    assert run("iso_datetime", "2024-07-26T00:34:14") == moment  # naive: taken as UTC
    paris = datetime(2024, 7, 26, 2, 34, 14, tzinfo=timezone(timedelta(hours=2)))
    assert run("iso_datetime", paris) == moment
    assert run("iso_datetime", paris).tzinfo is UTC


@pytest.mark.parametrize(
    ("name", "value", "args", "error"),
    [
        ("unix_seconds", "soon", None, "not a number"),
        ("unix_seconds", True, None, "expected a number"),
        ("unix_seconds", 10**20, None, "out of range"),
        ("iso_datetime", "26/07/2024", None, "not an ISO-8601"),
        ("iso_datetime", "2024-07-26T00:00:00", {"assume_utc": False}, "no time zone"),
        ("minor_units", 10.5, None, "float"),
        ("minor_units", "ten", None, "not a number"),
        ("decimal", "1,5", None, "not a number"),
        ("bool", "maybe", None, "not a boolean"),
        ("str", {"a": 1}, None, "cannot turn a dict"),
        ("lower", 5, None, "expected text"),
        ("sum", [1, "x"], None, "not a number"),
    ],
)
def test_transforms_refuse_values_they_cannot_convert(name, value, args, error):
    with pytest.raises((ValueError, TypeError), match=error):
        run(name, value, args)


def test_minor_units_zero_two_and_three_decimal_currencies():
    assert run("minor_units", 1000, ctx=Context({"currency": "jpy"})) == {
        "amount": Decimal(1000),
        "currency": "JPY",
    }
    assert run("minor_units", 1234)["amount"] == Decimal("12.34")
    kwd = run("minor_units", 1234, ctx=Context({"currency": "KWD"}))
    assert Money.model_validate(kwd) == Money(amount=Decimal("1.234"), currency="KWD")


def test_minor_units_args():
    assert run("minor_units", 5, {"fixed_currency": "eur"})["currency"] == "EUR"
    price = Context({"price": {"cur": "gbp"}})
    assert run("minor_units", 5, {"currency": "price.cur"}, ctx=price)["currency"] == "GBP"
    isk = Context({"currency": "isk"})
    assert run("minor_units", 500, {"exponents": {"ISK": 2}}, ctx=isk)["amount"] == Decimal(5)
    assert run("minor_units", 500, ctx=isk)["amount"] == Decimal(500)  # ISO: zero decimals
    assert run("minor_units", "12.5")["amount"] == Decimal("0.125")  # fractional cents, exact


def test_minor_units_without_currency_is_an_error():
    with pytest.raises(ValueError, match="no currency code"):
        run("minor_units", 5, ctx=Context({}))


def test_major_units_take_the_line_currency_then_the_invoice_currency():
    line = Context({"amount": "12.50"}, root={"currency": "eur"})
    assert run("major_units", "12.50", ctx=line) == {"amount": Decimal("12.50"), "currency": "EUR"}
    own = Context({"cur": "jpy"}, root={"cur": "eur"})
    assert run("major_units", 1500, {"currency": "cur"}, ctx=own)["currency"] == "JPY"
    assert run("major_units", 19.99)["amount"] == Decimal("19.99")  # floats by their text
    assert run("major_units", 5, {"fixed_currency": "gbp"}, ctx=Context({}))["currency"] == "GBP"
    with pytest.raises(ValueError, match="no currency code"):
        run("major_units", 5, ctx=Context({}))
    with pytest.raises(ValueError, match="not a number"):
        run("major_units", "twelve")


def test_enum_maps_values_with_optional_default():
    statuses = {"values": {"active": "open", "1": "paid", "true": "void"}}
    assert run("enum", "active", statuses) == "open"
    assert run("enum", 1, statuses) == "paid"
    assert run("enum", True, statuses) == "void"
    assert run("enum", "other", {**statuses, "default": "draft"}) == "draft"
    with pytest.raises(ValueError, match="'other' is not one of active, 1, true"):
        run("enum", "other", statuses)


def test_yaml_enum_keys_that_are_not_strings_still_match():
    mapping = Mapping.from_yaml(
        """
name: t
model: Customer
version: 1.0.0
rules:
  remote_id: id
  kind:
    source: is_company
    transform: enum
    args: {values: {true: organization, false: person, 1: organization}}
"""
    )
    from canonical import Source

    source = Source(adapter="a", connection_id="c")
    assert mapping.compile().apply({"id": "x", "is_company": True}, source=source).kind == (
        "organization"
    )


def test_text_transforms():
    assert run("lower", "ABC") == "abc"
    assert run("upper", "usd") == "USD"
    assert run("strip", "  a b ") == "a b"
    assert run("strip", "   ") is None
    assert run("title", "ada  LOVELACE") == "Ada Lovelace"
    assert run("normalize_space", " a \n b\t c ") == "a b c"
    assert run("join", ["a", None, "", " b ", 3]) == "a b 3"
    assert run("join", [None, ""]) is None
    assert run("join", ["x", "y"], {"separator": ", "}) == "x, y"
    assert run("split_name", "Ada", {"part": "given"}) == "Ada"
    assert run("split_name", "Ada", {"part": "family"}) is None


def test_value_transforms():
    assert run("decimal", "12.30") == Decimal("12.30")
    assert run("decimal", 3) == Decimal(3)
    assert run("bool", "YES") is True
    assert run("bool", 0) is False
    assert run("bool", " ") is None  # blank: unknown, so the rule's default applies
    assert run("str", 42) == "42"
    assert run("str", False) == "false"
    assert run("sum", [1, 2, None, 3]) == 6
    assert run("sum", []) == 0
    assert run("sum", ["1.5", 2]) == Decimal("3.5")
    assert run("first_non_empty", [None, "", [], {}, 0, 5]) == 0
    assert run("first_non_empty", [None, ""]) is None


def test_sum_of_money_keeps_one_currency():
    usd = [Money(amount=Decimal("1.10"), currency="USD"), {"amount": Decimal(2), "currency": "USD"}]
    assert run("sum", usd) == {"amount": Decimal("3.10"), "currency": "USD"}
    with pytest.raises(ValueError, match="cannot add amounts in EUR, USD"):
        run("sum", [*usd, Money(amount=Decimal(1), currency="EUR")])


def test_custom_transform_with_args_is_usable_from_a_mapping(source):
    @register_transform("test_scale", replace=True)
    def scale(args: dict[str, Any]):
        factor = int(args.get("factor", 1))
        return lambda value, ctx: str(int(value) * factor)

    mapping = Mapping.from_yaml(
        """
name: t
model: Customer
version: 1.0.0
rules:
  remote_id: {source: n, transform: test_scale, args: {factor: 3}}
"""
    )

    assert mapping.compile().apply({"n": 14}, source=source).remote_id == "42"


def test_custom_transform_bugs_surface_as_mapping_errors(source):
    @register_transform("test_broken", replace=True)
    def broken(args: dict[str, Any]):
        return lambda value, ctx: value["missing"]

    mapping = Mapping.model_validate(
        {
            "name": "t",
            "model": "Customer",
            "version": "1.0.0",
            "rules": {"remote_id": "id", "name": {"source": "n", "transform": "test_broken"}},
        }
    )

    with pytest.raises(MappingError) as caught:
        mapping.compile().apply({"id": "x", "n": {}}, source=source)
    assert caught.value.rule == "name"
    assert isinstance(caught.value.__cause__, KeyError)


def test_registering_a_taken_name_needs_replace():
    with pytest.raises(ValueError, match="already registered"):
        register_transform("lower")(lambda args: lambda value, ctx: value)


CURRENCIES = st.sampled_from(["USD", "EUR", "JPY", "KRW", "KWD", "BHD", "CLF", "GBP"])


@given(minor=st.integers(min_value=-(10**15), max_value=10**15), currency=CURRENCIES)
def test_minor_units_round_trip_through_money(minor, currency):
    data = run("minor_units", minor, ctx=Context({"currency": currency.lower()}))
    money = Money.model_validate(data)

    assert money.currency == currency
    assert money.to_minor() == minor


@given(minor=st.integers(min_value=0, max_value=10**12))
def test_zero_decimal_amounts_equal_their_minor_units(minor):
    data = run("minor_units", minor, ctx=Context({"currency": "jpy"}))
    assert data["amount"] == Decimal(minor)


@given(parts=st.lists(st.integers(min_value=-(10**9), max_value=10**9), max_size=8))
def test_sum_then_minor_units_equals_sum_of_money(parts):
    ctx = Context({"currency": "kwd"})
    total = run("minor_units", run("sum", parts), ctx=ctx)
    each = run("sum", [run("minor_units", p, ctx=ctx) for p in parts]) if parts else None

    assert total["amount"] == Decimal(sum(parts)).scaleb(-3)
    if each is not None:
        assert each["amount"] == total["amount"]
