"""Full listings against the strict fake: deleted cursors, fallbacks as snapshots, 429s."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from canonical import Invoice, Money, Source
from plugins.fakes import StripeFake
from tests.adapters.stripe.conftest import MakeAdapter, drain


def _first_page_then_stop(
    make_adapter: MakeAdapter, page_size: int, pages_read: int = 1
) -> dict[str, object]:
    pages = make_adapter(page_size=page_size).read("customers")
    read = [next(pages) for _ in range(pages_read)]
    pages.close()  # the run dies after these pages were checkpointed
    assert read[-1].cursor is not None
    return {"ids": [r["id"] for p in read for r in p.records], "cursor": read[-1].cursor}


@pytest.mark.parametrize("pages_read", [1, 2])
@pytest.mark.parametrize("tick", [1, 0], ids=["distinct-times", "equal-times"])
def test_resume_after_the_cursor_object_was_deleted_loses_and_repeats_nothing(
    make_adapter: MakeAdapter, fake: StripeFake, tick: int, pages_read: int
) -> None:
    fake.tick = tick
    made = [fake.create_customer()["id"] for _ in range(10)]
    head = _first_page_then_stop(make_adapter, 4, pages_read)
    ids: list[str] = head["ids"]  # type: ignore[assignment]
    fake.delete_customer(ids[-1])  # the saved starting_after object is gone
    rest, cursor, _ = drain(make_adapter(page_size=4), "customers", head["cursor"])  # type: ignore[arg-type]
    seen = ids + [r["id"] for r in rest]
    assert len(seen) == len(set(seen))  # no duplicate
    assert set(seen) == set(made)  # no loss (the deleted one was read before it went)
    assert cursor is not None
    assert cursor["mode"] == "events"
    later, _, _ = drain(make_adapter(page_size=4), "customers", cursor)
    assert [(r["id"], r.get("deleted")) for r in later] == [(ids[-1], True)]


def test_a_cursor_without_a_resume_time_restarts_the_listing_as_a_snapshot(
    fake: StripeFake, make_adapter: MakeAdapter
) -> None:
    made = {fake.create_customer()["id"] for _ in range(6)}
    head = _first_page_then_stop(make_adapter, 4)
    ids: list[str] = head["ids"]  # type: ignore[assignment]
    fake.delete_customer(ids[-1])
    legacy = {k: v for k, v in head["cursor"].items() if k in ("mode", "after", "anchor")}  # type: ignore[attr-defined]
    pages = list(make_adapter(page_size=4).read("customers", legacy))
    assert pages[0].snapshot_start is True
    assert pages[0].notes
    assert {r["id"] for p in pages for r in p.records} == made - {ids[-1]}


def test_expired_event_cursor_falls_back_to_a_snapshot_listing(
    fake: StripeFake, make_adapter: MakeAdapter
) -> None:
    made = [fake.create_customer()["id"] for _ in range(3)]
    _, cursor, _ = drain(make_adapter(), "customers")
    later = time.time() + 31 * 86_400
    pages = list(make_adapter(clock=lambda: later).read("customers", cursor))
    assert pages[0].snapshot_start is True
    assert all(not p.snapshot_start for p in pages[1:])
    assert sorted(r["id"] for p in pages for r in p.records) == sorted(made)


def test_vanished_anchor_event_falls_back_to_a_snapshot_listing(
    fake: StripeFake, make_adapter: MakeAdapter
) -> None:
    fake.create_customer()
    _, cursor, _ = drain(make_adapter(), "customers")
    fake.expire_events(before=fake.clock + 1)
    pages = list(make_adapter().read("customers", cursor))
    assert pages[0].snapshot_start is True


def test_a_first_full_sync_is_not_marked(fake: StripeFake, make_adapter: MakeAdapter) -> None:
    fake.create_customer()
    pages = list(make_adapter().read("customers"))
    assert [p.snapshot_start for p in pages] == [False]


@pytest.mark.parametrize("retry_after", [None, 3.0])
def test_429_is_retried_with_and_without_retry_after(
    fake: StripeFake, make_adapter: MakeAdapter, sleeps: list[float], retry_after: float | None
) -> None:
    made = fake.create_customer()
    fake.rate_limit_next(2, retry_after=retry_after)
    records, _, _ = drain(make_adapter(), "customers")
    assert [r["id"] for r in records] == [made["id"]]
    assert len(sleeps) == 2
    assert all(s > 0 for s in sleeps)
    if retry_after is not None:
        assert sleeps == [3.0, 3.0]


def test_empty_tax_lists_map_to_zero_like_empty_discounts(
    fake: StripeFake, make_adapter: MakeAdapter, source: Source
) -> None:
    customer = fake.create_customer()
    fake.create_invoice(customer["id"], lines=2, amount=400)
    adapter = make_adapter()
    [record], _, _ = drain(adapter, "invoices")
    assert record["total_taxes"] == []
    invoice = adapter.default_mapping("invoices").compile().apply(record, source=source)
    assert isinstance(invoice, Invoice)
    zero = Money(amount=Decimal("0.00"), currency="USD")
    assert (invoice.tax, invoice.discount) == (zero, zero)
    assert all((line.tax, line.discount) == (zero, zero) for line in invoice.lines)


def test_customer_account_links_the_invoice_when_customer_is_null(
    fake: StripeFake, make_adapter: MakeAdapter, source: Source
) -> None:
    customer = fake.create_customer()
    made = fake.create_invoice(customer["id"], customer_account="acct_1CustomerV2")
    made["customer"] = None  # billed to a customer-configured Account (Accounts v2)
    adapter = make_adapter()
    [record], _, _ = drain(adapter, "invoices")
    invoice = adapter.default_mapping("invoices").compile().apply(record, source=source)
    assert isinstance(invoice, Invoice)
    assert invoice.customer_remote_id == "acct_1CustomerV2"


def test_a_deletion_between_two_pages_of_one_run_loses_and_repeats_nothing(
    fake: StripeFake, make_adapter: MakeAdapter
) -> None:
    fake.tick = 0
    made = {fake.create_customer()["id"] for _ in range(9)}
    seen: list[str] = []
    notes: list[str] = []
    for page in make_adapter(page_size=4).read("customers"):
        seen.extend(r["id"] for r in page.records)
        notes.extend(page.notes)
        if len(seen) == 4:
            fake.delete_customer(seen[-1])  # gone before the next page is asked for
    assert len(seen) == len(set(seen))
    assert set(seen) == made
    assert any("no longer exists" in n for n in notes)


def test_too_many_equal_times_restart_the_listing_as_a_snapshot(
    fake: StripeFake, make_adapter: MakeAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("adapters.stripe._listing.MAX_TIED", 3)
    fake.tick = 0
    made = {fake.create_customer()["id"] for _ in range(9)}
    head = _first_page_then_stop(make_adapter, 4)
    assert head["cursor"]["tied"] is None  # type: ignore[index]
    ids: list[str] = head["ids"]  # type: ignore[assignment]
    fake.delete_customer(ids[-1])
    pages = list(make_adapter(page_size=4).read("customers", head["cursor"]))  # type: ignore[arg-type]
    assert pages[0].snapshot_start is True
    assert {r["id"] for p in pages for r in p.records} == made - {ids[-1]}
