"""A plugin adapter's ``webhook_event`` / ``fetch_record`` hooks drive the job: its events
reach handlers as canonical Events with the object mapped by the connection's mapping, and
a hook that crashes fails the item without its text (which may quote vendor data)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest

from adapters import Capability, WebhookEvent
from canonical import Customer, Event, EventType
from registry import Registry
from tests.registry.fake_adapter import FakeAdapter
from tests.webhooks.jobs.conftest import JobsEnv, now_s
from webhooks import NewInboxItem, get_item
from webhooks.handlers import HandlerRegistry

_CRM = {"c-2": {"id": "c-2", "name": "Grace Hopper", "email": "grace@example.com", "created": 5}}


class HookedAdapter(FakeAdapter):
    """Events ``{"kind", "customer"?, "ref"?}``: an embedded customer is the record, a bare
    ``ref`` is fetched from ``_CRM``; kind ``boom`` makes the hook crash."""

    key: ClassVar[str] = "hooked"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.WEBHOOKS})
    fetched: ClassVar[list[str]] = []

    def webhook_event(
        self, *, event_type: str, object_type: str, object_id: str | None, payload: Any
    ) -> WebhookEvent:
        if event_type == "boom":
            raise KeyError("secret-looking vendor value")
        if "customer" in payload:
            return WebhookEvent(
                EventType.CUSTOMER_CREATED, "customer", "customers", payload["customer"]
            )
        return WebhookEvent(EventType.CUSTOMER_UPDATED, "customer", "customers", fetch=True)

    def fetch_record(self, stream: str, record_id: str) -> dict[str, Any] | None:
        self.fetched.append(f"{stream}/{record_id}")
        return _CRM.get(record_id)


ADAPTERS = {"hooked": HookedAdapter}


def _deliver(env: JobsEnv, connection_id: str, events: list[dict[str, Any]]) -> list[str]:
    items = [
        NewInboxItem(
            tenant=env.tenant,
            connection_id=connection_id,
            adapter="hooked",
            vendor_event_id=f"ev-{n}",
            vendor_event_type=e["kind"],
            object_type="customer",
            object_id=e.get("ref"),
            occurred_at=datetime.fromtimestamp(now_s() + n, UTC),
            body=json.dumps(e).encode(),
        )
        for n, e in enumerate(events)
    ]
    return env.store(items)


@pytest.fixture
def connection_id(jobs_env: JobsEnv) -> str:
    store = jobs_env.registry.credential_store
    with Registry(jobs_env.url, tenant="acme", credentials=store, adapters=ADAPTERS) as reg:
        return reg.add_connection(
            "hooks", "hooked", {"base_url": "http://127.0.0.1:9"}, {"api_key": "k-hooks"}
        ).id


def test_plugin_events_reach_handlers_mapped_by_the_connection_mapping(
    jobs_env: JobsEnv, connection_id: str
) -> None:
    HookedAdapter.fetched.clear()
    seen: dict[str, Event] = {}
    handlers = HandlerRegistry()
    handlers.on("customer.*", name="h")(
        lambda e, *, idempotency_key: seen.__setitem__(e.vendor_event_id, e)
    )
    jobs_env.launch(handlers, adapters=ADAPTERS)
    embedded = {"id": "c-1", "name": "Ada", "email": "ada@example.com", "created": 1}
    ids = _deliver(
        jobs_env,
        connection_id,
        [{"kind": "made", "customer": embedded, "ref": "c-1"}, {"kind": "touched", "ref": "c-2"}],
    )

    assert set(jobs_env.wait(ids).values()) == {"done"}
    made, touched = seen["ev-0"], seen["ev-1"]
    assert made.type is EventType.CUSTOMER_CREATED
    assert made.vendor_event_type == "made"
    assert isinstance(made.data, Customer)
    assert made.data.email == "ada@example.com"
    assert isinstance(touched.data, Customer)
    assert touched.data.name == "Grace Hopper"
    assert touched.data.source.adapter == "hooked"
    assert HookedAdapter.fetched == ["customers/c-2"]  # the embedded one was not fetched


def test_a_crashing_hook_or_a_vanished_object_fails_or_notes_the_item(
    jobs_env: JobsEnv, connection_id: str
) -> None:
    calls: list[str] = []
    handlers = HandlerRegistry()
    handlers.on("*", name="h")(lambda e, *, idempotency_key: calls.append(e.vendor_event_id))
    jobs_env.launch(handlers, adapters=ADAPTERS)
    ids = _deliver(
        jobs_env, connection_id, [{"kind": "boom", "ref": "x"}, {"kind": "touched", "ref": "nope"}]
    )

    statuses = jobs_env.wait(ids)
    assert statuses[ids[0]] == "failed"
    with jobs_env.engine.connect() as conn:
        item = get_item(conn, ids[0], tenant="acme")
    error = (item.last_error if item else None) or ""
    assert "PluginError" in error
    assert "webhook_event" in error
    assert "KeyError" in error
    assert "secret-looking" not in error
    # a fetch that finds nothing (deleted meanwhile) still delivers the event, without data
    assert statuses[ids[1]] == "done"
    assert calls == ["ev-1"]


def test_default_hooks_read_events_generically() -> None:
    adapter = FakeAdapter({"base_url": "http://127.0.0.1:9"}, {"api_key": "k"})
    read = adapter.webhook_event(
        event_type="invoice.paid", object_type="invoice", object_id="in_1", payload={}
    )
    assert read == WebhookEvent(EventType.INVOICE_PAID, "invoice")
    assert adapter.webhook_event(
        event_type="deal.won", object_type="deal", object_id=None, payload=[]
    ) == WebhookEvent(EventType.OTHER)
