"""One resolver, and no cache outlives a change: rotate, disable, enable and remove apply
to a running endpoint (and to the jobs) within the resolver's one-second recheck."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from starlette.applications import Starlette

from registry import ConnectionResolver
from tests.webhooks.conftest import ADAPTERS, STRIPE_SECRET, Env
from tests.webhooks.helpers import BASE, stripe_delivery
from webhooks import WebhookSettings, create_app

NEW_SECRET = "whsec_rotated_0b9e44"
pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _app(env: Env, clock: Callable[[], float] | None = None) -> Starlette:
    connections = ConnectionResolver(
        env.engine, lambda: env.store, lambda: ADAPTERS, clock=clock or time.monotonic
    )
    app = create_app(
        WebhookSettings(database_url=env.url),
        engine=env.engine,
        enqueue=env.enqueue,
        credentials=env.store,
        adapters=ADAPTERS,
        metrics_registry=env.metrics,
        connections=connections,
    )
    env.apps.append(app)
    return app


async def _post(client: httpx.AsyncClient, env: Env, secret: str) -> int:
    body, headers = stripe_delivery(secret)
    return (await client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)).status_code


def _client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)


async def test_a_rotated_secret_replaces_the_old_one_within_a_recheck(env: Env) -> None:
    clock = Clock()
    async with _client(_app(env, clock)) as client:
        assert await _post(client, env, STRIPE_SECRET) == 200
        env.registry.rotate_credentials(
            "billing", {"api_key": "sk_test_x", "webhook_secret": NEW_SECRET}
        )
        assert await _post(client, env, STRIPE_SECRET) == 200  # cached: not a second yet
        clock.now += 1.0
        assert await _post(client, env, STRIPE_SECRET) == 401
        assert await _post(client, env, NEW_SECRET) == 200


async def test_disable_enable_and_remove_apply_within_a_recheck(env: Env) -> None:
    clock = Clock()
    async with _client(_app(env, clock)) as client:
        assert await _post(client, env, STRIPE_SECRET) == 200
        env.registry.update_connection("billing", status="disabled")
        clock.now += 1.0
        assert await _post(client, env, STRIPE_SECRET) == 404
        env.registry.update_connection("billing", status="active")
        clock.now += 1.0
        assert await _post(client, env, STRIPE_SECRET) == 200
        env.registry.remove_connection("billing")
        clock.now += 1.0
        assert await _post(client, env, STRIPE_SECRET) == 404  # removed: unknown, not 503


@pytest.mark.slow
async def test_with_the_real_clock_a_change_applies_within_two_seconds(env: Env) -> None:
    async with _client(_app(env)) as client:
        assert await _post(client, env, STRIPE_SECRET) == 200
        env.registry.rotate_credentials(
            "billing", {"api_key": "sk_test_x", "webhook_secret": NEW_SECRET}
        )
        changed = time.monotonic()
        while time.monotonic() - changed < 2.0:  # at least two seconds pass, however slow
            time.sleep(0.05)
        assert await _post(client, env, STRIPE_SECRET) == 401
        assert await _post(client, env, NEW_SECRET) == 200
