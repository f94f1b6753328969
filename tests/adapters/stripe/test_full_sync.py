"""Full sync from the loopback Stripe: pagination, complete invoice lines, mapping."""

from __future__ import annotations

from decimal import Decimal

from canonical import Customer, Invoice, InvoiceStatus, Money, Source
from plugins.fakes import StripeFake
from tests.adapters.stripe.conftest import MakeAdapter, drain


def test_customers_page_through_every_object_once(
    fake: StripeFake, make_adapter: MakeAdapter
) -> None:
    made = [fake.create_customer(email=f"u{n}@example.com") for n in range(7)]
    records, cursor, notes = drain(make_adapter(page_size=3), "customers")
    assert sorted(r["id"] for r in records) == sorted(c["id"] for c in made)
    assert cursor is not None
    assert cursor["mode"] == "events"
    assert notes == []
    lists = [r for r in fake.requests if r.path == "/v1/customers"]
    assert [r.params.get("starting_after") for r in lists] == [
        None,
        records[2]["id"],
        records[5]["id"],
    ]
    assert {r.params["limit"] for r in lists} == {"3"}


def test_customers_map_through_the_default_mapping(
    fake: StripeFake, make_adapter: MakeAdapter, source: Source
) -> None:
    fake.create_customer(
        email="Ada@Example.com",
        name="Ada  Lovelace",
        metadata={"tier": "gold"},
        address={
            "line1": "1 Main St",
            "line2": None,
            "city": "London",
            "state": None,
            "postal_code": "N1",
            "country": "gb",
        },
    )
    adapter = make_adapter()
    records, _, _ = drain(adapter, "customers")
    customer = adapter.default_mapping("customers").compile().apply(records[0], source=source)
    assert isinstance(customer, Customer)
    assert customer.remote_id == records[0]["id"]
    assert customer.email == "Ada@example.com"
    assert customer.name == "Ada Lovelace"
    assert customer.billing_address is not None
    assert customer.billing_address.country == "GB"
    assert customer.custom_fields == {"tier": "gold"}
    assert customer.currency == "USD"
    assert customer.remote_was_deleted is False


def test_invoice_lines_are_complete_across_pages(
    fake: StripeFake, make_adapter: MakeAdapter, source: Source
) -> None:
    customer = fake.create_customer()
    many = fake.create_invoice(customer["id"], lines=25, amount=300)
    few = fake.create_invoice(customer["id"], lines=2, amount=300)
    adapter = make_adapter()
    records, _, _ = drain(adapter, "invoices")
    by_id = {r["id"]: r for r in records}
    lines = by_id[many["id"]]["lines"]
    assert [line["id"] for line in lines["data"]] == [line["id"] for line in fake.lines[many["id"]]]
    assert lines["has_more"] is False
    assert len(by_id[few["id"]]["lines"]["data"]) == 2
    line_calls = [r for r in fake.requests if r.path.endswith("/lines")]
    assert [r.path for r in line_calls] == [f"/v1/invoices/{many['id']}/lines"]
    invoice = adapter.default_mapping("invoices").compile().apply(by_id[many["id"]], source=source)
    assert isinstance(invoice, Invoice)
    assert len(invoice.lines) == 25
    assert sum(line.amount.amount for line in invoice.lines) == Decimal("75.00")
    assert invoice.total == Money(amount=Decimal("75.00"), currency="USD")


def test_zero_decimal_currency_amounts(
    fake: StripeFake, make_adapter: MakeAdapter, source: Source
) -> None:
    customer = fake.create_customer()
    fake.create_invoice(
        customer["id"],
        lines=2,
        amount=1500,
        currency="jpy",
        status="paid",
        status_transitions={
            "paid_at": 1_700_000_500,
            "finalized_at": None,
            "marked_uncollectible_at": None,
            "voided_at": None,
        },
    )
    adapter = make_adapter()
    records, _, _ = drain(adapter, "invoices")
    invoice = adapter.default_mapping("invoices").compile().apply(records[0], source=source)
    assert invoice.currency == "JPY"
    assert invoice.total == Money(amount=Decimal("3000"), currency="JPY")
    assert invoice.lines[0].amount == Money(amount=Decimal("1500"), currency="JPY")
    assert invoice.status is InvoiceStatus.PAID
    assert invoice.paid_at is not None
    assert int(invoice.paid_at.timestamp()) == 1_700_000_500


def test_expanded_customer_maps_to_the_same_remote_id(
    fake: StripeFake, make_adapter: MakeAdapter, source: Source
) -> None:
    customer = fake.create_customer()
    fake.create_invoice(customer["id"])
    adapter = make_adapter(expand_customer=True)
    records, _, _ = drain(adapter, "invoices")
    assert isinstance(records[0]["customer"], dict)
    assert fake.requests[-1].params["expand"] == ["data.customer"]
    invoice = adapter.default_mapping("invoices").compile().apply(records[0], source=source)
    assert invoice.customer_remote_id == customer["id"]


def test_real_fixture_invoice_maps(make_adapter: MakeAdapter, source: Source) -> None:
    adapter = make_adapter()
    for stream in ("customers", "invoices"):
        mapping = adapter.default_mapping(stream).compile()
        for record in adapter.sample_records(stream):
            obj = mapping.apply(record, source=source)
            assert obj.remote_id == record["id"]


def test_interrupted_full_sync_resumes_after_the_last_page(
    fake: StripeFake, make_adapter: MakeAdapter
) -> None:
    made = {fake.create_customer()["id"] for _ in range(9)}
    adapter = make_adapter(page_size=4)
    pages = adapter.read("customers")
    first = next(pages)
    pages.close()  # the run dies after one page was checkpointed
    assert first.cursor is not None
    assert first.cursor["mode"] == "full"
    newer = fake.create_customer()["id"]  # created while the run was down
    rest, cursor, _ = drain(make_adapter(page_size=4), "customers", first.cursor)
    seen = [r["id"] for r in first.records] + [r["id"] for r in rest]
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen))
    # the customer created meanwhile comes with the next incremental run
    later, _, _ = drain(make_adapter(page_size=4), "customers", cursor)
    assert [r["id"] for r in later] == [newer]
