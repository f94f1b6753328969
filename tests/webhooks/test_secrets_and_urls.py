"""Secret rotation (two secrets at once, a rotation while cached) and HubSpot's public URL."""

from __future__ import annotations

import logging

import pytest

from tests.webhooks.conftest import (
    API_KEY,
    HUBSPOT_SECRET,
    SECRETS,
    STRIPE_PREVIOUS,
    STRIPE_SECRET,
    Env,
)
from tests.webhooks.helpers import BASE, dump, hubspot_delivery, hubspot_events, stripe_delivery
from tests.webhooks.test_endpoint import client_for
from webhooks._samples import stripe_event
from webhooks.signatures import sign_stripe

pytestmark = pytest.mark.anyio


async def test_both_the_current_and_the_previous_secret_verify(env: Env) -> None:
    async with client_for(env.app()) as client:
        statuses = []
        for secret in (STRIPE_SECRET, STRIPE_PREVIOUS, "whsec_never_configured"):
            body, headers = stripe_delivery(secret)
            response = await client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)
            statuses.append(response.status_code)
    assert statuses == [200, 200, 401]
    assert env.inbox_count() == 2


async def test_any_of_several_v1_signatures_may_match(env: Env) -> None:
    body = dump(stripe_event("invoice.paid"))
    good = sign_stripe(body, STRIPE_SECRET)
    bad = sign_stripe(body, "whsec_other")
    header = f"{bad},v1={good.split('v1=')[1]}"
    async with client_for(env.app()) as client:
        response = await client.post(
            f"/webhooks/{env.stripe}", content=body, headers={"Stripe-Signature": header}
        )
    assert response.status_code == 200


async def test_a_secret_rotated_after_caching_is_picked_up(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("webhooks._endpoint._REFRESH_AFTER", 0.0)
    new_secret = "whsec_rotated_in_9f8e7d"
    async with client_for(env.app(cache_seconds=3600)) as client:
        body, headers = stripe_delivery(STRIPE_SECRET)
        assert (
            await client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)
        ).is_success
        env.registry.rotate_credentials(
            "billing",
            {
                "api_key": API_KEY,
                "webhook_secret": new_secret,
                "webhook_secret_previous": STRIPE_SECRET,
            },
        )
        body, headers = stripe_delivery(new_secret)
        rotated = await client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)
        body, headers = stripe_delivery(STRIPE_PREVIOUS)  # dropped by the rotation
        dropped = await client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)
    assert (rotated.status_code, dropped.status_code) == (200, 401)


async def test_hubspot_v3_verifies_against_the_configured_public_url(env: Env) -> None:
    public = f"https://hooks.example.com/canonry/webhooks/{env.hubspot}?portal=62515"
    app = env.app(public_base_url="https://hooks.example.com/canonry/")
    body, headers = hubspot_delivery(HUBSPOT_SECRET, hubspot_events(1), public)
    inner, inner_headers = hubspot_delivery(
        HUBSPOT_SECRET, hubspot_events(1, start=50), f"{BASE}/webhooks/{env.hubspot}?portal=62515"
    )
    async with client_for(app) as client:
        ok = await client.post(
            f"/webhooks/{env.hubspot}?portal=62515", content=body, headers=headers
        )
        internal = await client.post(
            f"/webhooks/{env.hubspot}?portal=62515", content=inner, headers=inner_headers
        )
    assert ok.status_code == 200
    assert (internal.status_code, internal.json()) == (401, {"error": "bad_signature"})


@pytest.mark.parametrize("trusted", [True, False])
async def test_forwarded_headers_count_only_when_trusted(env: Env, trusted: bool) -> None:
    public = f"https://proxy.example.org/webhooks/{env.hubspot}"
    body, headers = hubspot_delivery(HUBSPOT_SECRET, hubspot_events(1), public)
    headers |= {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "proxy.example.org"}
    async with client_for(env.app(trust_forwarded_headers=trusted)) as client:
        response = await client.post(f"/webhooks/{env.hubspot}", content=body, headers=headers)
    assert response.status_code == (200 if trusted else 401)


async def test_logs_never_hold_secrets_or_bodies(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    marker = "body-marker-7f3a91"
    event = stripe_event("customer.updated")
    event["data"]["object"]["description"] = marker
    async with client_for(env.app()) as client:
        for secret in (STRIPE_SECRET, "whsec_wrong"):
            body, headers = stripe_delivery(secret, event)
            await client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)
        await client.post(f"/webhooks/{env.stripe}", content=b"not json " + marker.encode())
    assert "accepted" in caplog.text
    assert "rejected" in caplog.text
    assert marker not in caplog.text
    assert all(secret not in caplog.text for secret in SECRETS)


async def test_the_app_can_be_mounted_under_a_prefix(env: Env) -> None:
    from starlette.applications import Starlette
    from starlette.routing import Mount

    parent = Starlette(routes=[Mount("/integrations", app=env.app())])
    public = f"{BASE}/integrations/webhooks/{env.hubspot}"
    body, headers = hubspot_delivery(HUBSPOT_SECRET, hubspot_events(1), public)
    async with client_for(parent) as client:
        response = await client.post(public, content=body, headers=headers)
        health = await client.get("/integrations/healthz")
    assert response.json() == {"received": 1, "duplicates": 0}
    assert health.status_code == 200
