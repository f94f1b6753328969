"""The field-error policy: lenient leaves a refused optional field out, strict refuses."""

from __future__ import annotations

from decimal import Decimal

import pytest

from canonical import ConfigurationError, Customer, Invoice, MappingError, Source
from mapping import FieldWarning, Mapping

SOURCE = Source(adapter="acme", connection_id="c1")
ODD = {
    "id": "7",
    "name": "Ada",
    "email": "ada@printer.local",  # vendor-valid, a special-use domain to the canonical type
    "phone": "call me",
    "country": "Germany",  # not an ISO code
}


def _customers() -> Mapping:
    return Mapping.model_validate(
        {
            "name": "people",
            "model": "Customer",
            "version": "1.0.0",
            "rules": {
                "remote_id": "id",
                "kind": {"const": "person"},
                "name": "name",
                "email": "email",
                "phone": "phone",
                "billing_address.country": "country",
            },
        }
    )


def test_strict_refuses_the_record_as_before() -> None:
    with pytest.raises(MappingError, match="email"):
        _customers().compile().apply(ODD, source=SOURCE, field_errors="strict")
    with pytest.raises(MappingError):
        _customers().compile().apply(ODD, source=SOURCE)  # strict unless asked


def test_lenient_maps_the_record_without_the_refused_fields() -> None:
    warnings: list[FieldWarning] = []
    result = (
        _customers().compile().apply(ODD, source=SOURCE, field_errors="lenient", warnings=warnings)
    )
    assert isinstance(result, Customer)
    assert (result.remote_id, result.name) == ("7", "Ada")
    assert (result.email, result.phone) == (None, None)
    assert result.billing_address is None or result.billing_address.country is None
    assert result.remote_data == ODD  # the raw values are kept
    assert sorted(w.field for w in warnings) == ["billing_address.country", "email", "phone"]
    phone = next(w for w in warnings if w.field == "phone")
    assert (phone.rule, phone.path) == ("phone", "phone")
    assert "phone number" in phone.reason


def test_lenient_leaves_an_odd_line_field_out_and_keeps_the_line() -> None:
    invoices = Mapping.model_validate(
        {
            "name": "inv",
            "model": "Invoice",
            "version": "1.0.0",
            "rules": {"remote_id": "id", "status": {"const": "open"}, "currency": "currency"},
            "lines": {
                "source": "items",
                "rules": {
                    "amount": {"source": "cents", "transform": "minor_units"},
                    "product_remote_id": "product",
                    "quantity": "qty",
                },
            },
        }
    )
    record = {
        "id": "in_1",
        "currency": "USD",
        "items": [{"cents": 500, "currency": "USD", "qty": "a dozen", "product": "p1"}],
    }
    warnings: list[FieldWarning] = []
    result = invoices.compile().apply(
        record, source=SOURCE, field_errors="lenient", warnings=warnings
    )
    assert isinstance(result, Invoice)
    assert result.lines[0].quantity is None
    assert result.lines[0].amount.amount == Decimal("5.00")
    assert [(w.field, w.path) for w in warnings] == [("lines[0].quantity", "items[0].qty")]


def test_lenient_still_refuses_a_missing_required_field() -> None:
    with pytest.raises(MappingError, match="remote_id"):
        _customers().compile().apply({**ODD, "id": None}, source=SOURCE, field_errors="lenient")


def test_an_unknown_policy_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="lenient"):
        _customers().compile().apply(ODD, source=SOURCE, field_errors="loose")  # type: ignore[arg-type]
