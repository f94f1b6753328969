"""Job fixtures: a migrated database with a Stripe connection, signed-event builders, and
DBOS launched in this process with a test handler registry."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from adapters import Adapter
from registry import Registry, create_engine, upgrade
from tests.conftest import load_vendor_fixture
from vault import LocalCredentialStore, LocalKeyring
from webhooks import InboxStatus, NewInboxItem, insert_items
from webhooks._split import split_hubspot, split_stripe
from webhooks.handlers import HandlerRegistry
from webhooks.jobs import JobRuntime, JobSettings, enqueue_items, launch_dbos, prepare_dbos
from webhooks.jobs._tables import WORKERS, utcnow

API_KEY = "sk_test_jobs_7d1e4b"
FINAL = {
    s.value for s in (InboxStatus.DONE, InboxStatus.STALE, InboxStatus.DEAD, InboxStatus.FAILED)
}


def stripe_event(
    event_type: str, object_id: str, created: int, *, event_id: str | None = None
) -> bytes:
    """A Stripe event wrapping the real fixture customer or invoice, re-identified."""
    kind = event_type.partition(".")[0]
    obj = load_vendor_fixture("stripe", kind if kind in ("customer", "invoice") else "customer")
    obj = {**obj, "id": object_id}
    event = {
        "id": event_id or f"evt_{uuid.uuid4().hex[:20]}",
        "object": "event",
        "type": event_type,
        "created": created,
        "api_version": "2024-06-20",
        "livemode": False,
        "data": {"object": obj},
    }
    return json.dumps(event).encode()


@dataclass
class JobsEnv:
    url: str
    engine: sa.Engine
    registry: Registry
    connection_id: str
    tenant: str = "acme"
    dbos_schema: str = "dbos"
    runtimes: list[JobRuntime] = field(default_factory=list)

    def deliver(self, *bodies: bytes) -> list[str]:
        """What the endpoint does: insert the items and enqueue them in one transaction."""
        items = []
        for body in bodies:
            for draft in split_stripe(body):
                items.append(
                    NewInboxItem(
                        tenant=self.tenant,
                        connection_id=self.connection_id,
                        adapter="stripe",
                        vendor_event_id=draft.vendor_event_id,
                        vendor_event_type=draft.vendor_event_type,
                        object_type=draft.object_type,
                        object_id=draft.object_id,
                        occurred_at=draft.occurred_at,
                        body=draft.body,
                        headers={"stripe-signature": "t=1,v1=00"},
                    )
                )
        return self.store(items)

    def deliver_hubspot(self, connection_id: str, events: list[dict[str, Any]]) -> list[str]:
        """A HubSpot delivery (an array of events) to ``connection_id``, as the endpoint
        stores it; the ids of the new items."""
        items = [
            NewInboxItem(
                tenant=self.tenant,
                connection_id=connection_id,
                adapter="hubspot",
                vendor_event_id=d.vendor_event_id,
                vendor_event_type=d.vendor_event_type,
                object_type=d.object_type,
                object_id=d.object_id,
                occurred_at=d.occurred_at,
                body=d.body,
            )
            for d in split_hubspot(json.dumps(events).encode())
        ]
        return self.store(items)

    def store(self, items: list[NewInboxItem]) -> list[str]:
        """Insert ``items`` and enqueue the new ones in one transaction; their ids."""
        with self.engine.begin() as conn:
            new = set(insert_items(conn, items))
            refs = [i.ref() for i in items if i.id in new]
            enqueue_items(conn, refs, schema=self.dbos_schema)
        return [i.id for i in items if i.id in new]

    def statuses(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text("select id, status from canonry_webhook_inbox")).all()
        return {str(r[0]): str(r[1]) for r in rows}

    def wait(self, ids: list[str], timeout: float = 120.0) -> dict[str, str]:
        """Wait until every item in ``ids`` reached a final status; return the statuses."""
        deadline = time.monotonic() + timeout
        while True:
            current = self.statuses()
            if all(current.get(i) in FINAL for i in ids):
                return {i: current[i] for i in ids}
            if time.monotonic() > deadline:
                pending = {i: current.get(i) for i in ids if current.get(i) not in FINAL}
                raise AssertionError(f"items not processed in {timeout}s: {pending}")
            time.sleep(0.05)

    def register_worker(
        self, executor_id: str, pid: int, *, silent_for: timedelta = timedelta(0)
    ) -> None:
        """A worker row on this host, its last heartbeat ``silent_for`` ago."""
        with self.engine.begin() as conn:
            conn.execute(
                WORKERS.insert().values(
                    executor_id=executor_id,
                    hostname=socket.gethostname(),
                    pid=pid,
                    heartbeat_at=utcnow() - silent_for,
                )
            )

    def launch(
        self,
        handlers: HandlerRegistry,
        *,
        adapters: Mapping[str, type[Adapter]] | None = None,
        registry_factory: Callable[[str], Registry] | None = None,
        **settings: Any,
    ) -> JobRuntime:
        """DBOS in this process; ``adapters``: the registries' adapters (None: installed)."""
        settings.setdefault("executor_id", "test-worker")
        settings.setdefault("polling_interval", 0.02)
        settings.setdefault("concurrency", 8)
        settings.setdefault("dbos_schema", self.dbos_schema)
        runtime = launch_dbos(
            self.url,
            role="worker",
            settings=JobSettings(database_url=self.url, **settings),
            handlers=handlers,
            registry_factory=registry_factory
            or (
                lambda tenant: Registry(
                    self.url,
                    tenant=tenant,
                    credentials=self.registry.credential_store,
                    adapters=adapters,
                )
            ),
        )
        self.runtimes.append(runtime)
        return runtime


def make_env(url: str, key_file: Path, *, dbos_schema: str = "dbos") -> JobsEnv:
    engine = create_engine(url)
    upgrade(engine)
    prepare_dbos(url, dbos_schema)  # what `canonry serve` does at startup
    keyring = LocalKeyring.from_env({"CANONRY_KEY_FILE": str(key_file)}, create=True)
    store = LocalCredentialStore(engine, keyring, create_table=False)
    registry = Registry(url, tenant="acme", credentials=store)
    connection = registry.add_connection(
        "billing", "stripe", credentials={"api_key": API_KEY, "webhook_secret": "whsec_x"}
    )
    return JobsEnv(
        url=url,
        engine=engine,
        registry=registry,
        connection_id=connection.id,
        dbos_schema=dbos_schema,
    )


@pytest.fixture
def jobs_env(tmp_path: Path) -> Iterator[JobsEnv]:
    env = make_env(f"sqlite:///{tmp_path / 'canonry.db'}", tmp_path / "canonry.keys")
    yield env
    for runtime in env.runtimes:
        runtime.shutdown(timeout=0)
    env.registry.close()
    env.engine.dispose()


Recorder = Callable[..., None]


def now_s() -> int:
    return int(datetime.now(UTC).timestamp())
