"""End to end: Registry.sync runs the Stripe adapter, maps and checkpoints, then resumes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.stripe import StripeAdapter
from canonical import Customer
from plugins.fakes import STRIPE_API_KEY as API_KEY
from plugins.fakes import StripeFake
from registry import Registry, create_engine, upgrade
from vault import LocalCredentialStore, LocalKeyring


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    db = f"sqlite:///{tmp_path}/canonry.db"
    engine = create_engine(db)
    upgrade(engine)
    store = LocalCredentialStore(engine, LocalKeyring.generate(), create_table=False)
    adapters = {"stripe": StripeAdapter}
    factory = lambda connection: httpx.Client()  # noqa: E731  (the Registry closes it)
    with Registry(
        db, tenant="t1", adapters=adapters, credentials=store, http_factory=factory
    ) as reg:
        yield reg
    engine.dispose()


def test_registry_sync_is_incremental_after_the_first_run(
    registry: Registry, fake: StripeFake
) -> None:
    first = [fake.create_customer(email=f"r{n}@example.com")["id"] for n in range(5)]
    conn = registry.add_connection(
        "shop", "stripe", {"api_base": fake.url, "page_size": 2}, {"api_key": API_KEY}
    )
    synced = list(registry.sync(conn.id, "customers"))
    assert all(isinstance(c, Customer) for c in synced)
    assert sorted(c.remote_id for c in synced) == sorted(first)
    state = registry.sync_state(conn.id, "customers")
    assert state is not None

    fake.update_customer(first[0], name="Renamed")
    fake.delete_customer(first[1])
    again = list(registry.sync(conn.id, "customers"))
    assert [(c.remote_id, c.remote_was_deleted) for c in again] == [
        (first[0], False),
        (first[1], True),
    ]
    assert again[0].name == "Renamed"
