"""The event path against the strict fake: exact event names, complete lines, old versions."""

from __future__ import annotations

import typing
from decimal import Decimal
from typing import Any

import stripe

from adapters.stripe import RESOURCES, StripeAdapter
from canonical import Invoice, Source
from plugins.fakes import StripeFake
from plugins.fakes._stripe_versions import PINNED, PRE_BASIL
from tests.adapters.stripe.conftest import MakeAdapter, drain


def _event(fake: StripeFake, type_: str, object_id: str) -> dict[str, Any]:
    found = [
        e for e in fake.events.objects.values()
        if e["type"] == type_ and e["data"]["object"].get("id") == object_id
    ]  # fmt: skip
    return found[-1]


def _read(adapter: StripeAdapter, event: dict[str, Any]) -> Any:
    obj = event["data"]["object"]
    return adapter.webhook_event(
        event_type=event["type"], object_type=obj["object"], object_id=obj["id"], payload=event
    )


def _invoice(adapter: StripeAdapter, record: dict[str, Any], source: Source) -> Invoice:
    invoice = adapter.default_mapping("invoices").compile().apply(record, source=source)
    assert isinstance(invoice, Invoice)
    return invoice


def test_invoice_events_are_listed_by_exact_names(
    fake: StripeFake, make_adapter: MakeAdapter
) -> None:
    customer = fake.create_customer()
    paid, voided = (fake.create_invoice(customer["id"]) for _ in range(2))
    _, cursor, _ = drain(make_adapter(), "invoices")
    fake.update_invoice(paid["id"], event="invoice.paid", status="paid")
    fake.update_invoice(voided["id"], event="invoice.voided", status="void")
    records, _, _ = drain(make_adapter(), "invoices", cursor)
    assert [r["id"] for r in records] == [paid["id"], voided["id"]]
    sent = [r.params["types"] for r in fake.requests if r.path == "/v1/events"]
    assert sent
    assert all(1 <= len(types) <= 20 and not any("*" in t for t in types) for types in sent)
    assert {"invoice.paid", "invoice.voided", "invoice.deleted"} <= set(sent[0])


def test_invoice_event_names_are_every_invoice_event_stripe_publishes() -> None:
    """The SDK's (spec-generated) event list, less ``invoice.upcoming``: its object is a
    preview, not a stored invoice."""
    published = typing.get_args(typing.get_type_hints(stripe.Event)["type"])
    invoice_events = {n for n in published if n.startswith("invoice.")}
    names = RESOURCES["invoices"].event_types
    assert len(names) <= 20
    assert set(names) == invoice_events - {"invoice.upcoming"}


def test_webhook_invoice_with_more_lines_than_embedded_is_fetched_complete(
    fake: StripeFake, make_adapter: MakeAdapter, source: Source
) -> None:
    customer = fake.create_customer()
    big = fake.create_invoice(customer["id"], lines=25, amount=300, tax=30)
    adapter = make_adapter()
    event = _event(fake, "invoice.created", big["id"])
    assert event["data"]["object"]["lines"]["has_more"] is True
    read = _read(adapter, event)
    assert read.fetch is True
    assert read.stream == "invoices"
    record = adapter.fetch_record("invoices", big["id"])
    assert record is not None
    assert len(record["lines"]["data"]) == 25
    invoice = _invoice(adapter, record, source)
    assert invoice.total is not None
    assert sum(line.amount.amount for line in invoice.lines) == invoice.subtotal.amount  # type: ignore[union-attr]
    assert invoice.tax is not None
    assert invoice.tax.amount == Decimal("7.50")
    assert invoice.total.amount == Decimal("82.50")


def test_webhook_invoice_with_all_lines_embedded_is_carried(
    fake: StripeFake, make_adapter: MakeAdapter
) -> None:
    customer = fake.create_customer()
    small = fake.create_invoice(customer["id"], lines=3)
    read = _read(make_adapter(), _event(fake, "invoice.created", small["id"]))
    assert read.fetch is False
    assert read.record is not None
    assert len(read.record["lines"]["data"]) == 3


def test_fetch_record_of_a_vanished_invoice_is_none(
    fake: StripeFake, make_adapter: MakeAdapter
) -> None:
    customer = fake.create_customer()
    gone = fake.create_invoice(customer["id"])
    fake.delete_invoice(gone["id"])
    adapter = make_adapter()
    assert adapter.fetch_record("invoices", gone["id"]) is None
    assert adapter.fetch_record("customers", customer["id"])["id"] == customer["id"]  # type: ignore[index]


def test_old_version_webhook_event_reads_like_the_pinned_object(
    fake: StripeFake, make_adapter: MakeAdapter, source: Source
) -> None:
    customer = fake.create_customer()
    fake.api_version = PRE_BASIL
    taxed = fake.create_invoice(customer["id"], lines=2, amount=500, tax=50)
    untaxed = fake.create_invoice(customer["id"], lines=1, amount=700)
    adapter = make_adapter()
    for made in (taxed, untaxed):
        event = _event(fake, "invoice.created", made["id"])
        assert event["api_version"] == PRE_BASIL
        read = _read(adapter, event)
        assert read.record is not None
        record = read.record
        assert "tax" not in record
        assert "total_tax_amounts" not in record
        assert "taxes" in record["lines"]["data"][0]
        assert "pricing" in record["lines"]["data"][0]
        pinned = adapter.fetch_record("invoices", made["id"])
        assert pinned is not None
        got, want = _invoice(adapter, record, source), _invoice(adapter, pinned, source)
        assert got.model_dump(exclude={"remote_data"}) == want.model_dump(exclude={"remote_data"})


def test_old_version_deletion_in_incremental_sync_is_the_pinned_shape(
    fake: StripeFake, make_adapter: MakeAdapter, source: Source
) -> None:
    customer = fake.create_customer()
    draft = fake.create_invoice(customer["id"], lines=2, amount=500, tax=50)
    adapter = make_adapter()
    _, cursor, _ = drain(adapter, "invoices")
    fake.api_version = PRE_BASIL
    fake.delete_invoice(draft["id"])
    fake.api_version = PINNED
    records, _, _ = drain(make_adapter(), "invoices", cursor)
    [tomb] = records
    assert tomb["deleted"] is True
    assert "total_tax_amounts" not in tomb
    invoice = _invoice(adapter, tomb, source)
    assert invoice.remote_was_deleted is True
    assert invoice.tax is not None
    assert invoice.tax.amount == Decimal("1.00")
    assert all(
        line.tax is not None and line.tax.amount == Decimal("0.50") for line in invoice.lines
    )
