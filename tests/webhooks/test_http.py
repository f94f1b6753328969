"""The endpoint over real HTTP: uvicorn on a loopback port in a thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from tests.webhooks.conftest import HUBSPOT_SECRET, STRIPE_SECRET, Env
from tests.webhooks.helpers import hubspot_delivery, hubspot_events, stripe_delivery


@pytest.fixture
def server(env: Env) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        env.app(max_body_bytes=64 * 1024), log_level="warning", lifespan="off", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # generous: a loaded machine only makes it slower
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        assert thread.is_alive(), "uvicorn stopped"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(120)
    sock.close()


def test_deliveries_over_http(env: Env, server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        body, headers = stripe_delivery(STRIPE_SECRET)
        first = client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)
        again = client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)
        url = f"{server}/webhooks/{env.hubspot}"
        hs_body, hs_headers = hubspot_delivery(HUBSPOT_SECRET, hubspot_events(2), url)
        hubspot = client.post(url, content=hs_body, headers=hs_headers)
        unsigned = client.post(f"/webhooks/{env.stripe}", content=body)
        wrong_method = client.put(f"/webhooks/{env.stripe}", content=body)
        health = client.get("/healthz")
    assert first.json() == {"received": 1, "duplicates": 0}
    assert again.json() == {"received": 0, "duplicates": 1}
    assert hubspot.json() == {"received": 2, "duplicates": 0}
    assert (unsigned.status_code, wrong_method.status_code, health.status_code) == (401, 405, 200)
    assert env.inbox_count() == 3


def test_an_oversized_chunked_upload_over_http_gets_413(env: Env, server: str) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            yield b" " * 16384

    with httpx.Client(base_url=server, timeout=10) as client:
        try:
            response = client.post(
                f"/webhooks/{env.stripe}",
                content=chunks(),
                headers={"Stripe-Signature": "t=1,v1=00"},
            )
        except httpx.HTTPError:  # the server may close the socket before reading it all
            response = None
        if response is not None:
            assert response.status_code == 413
        health = client.get("/healthz")  # the server survived
    assert health.status_code == 200
    assert env.inbox_count() == 0
    assert env.metric("canonry_webhook_deliveries_rejected_total", reason="body_too_large") == 1
