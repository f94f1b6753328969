"""Processed webhook events reach the record store in the job's outcome transaction: the
event, its object (upserted into the adapter's stream, never over a newer state), and the
tombstone of a deleted object; nothing for an item that failed."""

from __future__ import annotations

from datetime import UTC, datetime

from canonical import Customer, Event, Invoice, Source
from registry._store import write_records
from registry._store_rows import prepare
from tests.webhooks.jobs.conftest import JobsEnv, now_s, stripe_event
from webhooks.handlers import HandlerRegistry


def _stored(env: JobsEnv, model: str) -> dict[str, object]:
    page = env.registry.records(model, include_deleted=True, limit=500)
    return {r.remote_id if not isinstance(r, Event) else r.vendor_event_id: r for r in page}


def test_a_processed_event_stores_itself_and_its_object_with_no_handler(
    jobs_env: JobsEnv,
) -> None:
    jobs_env.launch(HandlerRegistry())  # no handler at all: the replica still fills
    [item] = jobs_env.deliver(stripe_event("invoice.paid", "in_r1", now_s(), event_id="evt_r1"))
    assert jobs_env.wait([item]) == {item: "done"}
    invoices = _stored(jobs_env, "invoices")
    assert isinstance(invoices["in_r1"], Invoice)
    assert invoices["in_r1"].remote_was_deleted is False
    events = _stored(jobs_env, "events")
    assert set(events) == {"evt_r1"}
    change = jobs_env.registry.records("invoices", cursor=None)
    assert [r.remote_id for r in change] == ["in_r1"]


def test_a_deletion_event_tombstones_and_a_late_older_event_changes_nothing(
    jobs_env: JobsEnv,
) -> None:
    jobs_env.launch(HandlerRegistry())
    t = now_s()
    [made] = jobs_env.deliver(stripe_event("customer.updated", "cus_r2", t - 120))
    jobs_env.wait([made])
    cursor = jobs_env.registry.records("customers").next_cursor
    [gone] = jobs_env.deliver(stripe_event("customer.deleted", "cus_r2", t))
    assert jobs_env.wait([gone]) == {gone: "done"}
    [late] = jobs_env.deliver(stripe_event("customer.updated", "cus_r2", t - 60))
    assert jobs_env.wait([late]) == {late: "stale"}
    changes = list(jobs_env.registry.records("customers", cursor=cursor))
    assert [(c.remote_id, c.remote_was_deleted) for c in changes] == [("cus_r2", True)]
    assert jobs_env.registry.count_records("customers") == 0
    assert len(_stored(jobs_env, "events")) == 3  # the stale event is kept as an event


def test_a_sync_read_later_wins_over_an_older_event_arriving_after_it(
    jobs_env: JobsEnv,
) -> None:
    """The webhook-carried object is versioned at the event's time: a late event older
    than what the replica holds does not take it back in time."""
    t = now_s()
    source = Source(adapter="stripe", connection_id=jobs_env.connection_id)
    newer = Customer(source=source, remote_id="cus_r3", name="From the sync")
    with jobs_env.engine.begin() as conn:
        write_records(
            conn, [prepare(newer, observed_at=datetime.fromtimestamp(t, UTC))],
            tenant=jobs_env.tenant, connection_id=jobs_env.connection_id,
            stream="customers", now=datetime.now(UTC),
        )  # fmt: skip
    jobs_env.launch(HandlerRegistry())
    [item] = jobs_env.deliver(stripe_event("customer.updated", "cus_r3", t - 300))
    assert jobs_env.wait([item]) == {item: "done"}
    [kept] = list(jobs_env.registry.records("customers"))
    assert isinstance(kept, Customer)
    assert kept.name == "From the sync"


def test_an_item_that_fails_stores_nothing(jobs_env: JobsEnv) -> None:
    jobs_env.launch(HandlerRegistry())
    body = stripe_event("invoice.paid", "in_r4", now_s()).replace(
        b'"currency": "usd"', b'"currency": 7'
    )
    [item] = jobs_env.deliver(body)
    assert jobs_env.wait([item])[item] in ("failed", "dead")
    assert jobs_env.registry.count_records("invoices") == 0
    assert jobs_env.registry.count_records("events") == 0
