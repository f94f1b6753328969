"""Every kind of bad delivery gets its 4xx, is counted, and stores or enqueues nothing."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from tests.webhooks.conftest import SECRETS, STRIPE_SECRET, Env
from tests.webhooks.helpers import BASE, dump, stripe_delivery
from tests.webhooks.test_endpoint import client_for
from webhooks._samples import stripe_event
from webhooks.signatures import sign_stripe

pytestmark = pytest.mark.anyio

Request = Callable[[Env], tuple[str, str, bytes, dict[str, str]]]


Headers = Callable[[], dict[str, str]]


def _post(body: bytes, headers: Headers, path: str | None = None) -> Request:
    """A POST whose headers are made when the request is: signatures carry the time of the
    request, not of the import (the suite may take many minutes to get here)."""
    return lambda env: ("POST", path or f"/webhooks/{env.stripe}", body, headers())


_EVENT = dump(stripe_event("invoice.paid"))
_BIG = b"{" + b" " * (1024 * 1024) + b"}"
_UNKNOWN = "/webhooks/9c1e0f6c-1b0b-4c43-9f7e-3d2a4b5c6d7e"
_HALF = b'{"id": "evt_1", '


def _signed(body: bytes, offset: int = 0, secret: str = STRIPE_SECRET) -> Headers:
    """Stripe-Signature over ``body``, stamped ``offset`` seconds from the request's time."""
    return lambda: {
        "Stripe-Signature": sign_stripe(body, secret, timestamp=int(time.time()) + offset)
    }


def _unsigned(headers: dict[str, str]) -> Headers:
    return lambda: headers


def _unknown_connection(env: Env) -> tuple[str, str, bytes, dict[str, str]]:
    body, headers = stripe_delivery(STRIPE_SECRET)
    return "POST", _UNKNOWN, body, headers


CASES: dict[str, tuple[Request, int, str]] = {
    "unknown connection": (_unknown_connection, 404, "not_found"),
    "id with odd characters": (
        _post(b"{}", _unsigned({}), path="/webhooks/%3Cscript%3E"),
        404,
        "not_found",
    ),
    "missing signature": (_post(_EVENT, _unsigned({})), 401, "missing_signature"),
    "bad signature": (
        _post(_EVENT, _signed(_EVENT, secret="whsec_someone_else")),
        401,
        "bad_signature",
    ),
    "tampered body": (
        _post(_EVENT + b" ", _signed(_EVENT)),
        401,
        "bad_signature",
    ),
    "malformed signature": (
        _post(_EVENT, _unsigned({"Stripe-Signature": "t=soon,v1=zz"})),
        401,
        "malformed_signature",
    ),
    "stale timestamp": (
        _post(_EVENT, _signed(_EVENT, -900)),
        400,
        "stale_timestamp",
    ),
    "future timestamp": (
        _post(_EVENT, _signed(_EVENT, 900)),
        400,
        "future_timestamp",
    ),
    "declared body too large": (
        _post(_BIG, _signed(_BIG)),
        413,
        "body_too_large",
    ),
    "signed malformed JSON": (
        _post(_HALF, _signed(_HALF)),
        400,
        "malformed_json",
    ),
    "signed deeply nested JSON": (
        _post(b"[" * 100_000, _signed(b"[" * 100_000)),
        400,
        "malformed_json",
    ),
    "signed JSON that is not an event": (
        _post(b"[1, 2]", _signed(b"[1, 2]")),
        400,
        "malformed_payload",
    ),
    "wrong method": (
        lambda env: ("GET", f"/webhooks/{env.stripe}", b"", {}), 405, "method_not_allowed"
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
async def test_bad_deliveries_are_refused_counted_and_not_stored(
    env: Env, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    make, status, reason = CASES[case]
    method, path, body, headers = make(env)
    caplog.set_level(logging.DEBUG, logger="canonry.webhooks")
    async with client_for(env.app()) as client:
        response = await client.request(method, path, content=body, headers=headers)
    assert response.status_code == status
    assert response.json() == {"error": reason}
    assert env.inbox_count() == 0
    assert env.enqueue.calls == []
    assert env.metric("canonry_webhook_deliveries_rejected_total", reason=reason) == 1
    if status == 405:
        assert response.headers["allow"] == "POST"
    [record] = [r for r in caplog.records if "rejected" in r.getMessage()]
    assert f"reason={reason}" in record.getMessage()
    assert f"status={status}" in record.getMessage()
    assert all(secret not in caplog.text for secret in SECRETS)


@pytest.mark.parametrize("case", [c for c in CASES if c != "wrong method"])
async def test_cases_give_the_same_answer_however_late_they_run(
    env: Env, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As if the suite reached this module's cases 20 minutes after importing it (a loaded
    machine does): every clock read, signing and verifying alike, is 20 minutes later."""
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 1200)
    make, status, reason = CASES[case]
    method, path, body, headers = make(env)
    async with client_for(env.app()) as client:
        response = await client.request(method, path, content=body, headers=headers)
    assert (response.status_code, response.json()) == (status, {"error": reason})


async def _chunks(total: int) -> AsyncIterator[bytes]:
    for _ in range(total // 65536):
        yield b" " * 65536


async def test_a_body_past_the_limit_without_content_length_is_cut_off(env: Env) -> None:
    """Chunked upload: the limit is enforced while reading, not from a header."""
    async with client_for(env.app(max_body_bytes=64 * 1024)) as client:
        response = await client.post(
            f"/webhooks/{env.stripe}", content=_chunks(8 * 65536), headers={"Stripe-Signature": "x"}
        )
    assert response.status_code == 413
    assert env.inbox_count() == 0


async def test_a_lying_content_length_does_not_lift_the_limit(env: Env) -> None:
    app = env.app(max_body_bytes=2048)
    body = b"x" * 4096
    sent = {"done": False}

    async def receive() -> dict[str, object]:
        if sent["done"]:
            return {"type": "http.disconnect"}
        sent["done"] = True
        return {"type": "http.request", "body": body, "more_body": False}

    replies: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        replies.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": f"/webhooks/{env.stripe}",
        "raw_path": f"/webhooks/{env.stripe}".encode(),
        "query_string": b"",
        "headers": [(b"content-length", b"10"), (b"host", b"testserver")],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
        "root_path": "",
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    assert replies[0]["status"] == 413


async def test_a_disabled_connection_looks_like_an_unknown_one(env: Env) -> None:
    env.registry.update_connection("billing", status="disabled")
    body, headers = stripe_delivery(STRIPE_SECRET)
    async with client_for(env.app()) as client:
        response = await client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)
    assert (response.status_code, response.json()) == (404, {"error": "not_found"})


async def test_a_connection_without_a_webhook_secret_refuses_everything(env: Env) -> None:
    env.registry.set_credentials("billing", {"api_key": "sk_test_only_the_key"})
    body, headers = stripe_delivery(STRIPE_SECRET)
    async with client_for(env.app()) as client:
        response = await client.post(f"/webhooks/{env.stripe}", content=body, headers=headers)
    assert (response.status_code, response.json()) == (401, {"error": "no_secret"})
    assert env.inbox_count() == 0


async def test_unknown_paths_are_404_without_touching_the_endpoint(env: Env) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=env.app()), base_url=BASE
    ) as client:
        response = await client.post("/webhooks/", content=b"{}")
        slashed = await client.post(f"/webhooks/{env.stripe}/", content=b"{}")
    assert response.status_code == 404
    assert slashed.status_code == 404  # no redirect a sender might follow
    assert env.inbox_count() == 0
