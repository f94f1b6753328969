"""The replication kit itself: the replica follows the store's rules, and each kind of
replication bug (lost, stale, missed deletion, incomplete invoice) fails with a diff that
names the ids and fields. The broken adapters live in ``broken.py``."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import httpx
import pytest

from adapters import Page
from adapters.stripe import StripeAdapter
from canonical import Customer, Source
from plugins.fakes import STRIPE_API_KEY, LoopbackHTTPServer, StripeFake
from plugins.testing import (
    ContractViolation,
    Mutator,
    Replica,
    ReplicationReport,
    StripeMutator,
    VendorState,
    check_replication,
    run_scenario,
)
from plugins.testing._verdict import compare
from tests.plugins.memory_adapter import GOOD_KEY, MemoryAdapter
from tests.replication import broken
from tests.replication.conftest import stripe_factory, stripe_fake


def _replica() -> Replica:
    return Replica(MemoryAdapter({}, {"api_key": GOOD_KEY}), "customers")


def _raw(n: int, name: str = "") -> dict[str, str]:
    return {"id": f"m{n}", "name": name or f"Member {n}", "email": f"m{n}@example.com"}


def test_replica_never_goes_back_in_time() -> None:
    replica = _replica()
    source = Source(adapter="memory", connection_id="local")
    at = [datetime(2026, 1, day, tzinfo=UTC) for day in (1, 2)]
    newer = Customer(remote_id="c1", source=source, name="new", updated_at=at[1])
    replica.write(newer)
    replica.write(Customer(remote_id="c1", source=source, name="old", updated_at=at[0]))
    assert replica.live()["c1"].name == "new"


def test_an_unchanged_record_keeps_its_change_number() -> None:
    replica = _replica()
    replica.apply(Page([_raw(1), _raw(2)], None))
    replica.apply(Page([_raw(1)], None))
    assert replica.records["m1"].seq == 1
    replica.apply(Page([_raw(1, "Renamed")], None))
    assert replica.records["m1"].seq == 3


def test_a_completed_snapshot_tombstones_what_it_did_not_see() -> None:
    replica = _replica()
    replica.apply(Page([_raw(1), _raw(2), _raw(3)], None))
    replica.begin_run(None)
    replica.apply(Page([_raw(1)], {"offset": 1}))
    replica.begin_run({"offset": 1})  # an interrupted listing resumes: the same snapshot
    replica.apply(Page([_raw(3)], None))
    replica.complete()
    assert replica.tombstones() == {"m2"}
    assert set(replica.live()) == {"m1", "m3"}


def test_a_snapshot_started_mid_run_spares_nothing_it_did_not_see_again() -> None:
    replica = _replica()
    replica.begin_run({"offset": 0})  # an incremental run: no snapshot
    replica.apply(Page([_raw(1), _raw(2)], {"offset": 2}))
    replica.apply(Page([_raw(2)], {"offset": 3}, snapshot_start=True))
    replica.complete()
    assert replica.tombstones() == {"m1"}


def test_an_incremental_run_reconciles_nothing() -> None:
    replica = _replica()
    replica.apply(Page([_raw(1), _raw(2)], None))
    replica.begin_run({"offset": 2})
    replica.apply(Page([_raw(1)], None))
    replica.complete()
    assert replica.tombstones() == set()


# -- each kind of bug is caught, with a diff naming it --------------------------------------


class _Quiet(StripeMutator):
    """A fixed script: 7 customers or invoices (two of 25 lines), then one move per sync."""

    def __init__(self, fake: StripeFake, stream: str, move: str, expire: bool = False) -> None:
        super().__init__(fake, stream)
        self.moves, self.expire = (move,), expire

    def seed(self, rng: random.Random) -> None:
        if self.stream == "invoices":
            self.payers = [self.fake.create_customer()["id"]]
            for lines in (1, 25, 3, 25, 2):
                self.fake.create_invoice(self.payers[0], lines=lines, amount=100, tax=10)
            return
        for n in range(7):
            self.fake.create_customer(name=f"Customer {n}")

    def between_pages(self, page: int, rng: random.Random) -> None:
        """Nothing while a listing runs."""

    def between_syncs(self, rng: random.Random) -> None:
        self.move(rng)
        if self.expire:
            self.fake.clock += 40 * 86_400
            self.fake.expire_events(self.fake.clock - 30 * 86_400)


def _fails(
    loopback: LoopbackHTTPServer, http: httpx.Client, cls: type[StripeAdapter], stream: str,
    move: str, expire: bool = False,
) -> str:  # fmt: skip
    """The kit's verdict on ``cls`` (it must fail), after checking the real adapter passes."""
    fake = stripe_fake(loopback)
    check_replication(
        stripe_factory(fake, http), stream, _Quiet(fake, stream, move, expire), seed=7
    )
    fake = stripe_fake(loopback)
    make, mutator = stripe_factory(fake, http, cls), _Quiet(fake, stream, move, expire)
    with pytest.raises(ContractViolation) as caught:
        check_replication(make, stream, mutator, seed=7)
    return str(caught.value)


def test_a_lost_record_is_named(loopback: LoopbackHTTPServer, http: httpx.Client) -> None:
    diff = _fails(loopback, http, broken.DropsOne, "customers", "update")
    assert "lost (live at the vendor, not in the replica): cus_" in diff


def test_a_stale_record_names_its_fields(loopback: LoopbackHTTPServer, http: httpx.Client) -> None:
    diff = _fails(loopback, http, broken.DropsEvents, "customers", "update")
    assert "stale cus_" in diff
    assert "email: " in diff
    assert "@example.com'" in diff
    assert "seed=7" in diff


def test_a_missed_deletion_is_named(loopback: LoopbackHTTPServer, http: httpx.Client) -> None:
    diff = _fails(loopback, http, broken.NoSnapshotFlag, "customers", "delete", expire=True)
    assert "missed deletions (gone at the vendor, live in the replica): cus_" in diff
    assert "adapter note: " in diff  # the fallback the adapter took


def test_an_incomplete_invoice_is_named(loopback: LoopbackHTTPServer, http: httpx.Client) -> None:
    diff = _fails(loopback, http, broken.CutsLines, "invoices", "update")
    assert "incomplete invoice in_" in diff
    assert "10 of 25 lines" in diff


def test_a_mutator_must_say_what_the_vendor_holds() -> None:
    adapter = MemoryAdapter({}, {"api_key": GOOD_KEY})
    with pytest.raises(NotImplementedError, match="must implement state"):
        run_scenario(adapter, "customers", Mutator(), seed=1)


class _Deletes(Mutator):
    """A plugin author's mutator for an in-memory vendor: full syncs only."""

    def __init__(self) -> None:
        self.vendor = {r["id"]: r for r in (_raw(n) for n in range(1, 6))}

    def state(self, stream: str) -> VendorState:
        return VendorState(dict(self.vendor))


def test_an_adapter_instance_is_reused_and_a_full_sync_adapter_passes() -> None:
    report = run_scenario(MemoryAdapter({}, {"api_key": GOOD_KEY}), "customers", _Deletes(), seed=3)
    assert report.ok, report.diff()
    assert report.live == 5
    assert report.syncs >= 4


def test_an_invoice_whose_totals_disagree_is_named(loopback: LoopbackHTTPServer) -> None:
    fake = stripe_fake(loopback)
    payer = fake.create_customer()["id"]
    invoice = fake.create_invoice(payer, lines=2, amount=500, tax=50)
    mutator = StripeMutator(fake, "invoices")
    adapter = StripeAdapter({"api_base": fake.url}, {"api_key": STRIPE_API_KEY})
    replica = Replica(adapter, "invoices")
    vendor = mutator.state("invoices")
    wrong = {**vendor.live[invoice["id"]], "total": 1050}  # 1000 + 100 tax is 1100
    replica.apply(Page([wrong], None))
    report = compare(replica, vendor, ReplicationReport("invoices", "hand-made", 0))
    assert report.incomplete == {
        invoice["id"]: "subtotal 10.00 - discount 0.00 + tax 1.00 is not the total 10.50"
    }
    assert report.stale[invoice["id"]] == ["total.amount: '10.50' -> '11.00'"]


def test_deletions_behind_expired_events_are_found_by_reconciliation(
    loopback: LoopbackHTTPServer, http: httpx.Client
) -> None:
    fake = stripe_fake(loopback)
    mutator = _Quiet(fake, "customers", "delete", expire=True)
    report = check_replication(stripe_factory(fake, http), "customers", mutator, seed=7)
    assert report.deletions_seen == report.reconciled == len(fake.deleted_customers) > 0
