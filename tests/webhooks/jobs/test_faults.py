"""The fault test: 1,000 signed HubSpot deliveries flow through the endpoint to a worker
process while Canonry's own PostgreSQL refuses connections for 10 s, Vault is sealed for
20 s and the vendor's API is down for 20 s. Afterwards every acknowledged delivery is done,
its handler effect (keyed by the idempotency key) exists exactly once, nothing failed and
nothing is stuck. Faults start when the deliveries reach set counts, so the verdict does
not depend on how fast the machine is.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from plugins.fakes import HUBSPOT_TOKEN, HubSpotFake, LoopbackHTTPServer
from registry import Registry, create_engine
from tests.fakes.vault_server import ROOT_TOKEN, FakeVault
from tests.harness import Processes
from tests.webhooks.jobs.conftest import JobsEnv, make_env
from tests.webhooks.jobs.crash_audit import create_effect_tables
from tests.webhooks.jobs.crashkit import Worker, handler_ran, until, wait_all_final, worker_env
from tests.webhooks.jobs.faultproxy import FaultProxy
from vault import HashiCorpStore, VaultSettings
from webhooks import WebhookSettings, create_app
from webhooks.jobs import enqueue_items
from webhooks.signatures import sign_hubspot_v3

DELIVERIES = 1000
CONTACTS = 100
CLIENT_SECRET = "hubspot-fault-secret-41c9"


@dataclass
class Sender:
    """Posts signed HubSpot deliveries in order; retries each until it is acknowledged, as
    HubSpot does (a 503 means nothing was stored)."""

    app_factory: Callable[[], object]
    connection_id: str
    contacts: list[int]
    acknowledged: list[int] = field(default_factory=list)
    unavailable: int = 0
    thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self.thread.start()

    async def _run(self) -> None:
        transport = httpx.ASGITransport(app=self.app_factory())  # type: ignore[arg-type]
        base_ms = int(time.time() * 1000) - 3_600_000
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            for n in range(DELIVERIES):
                await self._deliver(client, n, base_ms)
                await asyncio.sleep(0.04)  # ~20 a second: deliveries flow through every fault

    async def _deliver(self, client: httpx.AsyncClient, n: int, base_ms: int) -> None:
        url = f"http://test/webhooks/{self.connection_id}"
        body = json.dumps([{
            "portalId": 7, "subscriptionId": 9, "eventId": n,
            "objectId": self.contacts[n % len(self.contacts)],
            "subscriptionType": "contact.propertyChange", "occurredAt": base_ms + n * 10,
        }]).encode()  # fmt: skip
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            headers = sign_hubspot_v3(body, CLIENT_SECRET, method="POST", uri=url)
            try:
                answer = await client.post(url, content=body, headers=headers, timeout=30)
            except httpx.HTTPError:
                answer = None
            if answer is not None and answer.status_code == 200:
                self.acknowledged.append(n)
                return
            assert answer is None or answer.status_code == 503, answer.text
            self.unavailable += 1
            await asyncio.sleep(0.2)
        raise AssertionError(f"delivery {n} was never acknowledged")

    def join(self) -> None:
        assert self.thread is not None
        self.thread.join(timeout=900)


def _wait_for(condition: Callable[[], bool], timeout: float = 600.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the deliveries stopped flowing"
        time.sleep(0.05)


@pytest.fixture
def hubspot() -> Iterator[tuple[HubSpotFake, FaultProxy]]:
    with LoopbackHTTPServer() as server:
        fake = HubSpotFake().start(server)
        port = int(fake.url.rsplit(":", 1)[1])
        proxy = FaultProxy("127.0.0.1", port)
        yield fake, proxy
        proxy.close()


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(1500)
def test_database_vault_and_vendor_outages_lose_and_duplicate_nothing(
    postgres_url: str,
    tmp_path: Path,
    hubspot: tuple[HubSpotFake, FaultProxy],
    processes: Processes,
) -> None:
    fake, vendor_proxy = hubspot
    schema = f"dbos_{uuid.uuid4().hex[:10]}"
    env = make_env(postgres_url, tmp_path / "canonry.keys", dbos_schema=schema)
    database = FaultProxy("127.0.0.1", 5432)
    try:
        _run(env, schema, database, postgres_url, tmp_path, fake, vendor_proxy, processes)
    finally:  # pass or fail: no connection, proxy or schema outlives the test
        database.close()
        env.registry.close()
        with env.engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        env.engine.dispose()


def _run(
    env: JobsEnv,
    schema: str,
    database: FaultProxy,
    postgres_url: str,
    tmp_path: Path,
    fake: HubSpotFake,
    vendor_proxy: FaultProxy,
    processes: Processes,
) -> None:
    proxied = postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{database.port}")
    with FakeVault() as vault:
        prefix = f"faults-{uuid.uuid4().hex[:6]}"
        settings = VaultSettings(addr=vault.url, token=SecretStr(ROOT_TOKEN), prefix=prefix,
                                 timeout=2.0)  # fmt: skip
        store = HashiCorpStore(settings)
        registry = Registry(postgres_url, tenant=env.tenant, credentials=store)
        crm = registry.add_connection(
            "crm", "hubspot",
            {"base_url": f"http://127.0.0.1:{vendor_proxy.port}", "timeout": 2, "max_attempts": 1},
            {"access_token": HUBSPOT_TOKEN, "client_secret": CLIENT_SECRET},
        )  # fmt: skip
        contacts = [int(fake.create("contacts", {"email": f"c{n}@example.com"})["id"])
                    for n in range(CONTACTS)]  # fmt: skip
        create_effect_tables(env.engine)
        worker = Worker(processes, "faults", worker_env(
            env, tmp_path / "canonry.keys", CANONRY_DATABASE_URL=proxied,
            CANONRY_DBOS_SCHEMA=schema, CANONRY_VAULT="hashicorp", VAULT_ADDR=vault.url,
            VAULT_TOKEN=ROOT_TOKEN, CANONRY_VAULT_PREFIX=prefix, CANONRY_VAULT_TIMEOUT="2",
            CANONRY_WEBHOOK_CACHE_SECONDS="2",
        ), tmp_path / "worker.log")  # fmt: skip
        endpoint_engine = create_engine(proxied)

        def app() -> object:
            return create_app(
                WebhookSettings(database_url=proxied, cache_seconds=2),
                engine=endpoint_engine,
                enqueue=lambda conn, refs: enqueue_items(conn, refs, schema=schema),
                credentials=store,
            )

        sender = Sender(app, crm.id, contacts)
        worker.start()
        sender.start()
        try:
            until(handler_ran(env, worker), "the worker ran no handler")  # else it is no test
            _wait_for(lambda: len(sender.acknowledged) >= 150)
            database.refuse()  # Canonry's own database: 10 s
            time.sleep(10)
            database.restore()
            _wait_for(lambda: len(sender.acknowledged) >= 400)
            vendor_proxy.refuse()  # the vendor's API: 20 s
            time.sleep(20)
            vendor_proxy.restore()
            _wait_for(lambda: len(sender.acknowledged) >= 650)
            vault.sealed = True  # Vault: 20 s
            time.sleep(20)
            vault.sealed = False
            sender.join()
            wait_all_final(env.engine, DELIVERIES, timeout=900)
            assert worker.stop() == 0
        finally:
            database.restore()
            vendor_proxy.restore()
            vault.sealed = False
            if worker.proc is not None and worker.proc.poll() is None:
                worker.kill()
            endpoint_engine.dispose()
            registry.close()
        _audit(env.engine, schema, sender)


def _audit(engine: sa.Engine, schema: str, sender: Sender) -> None:
    assert sorted(sender.acknowledged) == list(range(DELIVERIES))
    with engine.connect() as conn:
        query = "select status, count(*) from canonry_webhook_inbox group by status"
        statuses = {str(s): int(c) for s, c in conn.execute(sa.text(query)).all()}
        items = [str(i) for i in conn.execute(sa.text("select id from canonry_webhook_inbox"))
                 .scalars()]  # fmt: skip
        effects = {str(k) for k in conn.execute(sa.text("select key from crash_effects")).scalars()}
        errors = conn.execute(
            sa.text(f"select count(*) from \"{schema}\".workflow_status where status = 'ERROR'")
        ).scalar_one()
    assert statuses == {"done": DELIVERIES}  # none failed, none dead, none stuck
    assert effects == {f"{i}:effect" for i in items}  # every effect once (a primary key)
    assert errors == 0
    sys.stderr.write(f"\nFAULT-REPORT 503s the sender retried: {sender.unavailable}\n")
