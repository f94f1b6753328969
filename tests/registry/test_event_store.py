"""``registry._event_store``: a webhook event without its object tombstones what it names;
on PostgreSQL under row-level security too (the parametrised database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from canonical import Customer, Event, EventType, Source
from registry import Registry
from registry._event_store import ReplicaWrite, store_event
from tests.registry.conftest import MakeRegistry
from tests.registry.store_vendor import VendorAdapter


def _write(reg: Registry, write: ReplicaWrite) -> None:
    with reg.engine.begin() as conn:
        store_event(conn, write, tenant=reg.tenant, now=datetime.now(UTC))


def test_a_deletion_without_its_object_tombstones_the_stored_record(
    make_registry: MakeRegistry,
) -> None:
    reg = make_registry(adapters={"vendor": VendorAdapter})
    conn_id = reg.add_connection("crm", "vendor", {"vendor": "none"}, {"api_key": "k"}).id
    source = Source(adapter="vendor", connection_id=conn_id)
    at = datetime(2026, 11, 1, tzinfo=UTC)
    kept = Customer(source=source, remote_id="501", name="Ada", email="ada@example.com")
    created = Event(
        type=EventType.CUSTOMER_CREATED,
        source=source,
        vendor_event_id="e1",
        vendor_event_type="contact.creation",
        occurred_at=at,
        data=kept,
    )
    _write(reg, ReplicaWrite(created, "customers"))
    cursor = reg.records("customers").next_cursor
    deleted = Event(
        type=EventType.CUSTOMER_DELETED,
        source=source,
        vendor_event_id="e2",
        vendor_event_type="contact.deletion",
        occurred_at=at + timedelta(minutes=1),
        object_type="customer",
        object_remote_id="501",
    )
    _write(reg, ReplicaWrite(deleted, "customers"))
    [gone] = list(reg.records("customers", cursor=cursor))
    assert isinstance(gone, Customer)
    assert (gone.remote_id, gone.remote_was_deleted, gone.email) == ("501", True, "ada@example.com")
    assert reg.count_records("customers", email="ada@example.com", include_deleted=True) == 1
    unknown = Event(
        type=EventType.CUSTOMER_DELETED,
        source=source,
        vendor_event_id="e3",
        vendor_event_type="contact.deletion",
        occurred_at=at,
        object_type="customer",
        object_remote_id="999",
    )
    _write(reg, ReplicaWrite(unknown, "customers"))  # never stored: nothing to tombstone
    assert reg.count_records("customers", include_deleted=True) == 1
    assert reg.count_records("events") == 3
