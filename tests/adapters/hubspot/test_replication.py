"""Seeded scenarios: the strict fake changes data between pages; the replica must converge.

Ties in random order, writes indexed late, edits that move records out of a tie, inserts
at past timestamps: after the changes stop and the index catches up, one more incremental
run must leave a replica (upsert by id) equal to the portal, never with an older version
of a record after a newer one.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from plugins.fakes import HubSpotFake
from tests.adapters.hubspot.conftest import MakeAdapter

Replica = dict[str, str]  # id -> lastmodifieddate


def _apply(replica: Replica, records: list[dict[str, Any]]) -> None:
    for record in records:
        when = record["properties"]["lastmodifieddate"]
        assert replica.get(record["id"], "") <= when, f"stale version of {record['id']}"
        replica[record["id"]] = when


def _mutate(fake: HubSpotFake, rng: random.Random, ties: list[int]) -> None:
    live = list(fake.objects.get("contacts", {}))
    for _ in range(rng.randint(0, 4)):
        lag = rng.choice([0, 0, 1, 3])
        roll = rng.random()
        if roll < 0.5 and live:
            fake.update("contacts", rng.choice(live), {"email": f"e{rng.random()}@x.com"}, lag=lag)
        elif roll < 0.8:
            fake.create("contacts", {"email": "new@x.com"}, lag=lag)
        else:  # a new record stamped with a timestamp already passed (clock skew)
            clock = fake.now_ms
            fake.create("contacts", {"email": "tie@x.com"}, at=rng.choice(ties), lag=lag)
            fake.now_ms = clock


@pytest.mark.parametrize("seed", range(40))
def test_the_replica_converges_to_the_portal(
    seed: int, fake: HubSpotFake, make_adapter: MakeAdapter
) -> None:
    rng = random.Random(seed)
    fake.search_index.tie_seed = seed
    base = fake.now_ms
    ties = [base + 10, base + 20]
    for n in range(rng.randint(5, 30)):
        fake.create(
            "contacts", {"email": f"p{n}@x.com"}, at=rng.choice(ties), lag=rng.choice([0, 2])
        )
    fake.now_ms = base + 1_000
    replica: Replica = {}
    cursor = None
    for _ in range(3):  # runs with changes between their pages
        pages = make_adapter(page_size=rng.choice([2, 3, 5])).read("contacts", cursor)
        for n, page in enumerate(pages):
            assert n < 500, "the run does not end"
            _apply(replica, page.records)
            cursor = page.cursor
            if n < 8:  # changes stop, so the run can catch up
                _mutate(fake, rng, ties)
    fake.flush_index()
    for n, page in enumerate(make_adapter(page_size=4).read("contacts", cursor)):
        assert n < 500, "the run does not end"
        _apply(replica, page.records)
    portal = {i: r["properties"]["lastmodifieddate"] for i, r in fake.objects["contacts"].items()}
    assert replica == portal
