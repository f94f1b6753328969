"""End to end: Registry.sync runs the HubSpot adapter, maps and checkpoints, then resumes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.hubspot import HubSpotAdapter
from canonical import Customer, Invoice
from plugins.fakes import HUBSPOT_TOKEN as TOKEN
from plugins.fakes import HubSpotFake
from registry import Registry, create_engine, upgrade
from vault import LocalCredentialStore, LocalKeyring


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    db = f"sqlite:///{tmp_path}/canonry.db"
    engine = create_engine(db)
    upgrade(engine)
    store = LocalCredentialStore(engine, LocalKeyring.generate(), create_table=False)
    with Registry(db, tenant="t1", adapters={"hubspot": HubSpotAdapter}, credentials=store) as reg:
        yield reg
    engine.dispose()


def test_registry_syncs_contacts_then_only_changes(registry: Registry, fake: HubSpotFake) -> None:
    made = [fake.create("contacts", {"email": f"r{n}@example.com"})["id"] for n in range(3)]
    config = {"base_url": fake.url, "page_size": 2}
    conn = registry.add_connection("crm", "hubspot", config, {"access_token": TOKEN})
    first = list(registry.sync(conn.id, "contacts"))
    assert all(isinstance(c, Customer) for c in first)
    assert sorted(c.remote_id for c in first) == sorted(made)

    fake.update("contacts", made[1], {"firstname": "Grace"})
    again = list(registry.sync(conn.id, "contacts"))
    assert [(c.remote_id, c.given_name) for c in again] == [(made[1], "Grace")]


def test_registry_syncs_invoices(registry: Registry, fake: HubSpotFake) -> None:
    invoice = fake.create("invoices", {"hs_currency": "EUR", "hs_invoice_status": "voided"})
    conn = registry.add_connection(
        "crm", "hubspot", {"base_url": fake.url}, {"access_token": TOKEN}
    )
    synced = list(registry.sync(conn.id, "invoices"))
    assert len(synced) == 1
    assert isinstance(synced[0], Invoice)
    assert (synced[0].remote_id, synced[0].status.value, synced[0].currency) == (
        invoice["id"],
        "void",
        "EUR",
    )


def test_registry_requests_the_properties_of_the_active_override(
    registry: Registry, fake: HubSpotFake
) -> None:
    fake.create("contacts", {"email": "vip@example.com", "loyalty_tier": "gold"})
    conn = registry.add_connection(
        "crm", "hubspot", {"base_url": fake.url}, {"access_token": TOKEN}
    )
    override = "rules:\n  description: properties.loyalty_tier\n"
    draft = registry.add_mapping_version(conn.id, "Customer", override)
    registry.set_mapping_status(conn.id, "Customer", draft.version, "approved")
    registry.set_mapping_status(conn.id, "Customer", draft.version, "active")

    (customer,) = registry.sync(conn.id, "contacts")

    assert customer.description == "gold"  # only sent when the adapter asked for it
