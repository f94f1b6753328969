"""Hypothesis throws malformed, oversized, truncated and mis-signed requests at the endpoint.

Whatever arrives: no 5xx, no secret or body in the logs; unless a request is signed with
the connection's own secret over exactly the bytes sent, it is refused and nothing is
stored or enqueued (correctly signed garbage is refused too, as 400/413).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from urllib.parse import quote

import anyio.from_thread
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.webhooks.conftest import HUBSPOT_SECRET, SECRETS, STANDARD_SECRET, STRIPE_SECRET, Env
from tests.webhooks.helpers import BASE, dump, hubspot_events
from webhooks._samples import stripe_event
from webhooks.signatures import sign_hubspot_v3, sign_standard, sign_stripe

LIMIT = 4096
Send = Callable[[str, str, bytes, dict[str, str]], httpx.Response]
_VALID_STRIPE = dump(stripe_event("invoice.paid"))
_VALID_HUBSPOT = dump(hubspot_events(2))
_WRONG = "whsec_QUJDREVGR0hJSktMTU5PUA=="
_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=80)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """(what is sent, what a sender may have signed)."""
    original = draw(st.sampled_from([_VALID_STRIPE, _VALID_HUBSPOT]))
    kind = draw(st.sampled_from(["random", "truncated", "flipped", "oversized", "json"]))
    if kind == "random":
        sent = draw(st.binary(max_size=512))
    elif kind == "truncated":
        sent = original[: draw(st.integers(0, len(original) - 1))]
    elif kind == "flipped":
        i = draw(st.integers(0, len(original) - 1))
        sent = original[:i] + bytes([original[i] ^ draw(st.integers(1, 255))]) + original[i + 1 :]
    elif kind == "oversized":
        sent = original + b" " * draw(st.integers(LIMIT, 3 * LIMIT))
    else:  # well-formed JSON of the wrong shape
        value = draw(st.recursive(st.none() | st.integers() | _text, st.lists, max_leaves=8))
        sent = dump({"id": draw(_text), "data": value}) if draw(st.booleans()) else dump(value)
    return sent, original


def _signatures(
    draw: st.DrawFn, scheme: str, signed: bytes, url: str
) -> tuple[dict[str, str], bool]:
    """Headers, and whether they are the connection's own scheme and secret, in time."""
    now = int(time.time())
    right = {"stripe": STRIPE_SECRET, "hubspot": HUBSPOT_SECRET, "standard": STANDARD_SECRET}
    secret = draw(st.sampled_from([right.get(scheme, STRIPE_SECRET)] * 3 + [_WRONG]))
    offset = draw(st.sampled_from([0, 0, 0, -3600, 3600]))
    stamp = now + offset
    choice = draw(st.sampled_from([scheme] * 4 + ["none", "garbage", *right]))
    own = choice == scheme and secret == right.get(scheme) and offset == 0
    if choice == "garbage":
        name = draw(st.sampled_from(["Stripe-Signature", "X-HubSpot-Signature-v3", "webhook-id"]))
        return {name: draw(_text), "X-HubSpot-Request-Timestamp": draw(_text)}, False
    if choice == "stripe":
        return {"Stripe-Signature": sign_stripe(signed, secret, timestamp=stamp)}, own
    if choice == "hubspot":
        headers = sign_hubspot_v3(signed, secret, method="POST", uri=url, timestamp_ms=stamp * 1000)
        return headers, own
    if choice == "standard":  # Standard Webhooks secrets must be whsec_<base64>
        secret = STANDARD_SECRET if secret == right.get(scheme) else _WRONG
        return sign_standard(signed, secret, msg_id=draw(_text) or "m", timestamp=stamp), own
    return {}, False


@st.composite
def requests(draw: st.DrawFn, env: Env) -> tuple[str, str, bytes, dict[str, str], bool]:
    """(method, path, body, headers, authentic): authentic = signed by the connection itself."""
    targets = {env.stripe: "stripe", env.hubspot: "hubspot", env.generic: "standard"}
    connection = draw(st.sampled_from([*targets, *targets, *targets, ""]))
    if not connection:
        connection = draw(st.text(max_size=40))
    path = f"/webhooks/{quote(connection, safe='')}"
    sent, original = draw(bodies())
    # correctly signed garbage, or a valid body signed by someone else / for other bytes
    signed = draw(st.sampled_from([sent, sent, original]))
    scheme = targets.get(connection, "none")
    headers, own = _signatures(draw, scheme, signed, f"http://testserver{path}")
    method = draw(st.sampled_from(["POST"] * 8 + ["GET", "PUT", "DELETE", "PATCH"]))
    authentic = own and signed == sent and method == "POST"
    return method, path, sent, headers, authentic


@pytest.fixture
def send(env: Env) -> Iterator[Send]:
    """A blocking sender into the app (one event loop for every hypothesis example)."""
    app = env.app(max_body_bytes=LIMIT)
    with anyio.from_thread.start_blocking_portal() as portal:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)

        def request(method: str, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
            return portal.call(lambda: client.request(method, path, content=body, headers=headers))

        yield request
        portal.call(client.aclose)
    # the run reached every layer: routing, limits, signatures, clocks and parsing
    reasons = [
        "not_found", "body_too_large", "missing_signature", "bad_signature", "stale_timestamp",
        "future_timestamp", "malformed_json", "malformed_payload", "method_not_allowed",
    ]  # fmt: skip
    seen = {r: env.metric("canonry_webhook_deliveries_rejected_total", reason=r) for r in reasons}
    assert all(seen.values()), seen


@pytest.mark.slow
@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fuzzed_requests_never_5xx_never_store(
    env: Env, send: Send, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    caplog.set_level(logging.DEBUG, logger="canonry.webhooks")
    method, path, sent, headers, authentic = data.draw(requests(env))
    rows, calls = env.inbox_count(), len(env.enqueue.calls)
    response = send(method, path, sent, headers)
    assert response.status_code < 500, (response.status_code, response.text)
    if not authentic:  # an authentic delivery with a mutated-but-valid body may be accepted
        assert 400 <= response.status_code < 500, (response.status_code, response.text)
        assert env.inbox_count() == rows
        assert len(env.enqueue.calls) == calls
    assert all(secret not in caplog.text for secret in SECRETS)
    assert b"in_1Pgc6tB7WZ01zgkWu9fdqL6I" not in caplog.text.encode()  # no body content
