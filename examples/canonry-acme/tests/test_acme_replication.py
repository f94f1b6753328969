"""The replication kit on AcmeAdapter: no customer lost while the fake's data changes.

Acme offers full syncs only (no incremental API, no deletion feed), so every sync lists
everything and deletions are found by reconciliation (what a full listing does not show
is tombstoned). The mutator below is all an author writes: it changes the fake's data
between pages and says what the vendor holds in the end.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from acme_fake import AcmeFake, make_customers
from canonry_acme import AcmeAdapter

from plugins.testing import Mutator, VendorState, check_replication


class AcmeEdits(Mutator):
    """Updates, inserts on both sides of the listing's position (ids sort the listing),
    and deletions, between pages and between syncs."""

    def __init__(self, fake: AcmeFake) -> None:
        self.fake, self.version = fake, 0
        self.deleted: set[str] = set()

    def seed(self, rng: random.Random) -> None:
        self.fake.customers[:] = rng.sample(make_customers(40), rng.randint(4, 9))

    def between_pages(self, page: int, rng: random.Random) -> None:
        self.change(rng)

    def between_syncs(self, rng: random.Random) -> None:
        for _ in range(rng.randint(1, 3)):
            self.change(rng)

    def change(self, rng: random.Random) -> None:
        self.version += 1
        customers = self.fake.customers
        move = rng.choice(("update", "insert", "delete"))
        if move == "insert" or not customers:
            taken = {c["id"] for c in customers} | self.deleted
            fresh = [c for c in make_customers(40) if c["id"] not in taken]
            customers.append(rng.choice(fresh))  # a random id: before or after the position
        elif move == "update":
            customer = rng.choice(customers)
            customer["name"] = f"Renamed {self.version}"
            minutes, seconds = divmod(self.version, 60)
            customer["updated_at"] = f"2025-01-01T00:{minutes:02d}:{seconds:02d}Z"  # newer
        else:
            gone = customers.pop(rng.randrange(len(customers)))
            self.deleted.add(gone["id"])

    def state(self, stream: str) -> VendorState:
        live = {c["id"]: dict(c) for c in self.fake.customers}
        return VendorState(live, self.deleted - set(live))


@pytest.mark.parametrize("seed", range(20))
def test_no_customer_is_lost(
    acme: AcmeFake, make_acme: Callable[..., AcmeAdapter], seed: int
) -> None:
    check_replication(make_acme, "customers", AcmeEdits(acme), seed=seed)
