"""The record store: syncs keep a canonical replica, read by cursor over the change sequence."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from canonical import (
    ConfigurationError,
    Customer,
    MappingError,
    NotFoundInRegistry,
    Source,
    ValidationFailed,
    canonical_id,
)
from registry import Registry, RunStatus
from registry._store import write_records
from registry._store_rows import prepare
from tests.registry.conftest import MakeRegistry
from tests.registry.store_vendor import VENDORS, Vendor, VendorAdapter


@pytest.fixture
def vendor() -> Iterator[Vendor]:
    made = Vendor(f"v-{uuid.uuid4().hex[:8]}")
    for n in range(25):
        made.upsert(f"c{n:03d}", name=f"Customer {n}", email=f"c{n}@example.com")
    yield made
    VENDORS.pop(made.name, None)


@pytest.fixture
def reg(make_registry: MakeRegistry) -> Registry:
    return make_registry(adapters={"vendor": VendorAdapter})


@pytest.fixture
def shop(reg: Registry, vendor: Vendor) -> str:
    config = {"vendor": vendor.name, "page_size": 10}
    return reg.add_connection("shop", "vendor", config, {"api_key": "k"}).id


def sync(reg: Registry, conn: str, **kwargs: bool) -> int:
    return sum(1 for _ in reg.sync(conn, "customers", **kwargs))


def read_all(reg: Registry, cursor: str | None = None, **kw: object) -> tuple[list[Customer], str]:
    got: list[Customer] = []
    while True:
        page = reg.records("customers", cursor=cursor, limit=7, **kw)  # type: ignore[arg-type]
        got += [r for r in page.records if isinstance(r, Customer)]
        cursor = page.next_cursor
        if not page.has_more:
            return got, cursor


def test_a_sync_fills_the_store_and_a_cursor_returns_only_later_changes(
    reg: Registry, shop: str, vendor: Vendor
) -> None:
    assert sync(reg, shop) == 25
    first, cursor = read_all(reg)
    assert sorted(c.remote_id for c in first) == sorted(vendor.records)
    assert reg.count_records("customers") == 25

    vendor.upsert("c003", name="Renamed")
    vendor.delete("c004")
    vendor.upsert("c100", name="New")
    assert sync(reg, shop) == 3
    changes, later = read_all(reg, cursor)
    by_id = {c.remote_id: c for c in changes}
    assert set(by_id) == {"c003", "c004", "c100"}
    assert by_id["c003"].name == "Renamed"
    assert by_id["c004"].remote_was_deleted is True  # the tombstone, with the cursor
    assert read_all(reg, later)[0] == []
    live, _ = read_all(reg)
    assert "c004" not in {c.remote_id for c in live}  # a first listing shows live records
    assert reg.count_records("customers") == 25
    assert reg.count_records("customers", include_deleted=True) == 26


def test_unchanged_records_are_not_rewritten_and_take_no_sequence(
    reg: Registry, shop: str, vendor: Vendor
) -> None:
    sync(reg, shop)
    _, cursor = read_all(reg)
    assert sync(reg, shop, full=True) == 25  # read again, nothing changed
    assert read_all(reg, cursor)[0] == []
    run = reg.sync_runs(shop, limit=1)[0]
    assert (run.status, run.records, run.changed, run.deleted) == (RunStatus.SUCCEEDED, 25, 0, 0)


def test_a_full_listing_tombstones_what_vanished_unseen(
    reg: Registry, shop: str, vendor: Vendor
) -> None:
    sync(reg, shop)
    _, cursor = read_all(reg)
    vendor.forget("c010")  # deleted with no trace in the change log (retention passed)
    sync(reg, shop)
    assert read_all(reg, cursor)[0] == []  # an incremental read cannot notice
    sync(reg, shop, full=True)
    changes, _ = read_all(reg, cursor)
    assert [(c.remote_id, c.remote_was_deleted) for c in changes] == [("c010", True)]
    run = reg.sync_runs(shop, limit=1)[0]
    assert (run.changed, run.deleted) == (1, 1)


def test_a_listing_the_adapter_restarts_for_an_expired_cursor_tombstones_too(
    reg: Registry, shop: str, vendor: Vendor
) -> None:
    """Not ``full=True``: the adapter found its cursor too old and listed everything
    (``Page.snapshot_start``); what that listing did not show was deleted."""
    sync(reg, shop)
    _, cursor = read_all(reg)
    vendor.forget("c010")
    vendor.upsert("c003", name="Renamed")
    vendor.expire()
    assert sync(reg, shop) == 25 - 1  # a full listing, though incremental was asked for
    changes, _ = read_all(reg, cursor)
    by_id = {c.remote_id: c for c in changes}
    assert set(by_id) == {"c003", "c010"}
    assert by_id["c010"].remote_was_deleted is True
    run = reg.sync_runs(shop, limit=1)[0]
    assert (run.changed, run.deleted) == (2, 1)
    vendor.forget("c011")  # the next incremental run reconciles nothing: no listing
    sync(reg, shop)
    assert reg.count_records("customers") == 24


def test_an_interrupted_full_listing_resumes_the_same_snapshot(
    reg: Registry, shop: str, vendor: Vendor
) -> None:
    sync(reg, shop)
    _, cursor = read_all(reg)
    vendor.forget("c020")
    objects = reg.sync(shop, "customers", full=True)
    for _ in range(12):  # past the first page's checkpoint, into the second
        next(objects)
    objects.close()
    sync(reg, shop)  # resumes the listing (from c009) and completes it
    changes, _ = read_all(reg, cursor)
    assert [(c.remote_id, c.remote_was_deleted) for c in changes] == [("c020", True)]


def test_an_older_write_never_replaces_a_newer_state(reg: Registry, shop: str) -> None:
    source = Source(adapter="vendor", connection_id=shop)
    now = datetime(2026, 1, 2, tzinfo=UTC)
    newer = Customer(remote_id="x1", source=source, name="new", updated_at=now)
    older = Customer(remote_id="x1", source=source, name="old", updated_at=now - timedelta(1))
    with reg.engine.begin() as conn:
        first = write_records(
            conn, [prepare(newer, observed_at=now)], tenant=reg.tenant,
            connection_id=shop, stream="customers", now=now,
        )  # fmt: skip
        second = write_records(
            conn, [prepare(older, observed_at=now)], tenant=reg.tenant,
            connection_id=shop, stream="customers", now=now,
        )  # fmt: skip
    assert (first.changed, second.changed, second.unchanged) == (1, 0, 1)
    assert reg.record("customers", newer.id).name == "new"  # type: ignore[union-attr]


def test_filters_and_their_errors(reg: Registry, shop: str) -> None:
    sync(reg, shop)
    page = reg.records("customers", email="C7@Example.com")
    assert [c.remote_id for c in page] == ["c007"]
    assert reg.records("customers", connection="shop", limit=1).has_more
    with pytest.raises(ValidationFailed, match="not a filter of customer"):
        reg.records("customers", status="paid")
    with pytest.raises(ValidationFailed, match="cursor is not valid"):
        reg.records("customers", cursor="garbage")
    with pytest.raises(ValidationFailed, match="cursor is not valid"):
        reg.records("customers", cursor=reg.records("invoices").next_cursor)
    with pytest.raises(ValidationFailed, match="unknown record model"):
        reg.records("orders")
    with pytest.raises(ValidationFailed, match="limit"):
        reg.records("customers", limit=0)


def test_another_tenant_sees_none_of_the_records(
    make_registry: MakeRegistry, reg: Registry, shop: str
) -> None:
    sync(reg, shop)
    some = reg.records("customers").records[0]
    other = make_registry("globex", adapters={"vendor": VendorAdapter})
    assert other.records("customers", include_deleted=True).records == []
    assert other.count_records("customers", include_deleted=True) == 0
    with pytest.raises(NotFoundInRegistry):
        other.record("customers", some.id)


def test_removing_a_connection_removes_its_records(reg: Registry, shop: str) -> None:
    sync(reg, shop)
    reg.remove_connection(shop)
    assert reg.count_records("customers", include_deleted=True) == 0


def test_a_reader_paging_while_two_writers_write_misses_and_repeats_nothing(
    make_registry: MakeRegistry, reg: Registry, shop: str, vendor: Vendor
) -> None:
    """One thread syncs (the vendor changing between runs), another writes records as a
    webhook job would; the reader follows the cursor meanwhile. Replaying what it read
    gives exactly the store's final state, and no version came twice."""
    writer_reg = make_registry(adapters={"vendor": VendorAdapter})
    source = Source(adapter="vendor", connection_id=shop)
    errors: list[BaseException] = []

    def syncs() -> None:
        try:
            for round_ in range(6):
                for n in range(0, 25, 3):
                    vendor.upsert(f"c{n:03d}", name=f"round {round_}")
                sync(writer_reg, shop)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    def webhook_writes() -> None:
        try:
            for n in range(60):
                now = datetime.now(UTC)
                obj = Customer(remote_id=f"w{n % 15}", source=source, name=f"w{n}")
                with writer_reg.engine.begin() as conn:
                    write_records(
                        conn, [prepare(obj, observed_at=now)], tenant=reg.tenant,
                        connection_id=shop, stream="webhooks", now=now,
                    )  # fmt: skip
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=syncs), threading.Thread(target=webhook_writes)]
    for thread in threads:
        thread.start()
    seen: dict[str, str] = {}
    versions: list[tuple[str, str]] = []
    cursor: str | None = None
    while True:
        finished = not any(t.is_alive() for t in threads)
        page = reg.records("customers", cursor=cursor, limit=5, include_deleted=True)
        for record in page.records:
            content = record.model_dump_json()
            versions.append((record.id, content))
            seen[record.id] = content
        cursor = page.next_cursor
        if finished and not page.has_more:
            break
    for thread in threads:
        thread.join()
    assert errors == []
    final, _ = read_all(reg, None, include_deleted=True)
    assert seen == {c.id: c.model_dump_json() for c in final}
    assert len(versions) == len(set(versions))


def test_remote_data_is_kept_only_when_the_connection_asks_and_expires(
    reg: Registry, shop: str, vendor: Vendor
) -> None:
    sync(reg, shop)
    record = reg.records("customers", limit=1).records[0]
    assert reg.record("customers", record.id, include_remote_data=True).remote_data is None
    conn = reg.update_connection(shop, settings={"keep_remote_data": True, "remote_data_days": 7})
    assert conn.settings.keep_remote_data is True
    assert conn.settings.remote_data_days == 7
    vendor.upsert("c000", name="raw kept")  # changed records are written with their raw object
    sync(reg, shop)
    kept = reg.records("customers", email="c0@example.com", include_remote_data=True).records[0]
    assert kept.remote_data == {"id": "c000", "name": "raw kept", "email": "c0@example.com"}
    with reg.engine.begin() as db:  # age the raw object past the retention
        db.execute(sa.text("update canonry_records set remote_data_at = :old"),
                   {"old": datetime.now(UTC) - timedelta(days=8)})  # fmt: skip
    sync(reg, shop)
    aged = reg.record("customers", kept.id, include_remote_data=True)
    assert aged.remote_data is None
    assert aged.name == "raw kept"  # only the raw object went
    with pytest.raises(ConfigurationError, match="remote_data_days"):
        reg.update_connection(shop, settings={"remote_data_days": 0})


def test_a_refused_optional_field_keeps_the_record_unless_the_connection_is_strict(
    reg: Registry, shop: str, vendor: Vendor
) -> None:
    """``field_errors``: lenient (the default) keeps the record without the value the
    canonical model refuses, with its raw object, and counts it; strict fails the run."""
    vendor.upsert("c005", email="call me maybe")  # vendor-valid free text, not an email
    assert sync(reg, shop) == 25
    kept = reg.record("customers", canonical_id("customer", shop, "c005"),
                      include_remote_data=True)  # fmt: skip
    assert isinstance(kept, Customer)
    assert kept.email is None
    assert kept.remote_data is not None
    assert kept.remote_data["email"] == "call me maybe"
    run = reg.sync_runs(shop, limit=1)[0]
    assert (run.status, run.warned) == (RunStatus.SUCCEEDED, 1)
    reg.update_connection("shop", settings={"field_errors": "strict"})
    with pytest.raises(MappingError, match="not a valid email"):
        sync(reg, shop, full=True)
    assert reg.sync_runs(shop, limit=1)[0].status is RunStatus.FAILED
