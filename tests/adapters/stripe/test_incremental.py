"""Incremental sync over /v1/events: exactly-once changes, resume, retention fallback."""

from __future__ import annotations

import logging
import time

import pytest

from canonical import Customer, Invoice, Source
from plugins.fakes import StripeFake
from tests.adapters.stripe.conftest import MakeAdapter, drain


def test_changes_between_syncs_come_exactly_once(
    fake: StripeFake, make_adapter: MakeAdapter, source: Source
) -> None:
    kept, updated, deleted = (fake.create_customer(email=f"c{n}@example.com") for n in range(3))
    adapter = make_adapter()
    first, cursor, _ = drain(adapter, "customers")
    assert {r["id"] for r in first} == {kept["id"], updated["id"], deleted["id"]}

    created = fake.create_customer(email="new@example.com")
    fake.update_customer(updated["id"], email="first@example.com")
    fake.update_customer(updated["id"], email="second@example.com")
    fake.delete_customer(deleted["id"])
    second, cursor2, notes = drain(make_adapter(), "customers", cursor)

    assert sorted(r["id"] for r in second) == sorted([created["id"], updated["id"], deleted["id"]])
    assert notes == []
    mapping = adapter.default_mapping("customers").compile()
    by_id = {r["id"]: mapping.apply(r, source=source) for r in second}
    assert isinstance(by_id[updated["id"]], Customer)
    assert by_id[updated["id"]].email == "second@example.com"  # current state, fetched once
    assert by_id[deleted["id"]].remote_was_deleted is True
    assert by_id[created["id"]].remote_was_deleted is False
    fetches = [r.path for r in fake.requests if r.path.startswith("/v1/customers/")]
    assert sorted(fetches) == sorted(f"/v1/customers/{i}" for i in (created["id"], updated["id"]))

    third, cursor3, _ = drain(make_adapter(), "customers", cursor2)
    assert third == []
    assert cursor3 == cursor2


def test_invoice_changes_and_deletions(
    fake: StripeFake, make_adapter: MakeAdapter, source: Source
) -> None:
    customer = fake.create_customer()
    paid = fake.create_invoice(customer["id"], lines=12, amount=250)
    draft = fake.create_invoice(customer["id"], lines=12)
    adapter = make_adapter()
    _, cursor, _ = drain(adapter, "invoices")
    fake.update_invoice(
        paid["id"], event="invoice.paid", status="paid", amount_paid=1000, amount_remaining=0
    )
    fake.update_invoice(draft["id"], description="more lines")
    fake.delete_invoice(draft["id"])
    fake.create_customer()  # a customer event: not this stream's business
    records, _, _ = drain(make_adapter(), "invoices", cursor)
    assert [r["id"] for r in records] == [paid["id"], draft["id"]]
    mapping = adapter.default_mapping("invoices").compile()
    invoices = [mapping.apply(r, source=source) for r in records]
    assert all(isinstance(i, Invoice) for i in invoices)
    assert invoices[0].status.value == "paid"
    assert len(records[0]["lines"]["data"]) == 12  # fetched anew, lines completed
    assert invoices[0].total is not None
    assert sum(line.amount.amount for line in invoices[0].lines) == invoices[0].total.amount
    assert invoices[0].remote_was_deleted is False
    assert invoices[1].remote_was_deleted is True
    assert len(records[1]["lines"]["data"]) == 10  # the event's snapshot, as Stripe sent it


def test_interrupted_incremental_resumes_without_gap_or_duplicate(
    fake: StripeFake, make_adapter: MakeAdapter
) -> None:
    base = [fake.create_customer() for _ in range(3)]
    _, start, _ = drain(make_adapter(page_size=2), "customers")
    changed = [fake.create_customer()["id"] for _ in range(5)]
    for c in base:
        fake.update_customer(c["id"], description="touched")
        changed.append(c["id"])

    whole, end, _ = drain(make_adapter(page_size=2), "customers", start)
    assert sorted(r["id"] for r in whole) == sorted(changed)

    pages = make_adapter(page_size=2).read("customers", start)
    head = [next(pages), next(pages)]
    pages.close()  # crash after page 2 was checkpointed
    tail, resumed_end, _ = drain(make_adapter(page_size=2), "customers", head[-1].cursor)
    seen = [r["id"] for p in head for r in p.records] + [r["id"] for r in tail]
    assert seen == [r["id"] for r in whole]
    assert resumed_end == end


def test_cursor_older_than_event_retention_falls_back_to_full_sync(
    fake: StripeFake, make_adapter: MakeAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    made = [fake.create_customer()["id"] for _ in range(3)]
    _, cursor, _ = drain(make_adapter(), "customers")
    later = time.time() + 31 * 86_400
    with caplog.at_level(logging.WARNING, logger="canonry.adapters.stripe"):
        records, new_cursor, notes = drain(make_adapter(clock=lambda: later), "customers", cursor)
    assert sorted(r["id"] for r in records) == sorted(made)
    assert len(notes) == 1
    assert "30 days" in notes[0]
    assert "full sync" in notes[0]
    assert "full sync" in caplog.text
    assert new_cursor is not None
    assert new_cursor["mode"] == "events"


def test_vanished_anchor_event_falls_back_to_full_sync(
    fake: StripeFake, make_adapter: MakeAdapter
) -> None:
    made = [fake.create_customer()["id"] for _ in range(2)]
    _, cursor, _ = drain(make_adapter(), "customers")
    fake.expire_events(before=fake.clock + 1)
    records, _, notes = drain(make_adapter(), "customers", cursor)
    assert sorted(r["id"] for r in records) == sorted(made)
    assert notes
    assert "no longer exists" in notes[0]


def test_account_without_events_switches_to_created_filter(
    fake: StripeFake, make_adapter: MakeAdapter
) -> None:
    quiet = fake.create_customer(events=False)
    _, cursor, _ = drain(make_adapter(page_size=2), "customers")
    assert cursor is not None
    assert cursor["event_id"] is None
    nothing, cursor, _ = drain(make_adapter(page_size=2), "customers", cursor)
    assert nothing == []
    new = [fake.create_customer()["id"] for _ in range(5)]
    fake.update_customer(quiet["id"], name="Woken")
    records, cursor, _ = drain(make_adapter(page_size=2), "customers", cursor)
    assert [r["id"] for r in records] == [*new, quiet["id"]]
    assert any("gte" in r.params.get("created", {}) for r in fake.requests)
    assert cursor is not None
    assert cursor["event_id"] is not None


def test_headers_pin_the_version_and_name_the_connect_account(
    fake: StripeFake, make_adapter: MakeAdapter
) -> None:
    from adapters.stripe import STRIPE_API_VERSION

    fake.create_customer()
    drain(make_adapter(account_id="acct_1Connect"), "customers")
    assert fake.requests
    assert {r.headers.get("stripe-account") for r in fake.requests} == {"acct_1Connect"}
    assert {r.headers.get("stripe-version") for r in fake.requests} == {STRIPE_API_VERSION}
    fake.requests.clear()
    drain(make_adapter(), "customers")
    assert all("stripe-account" not in r.headers for r in fake.requests)


def test_quiet_anchor_ages_into_a_time_cursor_instead_of_a_full_sync(
    fake: StripeFake, make_adapter: MakeAdapter
) -> None:
    fake.create_customer()
    _, cursor, _ = drain(make_adapter(), "customers")
    assert cursor is not None
    assert cursor["event_id"] is not None
    in_20_days = time.time() + 20 * 86_400  # anchor past half the retention, nothing new
    nothing, aged, notes = drain(make_adapter(clock=lambda: in_20_days), "customers", cursor)
    assert (nothing, notes) == ([], [])
    assert aged is not None
    assert aged["event_id"] is None
    assert aged["since"] > in_20_days - 3_600
    fake.clock = int(in_20_days)  # Stripe's clock moves on too
    new = fake.create_customer()
    records, _, notes = drain(make_adapter(clock=lambda: in_20_days + 60), "customers", aged)
    assert [r["id"] for r in records] == [new["id"]]
    assert notes == []
