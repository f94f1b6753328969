"""The Stripe invoice mapping (adapters/stripe/mappings/invoices.yaml) on real objects."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from adapters.stripe._versions import invoice_to_pinned
from canonical import Invoice, InvoiceStatus, MappingError, Money


def test_real_fixture_maps_to_invoice(stripe_fixture, invoices_mapping, source):
    record = stripe_fixture("invoice")

    invoice = invoices_mapping.compile().apply(record, source=source)

    assert isinstance(invoice, Invoice)
    assert invoice.remote_id == "in_1Pgc6tB7WZ01zgkWu9fdqL6I"
    assert invoice.customer_remote_id == "cus_QXg1o8vcGmoR32"
    assert invoice.status is InvoiceStatus.DRAFT
    assert invoice.currency == "USD"
    usd_10 = Money(amount=Decimal("10.00"), currency="USD")
    assert invoice.subtotal == usd_10
    assert invoice.total == usd_10
    assert invoice.amount_due == usd_10
    assert invoice.amount_remaining == usd_10
    assert invoice.amount_paid == Money(amount=Decimal(0), currency="USD")
    assert invoice.discount == Money(amount=Decimal(0), currency="USD")  # no discounts: zero
    assert invoice.tax is None  # the fixture's API version sends total_taxes: null, no `tax`
    stamp = datetime(2009, 2, 13, 23, 31, 30, tzinfo=UTC)
    assert invoice.issued_at == stamp  # effective_at
    assert invoice.due_at == stamp
    assert invoice.created_at == stamp
    assert invoice.period_start == stamp
    assert invoice.period_end == stamp
    assert invoice.paid_at is None
    assert invoice.memo is None
    assert invoice.number is None


def test_real_fixture_lines(stripe_fixture, invoices_mapping, source):
    invoice = invoices_mapping.compile().apply(stripe_fixture("invoice"), source=source)

    assert len(invoice.lines) == 1
    line = invoice.lines[0]
    assert line.remote_id == "il_1Pgc6sB7WZ01zgkWFnxLrLCq"
    assert line.description == "My First Invoice Item (created for API docs)"
    assert line.amount == Money(amount=Decimal("10.00"), currency="USD")
    assert line.quantity == Decimal(1)
    assert line.unit_amount is None  # pricing.unit_amount_decimal is null in the fixture
    assert line.tax is None
    assert line.period_start == datetime(2024, 7, 26, 0, 34, 14, tzinfo=UTC)


def test_the_line_item_fixture_maps_as_a_line(stripe_fixture, invoices_mapping, source):
    record = stripe_fixture("invoice")
    record["lines"]["data"] = [stripe_fixture("line_item")]

    invoice = invoices_mapping.compile().apply(record, source=source)

    assert invoice.lines[0].remote_id == "il_tmp_1Pgc6sB7WZ01zgkWrG16hkdl"


def _jpy(record):
    record = copy.deepcopy(record)
    record["currency"] = "jpy"
    for line in record["lines"]["data"]:
        line["currency"] = "jpy"
    return record


def test_jpy_invoice_is_zero_decimal(stripe_fixture, invoices_mapping, source):
    record = _jpy(stripe_fixture("invoice"))

    invoice = invoices_mapping.compile().apply(record, source=source)

    assert invoice.currency == "JPY"
    assert invoice.total == Money(amount=Decimal(1000), currency="JPY")  # 1000 minor = ¥1000
    assert invoice.lines[0].amount.amount == Decimal(1000)


def test_kwd_invoice_has_three_decimals(stripe_fixture, invoices_mapping, source):
    record = stripe_fixture("invoice") | {"currency": "kwd", "total": 1234}
    for line in record["lines"]["data"]:
        line["currency"] = "kwd"

    invoice = invoices_mapping.compile().apply(record, source=source)

    assert invoice.total == Money(amount=Decimal("1.234"), currency="KWD")
    assert invoice.subtotal == Money(amount=Decimal("1.000"), currency="KWD")


def test_isk_uses_stripes_two_decimal_convention(stripe_fixture, invoices_mapping, source):
    record = stripe_fixture("invoice") | {"currency": "isk", "total": 50000}
    record["lines"]["data"][0]["currency"] = "isk"

    invoice = invoices_mapping.compile().apply(record, source=source)

    assert invoice.total == Money(amount=Decimal(500), currency="ISK")


def test_paid_invoice_with_taxes_discounts_and_expanded_customer(
    stripe_fixture, invoices_mapping, source
):
    record = stripe_fixture("invoice") | {
        "status": "paid",
        "number": "7FE1103-0001",
        "description": " Thanks! ",
        "customer": {"id": "cus_expanded", "object": "customer"},
        "total_taxes": [{"amount": 150}, {"amount": 50}],
        "total_discount_amounts": [{"amount": 100, "discount": "di_1"}],
        "effective_at": None,
        "status_transitions": {"finalized_at": 1700000000, "paid_at": 1700000500},
        "metadata": {"order": "A-1"},
    }
    line = record["lines"]["data"][0]
    line["pricing"] = {
        "type": "price_details",
        "unit_amount_decimal": "333.5",
        "price_details": {"price": "price_1", "product": "prod_1"},
    }
    line["taxes"] = [{"amount": 200}]
    line["discount_amounts"] = [{"amount": 100}]

    invoice = invoices_mapping.compile().apply(record, source=source)

    assert invoice.status is InvoiceStatus.PAID
    assert invoice.number == "7FE1103-0001"
    assert invoice.memo == "Thanks!"
    assert invoice.customer_remote_id == "cus_expanded"
    assert invoice.tax == Money(amount=Decimal("2.00"), currency="USD")
    assert invoice.discount == Money(amount=Decimal("1.00"), currency="USD")
    assert invoice.issued_at == datetime.fromtimestamp(1700000000, UTC)  # finalized_at
    assert invoice.paid_at == datetime.fromtimestamp(1700000500, UTC)
    assert invoice.custom_fields == {"order": "A-1"}
    line_out = invoice.lines[0]
    assert line_out.unit_amount == Money(amount=Decimal("3.335"), currency="USD")
    assert line_out.product_remote_id == "prod_1"
    assert line_out.tax == Money(amount=Decimal("2.00"), currency="USD")
    assert line_out.discount == Money(amount=Decimal("1.00"), currency="USD")


def test_older_api_shapes_are_read_as_fallbacks(stripe_fixture, invoices_mapping, source):
    # a pre-Basil invoice, as an event created under that version carries it; the adapter
    # brings it to the pinned shape (invoice tax, line taxes), the mapping reads the rest
    record = stripe_fixture("invoice") | {"tax": 70, "total_tax_amounts": [{"amount": 70}]}
    del record["total_taxes"]
    line = record["lines"]["data"][0]
    del line["pricing"], line["taxes"]
    line["price"] = {"id": "price_1", "unit_amount": 500, "product": "prod_old"}
    line["tax_amounts"] = [{"amount": 70}]
    line["quantity_decimal"] = "2.5"

    invoice = invoices_mapping.compile().apply(invoice_to_pinned(record), source=source)

    assert invoice.tax == Money(amount=Decimal("0.70"), currency="USD")
    assert invoice.lines[0].tax == Money(amount=Decimal("0.70"), currency="USD")
    assert invoice.lines[0].unit_amount == Money(amount=Decimal("5.00"), currency="USD")
    assert invoice.lines[0].product_remote_id == "prod_old"
    assert invoice.lines[0].quantity == Decimal("2.5")


def test_unknown_status_is_refused_with_rule_path_and_value(
    stripe_fixture, invoices_mapping, source
):
    record = stripe_fixture("invoice") | {"status": "archived"}

    with pytest.raises(MappingError) as caught:
        invoices_mapping.compile().apply(record, source=source)

    assert caught.value.rule == "status"
    assert caught.value.path == "status"
    assert caught.value.value == "'archived'"
    assert "not one of draft, open, paid, void, uncollectible" in str(caught.value)


def test_invoice_source_paths(invoices_mapping):
    paths = invoices_mapping.source_paths()
    assert {"id", "customer", "status", "currency", "lines", "total_taxes"} <= paths
    assert {"effective_at", "status_transitions", "created", "metadata"} <= paths
    assert "amount_overpaid" not in paths  # not mapped, so not asked for
