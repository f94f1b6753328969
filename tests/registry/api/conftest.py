"""A migrated database with a synced connection for two tenants, and the API over it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from prometheus_client import CollectorRegistry

from registry import Registry
from registry.api import create_api_app
from tests.registry.api.server import served
from tests.registry.conftest import MakeRegistry
from tests.registry.store_vendor import VENDORS, Vendor, VendorAdapter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class ApiEnv:
    client: httpx.Client
    reg: Registry
    other: Registry
    vendor: Vendor
    connection_id: str
    key: str
    other_key: str
    clock: Clock
    metrics: CollectorRegistry

    def get(self, path: str, key: str | None = None, **kwargs: object) -> object:
        headers = {"Authorization": f"Bearer {key or self.key}"}
        headers.update(kwargs.pop("headers", {}))  # type: ignore[arg-type]
        return self.client.get(path, headers=headers, **kwargs)  # type: ignore[arg-type]

    def sync(self) -> None:
        for _ in self.reg.sync(self.connection_id, "customers"):
            pass


@pytest.fixture
def api(make_registry: MakeRegistry) -> Iterator[ApiEnv]:
    vendor = Vendor(f"api-{uuid.uuid4().hex[:8]}")
    for n in range(30):
        vendor.upsert(f"c{n:03d}", name=f"Customer {n}", email=f"c{n}@example.com")
    reg = make_registry(adapters={"vendor": VendorAdapter})
    other = make_registry("globex", adapters={"vendor": VendorAdapter})
    config = {"vendor": vendor.name, "page_size": 10}
    conn = reg.add_connection("shop", "vendor", config, {"api_key": "k"}).id
    other_conn = other.add_connection("shop", "vendor", config, {"api_key": "k"}).id
    for registry, connection in ((reg, conn), (other, other_conn)):
        for _ in registry.sync(connection, "customers"):
            pass
    clock, metrics = Clock(), CollectorRegistry()
    app = create_api_app(reg.engine, metrics_registry=metrics, clock=clock)
    key = reg.api_keys.create("tests", rate_per_minute=600)[1].get_secret_value()
    other_key = other.api_keys.create("globex")[1].get_secret_value()
    with served(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield ApiEnv(client, reg, other, vendor, conn, key, other_key, clock, metrics)
    VENDORS.pop(vendor.name, None)
