"""The endpoint in process (httpx ASGITransport): accept, persist once, deduplicate, enqueue."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from starlette.applications import Starlette

from tests.webhooks.conftest import HUBSPOT_SECRET, STANDARD_SECRET, STRIPE_SECRET, Env
from tests.webhooks.helpers import BASE, dump, hubspot_delivery, hubspot_events, stripe_delivery
from webhooks import InboxStatus, get_item, list_items
from webhooks._samples import stripe_event
from webhooks.signatures import sign_hubspot_v3, sign_standard

pytestmark = pytest.mark.anyio


def client_for(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)


async def test_a_signed_stripe_event_is_stored_enqueued_then_acknowledged(env: Env) -> None:
    event = stripe_event("invoice.paid")
    body, headers = stripe_delivery(STRIPE_SECRET, event)
    headers["Authorization"] = "Bearer should-not-be-kept"
    async with client_for(env.app()) as client:
        response = await client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"received": 1, "duplicates": 0}
    assert response.headers["x-request-id"]
    [ref] = env.enqueue.refs
    with env.engine.connect() as conn:
        item = get_item(conn, ref.id, tenant="acme")
        listed = list_items(conn, "acme", status="received")
    assert item is not None
    assert [i.id for i in listed] == [item.id]
    assert item.body == body  # the raw delivery, byte for byte
    assert (item.tenant, item.connection_id, item.adapter) == ("acme", env.stripe, "stripe")
    assert (item.vendor_event_id, item.vendor_event_type) == (event["id"], "invoice.paid")
    assert (item.object_type, item.object_id) == ("invoice", event["data"]["object"]["id"])
    assert int(item.occurred_at.timestamp()) == event["created"]
    assert (item.status, item.attempts) == (InboxStatus.RECEIVED, 0)
    assert set(item.headers) == {"stripe-signature", "content-type", "user-agent"}
    assert ref.partition_key == f"{env.stripe}:invoice:{event['data']['object']['id']}"
    assert env.metric("canonry_webhook_deliveries_accepted_total", adapter="stripe") == 1


async def test_a_redelivery_is_acknowledged_but_not_stored_or_enqueued_again(env: Env) -> None:
    event = stripe_event("customer.updated")
    async with client_for(env.app()) as client:
        for attempt in range(3):
            body, headers = stripe_delivery(STRIPE_SECRET, event)  # re-signed each time
            response = await client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)
            assert response.status_code == 200
            assert response.json() == {
                "received": int(attempt == 0),
                "duplicates": int(attempt > 0),
            }
    assert env.inbox_count() == 1
    assert len(env.enqueue.refs) == 1
    assert env.metric("canonry_webhook_events_duplicate_total", adapter="stripe") == 2


async def test_a_hubspot_array_becomes_one_item_per_event(env: Env) -> None:
    url = f"{BASE}/webhooks/{env.hubspot}"
    events = hubspot_events(3)
    body, headers = hubspot_delivery(HUBSPOT_SECRET, events, url)
    async with client_for(env.app()) as client:
        first = await client.post(url, content=body, headers=headers)
        # HubSpot retries with the same events; one new event rides along
        again, headers = hubspot_delivery(
            HUBSPOT_SECRET, [*events, *hubspot_events(1, start=9)], url
        )
        second = await client.post(url, content=again, headers=headers)
    assert first.json() == {"received": 3, "duplicates": 0}
    assert second.json() == {"received": 1, "duplicates": 3}
    with env.engine.connect() as conn:
        items = list_items(conn, "acme", connection_id=env.hubspot)
    assert len(items) == 4
    by_event = {json.loads(i.body)["eventId"]: i for i in items}
    assert sorted(by_event) == [9, 1000, 1001, 1002]
    item = by_event[1001]
    assert json.loads(item.body) == events[1]  # each row holds its own element
    assert (item.object_type, item.object_id) == ("contact", "52")
    assert item.vendor_event_id == "62515:7:1001"
    assert [r.object_id for r in env.enqueue.refs] == ["51", "52", "53", "51"]


async def test_hubspot_requires_v3_unless_the_connection_opts_in_to_legacy(env: Env) -> None:
    """HubSpot sends the untimestamped v1/v2 signatures on every request too: a captured
    delivery replayed an hour later without its v3 headers must not be accepted."""
    import hashlib

    body = dump(hubspot_events(1))
    url = f"{BASE}/webhooks/{env.hubspot}"
    an_hour_ago = int(time.time() * 1000) - 3_600_000
    captured = sign_hubspot_v3(body, HUBSPOT_SECRET, method="POST", uri=url,
                               timestamp_ms=an_hour_ago)  # fmt: skip
    legacy = hashlib.sha256(HUBSPOT_SECRET.encode() + body).hexdigest()
    captured |= {"X-HubSpot-Signature": legacy, "X-HubSpot-Signature-Version": "v1"}
    stripped = {k: v for k, v in captured.items() if "v3" not in k.lower()}
    stripped.pop("X-HubSpot-Request-Timestamp", None)
    app = env.app()
    async with client_for(app) as client:
        as_is = await client.post(url, content=body, headers=captured)
        replayed = await client.post(url, content=body, headers=stripped)
        env.registry.update_connection("crm", config={"accept_legacy_signatures": True})
        app.state.resolver.connections.invalidate()  # (test_resolver covers the cache)
        opted_in = await client.post(url, content=body, headers=stripped)
        stripped["X-HubSpot-Signature"] = "0" * 64
        forged = await client.post(url, content=body, headers=stripped)
    assert (as_is.status_code, as_is.json()["error"]) == (400, "stale_timestamp")
    assert (replayed.status_code, replayed.json()["error"]) == (401, "missing_signature")
    assert (opted_in.status_code, forged.status_code) == (200, 401)


async def test_standard_webhooks_adapter_declared_by_scheme(env: Env) -> None:
    body = dump({"type": "customer.created", "timestamp": "2026-11-21T00:00:00Z", "data": {}})
    headers = sign_standard(body, STANDARD_SECRET, msg_id="msg_2Lz1")
    async with client_for(env.app()) as client:
        response = await client.post(f"/webhooks/{env.generic}", content=body, headers=headers)
    assert response.json() == {"received": 1, "duplicates": 0}
    [ref] = env.enqueue.refs
    assert (ref.adapter, ref.vendor_event_type, ref.object_type) == (
        "generic",
        "customer.created",
        "customer",
    )


async def test_health_readiness_and_metrics(env: Env) -> None:
    async with client_for(env.app()) as client:
        body, headers = stripe_delivery(STRIPE_SECRET)
        await client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)
        await client.post(f"/webhooks/{env.stripe}", content=body)  # no signature
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
        metrics = await client.get("/metrics")
    assert health.json() == {"status": "ok"}
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
    text = metrics.text
    assert 'canonry_webhook_deliveries_accepted_total{adapter="stripe"} 1.0' in text
    assert 'canonry_webhook_deliveries_rejected_total{reason="missing_signature"} 1.0' in text
    assert 'canonry_webhook_request_seconds_count{outcome="accepted"} 1.0' in text


async def test_deliveries_get_503_when_the_database_is_gone(env: Env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from registry import create_engine

    broken = create_engine(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
    app = env.app()
    app.state.resolver.engine = broken
    app.state.writer.engine = broken
    env.engine.dispose()
    async with client_for(app) as client:
        body, headers = stripe_delivery(STRIPE_SECRET)
        post = await client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)
        health = await client.get("/healthz")
    assert (post.status_code, post.headers["retry-after"]) == (503, "5")
    assert health.status_code == 200
    assert env.enqueue.refs == []


async def test_readyz_reports_an_unreachable_database(env: Env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from registry import create_engine
    from webhooks import WebhookSettings, create_app

    broken = create_engine(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
    app = create_app(
        WebhookSettings(), engine=broken, enqueue=env.enqueue, credentials=env.store, adapters={}
    )
    async with client_for(app) as client:
        ready = await client.get("/readyz")
    assert (ready.status_code, ready.json()) == (503, {"status": "unavailable"})


async def test_nothing_is_acknowledged_when_enqueueing_fails(env: Env) -> None:
    body, headers = stripe_delivery(STRIPE_SECRET)
    env.enqueue.fail = True
    async with client_for(env.app()) as client:
        failed = await client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)
        assert failed.status_code == 503
        assert env.inbox_count() == 0  # the inbox insert rolled back with the enqueue
        env.enqueue.fail = False
        retried = await client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)
    assert retried.json() == {"received": 1, "duplicates": 0}
    assert env.inbox_count() == 1


async def test_latency_is_measured_per_outcome(env: Env) -> None:
    started = time.perf_counter()
    async with client_for(env.app()) as client:
        await client.post("/webhooks/not-a-connection", content=b"{}")
    total = env.metric("canonry_webhook_request_seconds_sum", outcome="rejected")
    assert 0 < total <= time.perf_counter() - started


async def test_removing_a_connection_removes_its_inbox_items(env: Env) -> None:
    body, headers = stripe_delivery(STRIPE_SECRET)
    async with client_for(env.app()) as client:
        await client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)
    assert env.inbox_count() == 1
    env.registry.remove_connection("billing")
    assert env.inbox_count() == 0


@pytest.mark.postgres
async def test_the_endpoint_on_postgresql(pg_env: Env) -> None:
    env = pg_env
    body, headers = stripe_delivery(STRIPE_SECRET)
    url = f"{BASE}/webhooks/{env.hubspot}"
    hs_body, hs_headers = hubspot_delivery(HUBSPOT_SECRET, hubspot_events(3), url)
    async with client_for(env.app()) as client:
        first = await client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)
        again = await client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)
        array = await client.post(url, content=hs_body, headers=hs_headers)
    assert first.json() == {"received": 1, "duplicates": 0}
    assert again.json() == {"received": 0, "duplicates": 1}
    assert array.json() == {"received": 3, "duplicates": 0}
    assert env.inbox_count() == 4
    assert len(env.enqueue.refs) == 4
