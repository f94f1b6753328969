"""HubSpot sync against the loopback fake: mapping, invoices, incremental, the 10k cap."""

from __future__ import annotations

from decimal import Decimal

from canonical import Customer, CustomerKind, Invoice, InvoiceStatus, Money, Source
from plugins.fakes import HubSpotFake
from tests.adapters.hubspot.conftest import MakeAdapter, drain


def _contact(fake: HubSpotFake, n: int, **kw: object) -> dict[str, object]:
    return fake.create(
        "contacts", {"email": f"p{n}@example.com", "firstname": f"P{n}", "lastname": "Doe"}, **kw
    )


def test_contacts_and_companies_map_to_customers(
    fake: HubSpotFake, make_adapter: MakeAdapter, source: Source
) -> None:
    person = _contact(fake, 1)
    org = fake.create("companies", {"name": "Acme  Corp", "city": "Berlin"})
    adapter = make_adapter()
    contacts, _ = drain(adapter, "contacts")
    companies, _ = drain(adapter, "companies")
    c = adapter.default_mapping("contacts").compile().apply(contacts[0], source=source)
    o = adapter.default_mapping("companies").compile().apply(companies[0], source=source)
    assert isinstance(c, Customer)
    assert (c.remote_id, c.kind, c.name, c.email) == (
        person["id"],
        CustomerKind.PERSON,
        "P1 Doe",
        "p1@example.com",
    )
    assert isinstance(o, Customer)
    assert (o.remote_id, o.kind, o.name) == (org["id"], CustomerKind.ORGANIZATION, "Acme Corp")
    assert o.billing_address is not None
    assert o.billing_address.city == "Berlin"


def test_requests_exactly_the_properties_the_mapping_reads(
    fake: HubSpotFake, make_adapter: MakeAdapter
) -> None:
    from mapping import Mapping, MappingOverride

    _contact(fake, 1)
    adapter = make_adapter()
    drain(adapter, "contacts")
    searched = [r.json()["properties"] for r in fake.requests if r.path.endswith("/search")]
    expected = sorted(
        {*adapter.default_mapping("contacts").source_paths("properties"), "lastmodifieddate"}
    )
    assert searched == [expected]

    base = adapter.default_mapping("contacts")
    override = MappingOverride.model_validate(
        {"rules": {"description": "properties.favourite_colour"}}
    )
    adapter.use_mapping("contacts", base.with_overrides(override))
    assert "favourite_colour" in adapter.properties_for("contacts")
    assert isinstance(base, Mapping)
    custom = make_adapter(properties={"contacts": ["email"]})
    assert custom.properties_for("contacts") == ["email", "lastmodifieddate"]


def test_invoice_with_line_items_and_billed_contact(
    fake: HubSpotFake, make_adapter: MakeAdapter, source: Source
) -> None:
    person = _contact(fake, 1)
    invoice = fake.create(
        "invoices",
        {
            "hs_invoice_status": "paid",
            "hs_currency": "jpy",
            "hs_amount_billed": "3000",
            "hs_balance_due": "0",
            "hs_number": "INV-7",
        },
    )
    for n in range(3):
        line = fake.create(
            "line_items",
            {
                "name": f"Item {n}",
                "quantity": "1",
                "price": "1000",
                "amount": "1000",
                "hs_line_item_currency_code": "JPY",
            },
        )
        fake.associate("invoices", invoice["id"], "line_items", line["id"])
    fake.associate("invoices", invoice["id"], "contacts", person["id"])
    adapter = make_adapter()
    records, _ = drain(adapter, "invoices")
    result = adapter.default_mapping("invoices").compile().apply(records[0], source=source)
    assert isinstance(result, Invoice)
    assert result.status is InvoiceStatus.PAID
    assert result.customer_remote_id == person["id"]
    assert [line.description for line in result.lines] == ["Item 0", "Item 1", "Item 2"]
    assert result.total == Money(amount=Decimal("3000"), currency="JPY")
    assert result.lines[0].amount == Money(amount=Decimal("1000"), currency="JPY")
    batch = [r for r in fake.requests if "batch" in r.path]
    assert len(batch) == 4  # three association reads + one line-item read for the page


def test_changes_between_syncs_come_exactly_once(
    fake: HubSpotFake, make_adapter: MakeAdapter, source: Source
) -> None:
    kept, changed, removed = (_contact(fake, n) for n in range(3))
    first, cursor = drain(make_adapter(page_size=2), "contacts")
    assert sorted(r["id"] for r in first) == sorted(c["id"] for c in (kept, changed, removed))

    created = _contact(fake, 9)
    fake.update("contacts", changed["id"], {"email": "one@example.com"})
    fake.update("contacts", changed["id"], {"email": "two@example.com"})
    fake.archive("contacts", removed["id"])
    adapter = make_adapter(page_size=2)
    second, cursor2 = drain(adapter, "contacts", cursor)
    assert sorted(r["id"] for r in second) == sorted([created["id"], changed["id"], removed["id"]])
    mapping = adapter.default_mapping("contacts").compile()
    by_id = {r["id"]: mapping.apply(r, source=source) for r in second}
    assert by_id[changed["id"]].email == "two@example.com"
    assert by_id[removed["id"]].remote_was_deleted is True
    assert by_id[created["id"]].remote_was_deleted is False

    third, _ = drain(make_adapter(page_size=2), "contacts", cursor2)
    assert third == []


def test_interrupted_incremental_resumes_without_gap_or_duplicate(
    fake: HubSpotFake, make_adapter: MakeAdapter
) -> None:
    _, start = drain(make_adapter(page_size=2), "contacts")
    made = [_contact(fake, n)["id"] for n in range(7)]
    whole, end = drain(make_adapter(page_size=2), "contacts", start)
    assert [r["id"] for r in whole] == made

    pages = make_adapter(page_size=2).read("contacts", start)
    head = [next(pages), next(pages)]
    pages.close()
    rest, resumed_end = drain(make_adapter(page_size=2), "contacts", head[-1].cursor)
    assert [r["id"] for p in head for r in p.records] + [r["id"] for r in rest] == made
    assert resumed_end == end


def test_search_cap_narrows_the_window_and_reads_everything_once(
    make_adapter: MakeAdapter, fake: HubSpotFake
) -> None:
    fake.search_index.cap = 6
    made = [_contact(fake, n)["id"] for n in range(10)]
    tie = fake.now_ms + 5
    made += [_contact(fake, 100 + n, at=tie)["id"] for n in range(9)]  # 9 share one timestamp
    made += [_contact(fake, 200 + n)["id"] for n in range(4)]
    records, cursor = drain(make_adapter(page_size=2, search_cap=6), "contacts")
    ids = [r["id"] for r in records]
    assert sorted(ids) == sorted(made)
    assert len(ids) == len(set(ids))
    searches = [r.json() for r in fake.requests if r.path.endswith("/search")]
    assert all(int(s.get("after", 0)) + s["limit"] <= 6 for s in searches)
    assert any(
        f["propertyName"] == "hs_object_id"
        for s in searches
        for f in s["filterGroups"][0]["filters"]
    )
    assert cursor is not None
    assert drain(make_adapter(page_size=2, search_cap=6), "contacts", cursor)[0] == []


def test_archived_records_come_once_as_deleted(
    fake: HubSpotFake, make_adapter: MakeAdapter
) -> None:
    gone = [_contact(fake, n) for n in range(3)]
    for c in gone[:2]:
        fake.archive("contacts", c["id"])
    records, cursor = drain(make_adapter(), "contacts")
    archived = [r for r in records if r["archived"]]
    assert sorted(r["id"] for r in archived) == sorted(c["id"] for c in gone[:2])
    fake.archive("contacts", gone[2]["id"])
    again, _ = drain(make_adapter(), "contacts", cursor)
    assert [(r["id"], r["archived"]) for r in again] == [(gone[2]["id"], True)]


def test_invoice_changes_and_archiving_map_once(
    fake: HubSpotFake, make_adapter: MakeAdapter, source: Source
) -> None:
    props = {"hs_currency": "USD", "hs_invoice_status": "draft", "hs_amount_billed": "10.00"}
    draft, other = fake.create("invoices", props), fake.create("invoices", props)
    _, cursor = drain(make_adapter(), "invoices")
    fake.update("invoices", draft["id"], {"hs_invoice_status": "open"})
    fake.archive("invoices", other["id"])
    adapter = make_adapter()
    records, _ = drain(adapter, "invoices", cursor)
    mapping = adapter.default_mapping("invoices").compile()
    invoices = {r["id"]: mapping.apply(r, source=source) for r in records}
    assert sorted(invoices) == sorted([draft["id"], other["id"]])
    assert invoices[draft["id"]].status is InvoiceStatus.OPEN
    assert invoices[other["id"]].remote_was_deleted is True
    assert invoices[other["id"]].total == Money(amount=Decimal("10.00"), currency="USD")


def test_interrupted_archived_pass_resumes_without_duplicates(
    fake: HubSpotFake, make_adapter: MakeAdapter
) -> None:
    gone = [_contact(fake, n)["id"] for n in range(5)]
    for object_id in gone:
        fake.archive("contacts", object_id)
    pages = list(make_adapter(page_size=2).read("contacts"))
    archived_pages = [p for p in pages if p.records and all(r["archived"] for r in p.records)]
    assert len(archived_pages) >= 2
    resume_at = archived_pages[0].cursor
    assert resume_at is not None
    assert resume_at["phase"] == "archived"
    rest, _ = drain(make_adapter(page_size=2), "contacts", resume_at)
    seen = [r["id"] for r in archived_pages[0].records] + [r["id"] for r in rest]
    assert sorted(seen) == sorted(gone)
