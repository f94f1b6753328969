"""Cleared HubSpot properties ("") and the line items' tax and discount (issue 13, item 10)."""

from __future__ import annotations

from decimal import Decimal

from canonical import Invoice, Money, Source
from plugins.fakes import HubSpotFake
from tests.adapters.hubspot.conftest import MakeAdapter, drain


def _invoice_with_line(fake: HubSpotFake) -> dict[str, object]:
    invoice = fake.create(
        "invoices",
        {
            "hs_invoice_status": "open",
            "hs_currency": "eur",
            "hs_amount_billed": "108.00",
            "hs_amount_paid": "10.00",
            "hs_due_date": "2026-01-31T00:00:00Z",
        },
    )
    line = fake.create(
        "line_items",
        {
            "name": "Seat",
            "quantity": "2",
            "price": "50.00",
            "amount": "100.00",
            "hs_line_item_currency_code": "EUR",
            "hs_tax_amount": "18.00",
            "hs_total_discount": "10.00",
        },
    )
    fake.associate("invoices", str(invoice["id"]), "line_items", str(line["id"]))
    return invoice


def test_a_cleared_property_reads_as_empty_text_and_maps_to_none(
    fake: HubSpotFake, make_adapter: MakeAdapter, source: Source
) -> None:
    invoice = _invoice_with_line(fake)
    fake.update("invoices", str(invoice["id"]), {"hs_due_date": None, "hs_amount_paid": None})
    adapter = make_adapter()
    records, _ = drain(adapter, "invoices")
    assert records[0]["properties"]["hs_due_date"] == ""  # HubSpot's cleared value
    result = adapter.default_mapping("invoices").compile().apply(records[0], source=source)
    assert isinstance(result, Invoice)
    assert result.due_at is None
    assert result.amount_paid is None
    assert result.total == Money(amount=Decimal("108.00"), currency="EUR")


def test_cleared_line_quantity_and_price_map_to_none(
    fake: HubSpotFake, make_adapter: MakeAdapter, source: Source
) -> None:
    _invoice_with_line(fake)
    line_id = next(iter(fake.objects["line_items"]))
    fake.update("line_items", line_id, {"quantity": None, "price": None, "hs_tax_amount": None})
    adapter = make_adapter()
    records, _ = drain(adapter, "invoices")
    result = adapter.default_mapping("invoices").compile().apply(records[0], source=source)
    assert isinstance(result, Invoice)
    line = result.lines[0]
    assert (line.quantity, line.unit_amount, line.tax) == (None, None, None)


def test_line_tax_and_discount_are_mapped(
    fake: HubSpotFake, make_adapter: MakeAdapter, source: Source
) -> None:
    _invoice_with_line(fake)
    adapter = make_adapter()
    records, _ = drain(adapter, "invoices")
    result = adapter.default_mapping("invoices").compile().apply(records[0], source=source)
    assert isinstance(result, Invoice)
    line = result.lines[0]
    assert line.tax == Money(amount=Decimal("18.00"), currency="EUR")
    assert line.discount == Money(amount=Decimal("10.00"), currency="EUR")
