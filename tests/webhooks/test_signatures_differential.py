"""Differential tests: our verifiers agree with the official implementations
(stripe-python, hubspot-api-client, standardwebhooks) on thousands of generated cases,
valid and tampered."""

from __future__ import annotations

import base64
import hashlib
import time
from datetime import UTC, datetime

import pytest
import standardwebhooks
import stripe
from hubspot.exceptions import InvalidSignatureTimestampError
from hubspot.utils.signature import Signature
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from canonical import WebhookVerificationError
from webhooks.signatures import (
    verify_hubspot_legacy,
    verify_hubspot_v3,
    verify_standard,
    verify_stripe,
)

# --- differential tests against the official implementations ------------------------------
bodies = st.one_of(
    st.text(max_size=300).map(str.encode),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=4).map(lambda d: str(d).encode()),
)
secrets_ = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40
)
tamper = st.sampled_from(["none", "body", "secret", "signature", "timestamp", "stale"])
DIFF = settings(max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _accepts(fn: object, *args: object, **kwargs: object) -> bool:
    try:
        result = fn(*args, **kwargs)  # type: ignore[operator]
    except (
        WebhookVerificationError,
        stripe.SignatureVerificationError,
        InvalidSignatureTimestampError,
        standardwebhooks.webhooks.WebhookVerificationError,
    ):
        return False
    return result is not False  # hubspot's is_valid answers False instead of raising


@pytest.mark.slow
@DIFF
@given(body=bodies, secret=secrets_, mode=tamper)
def test_stripe_agrees_with_stripe_python(body: bytes, secret: str, mode: str) -> None:
    now = int(time.time())
    ts = now - (1000 if mode == "stale" else 5)
    header = stripe.WebhookSignature.generate_signature_header(body.decode(), secret, ts)
    if mode == "body":
        body += b"!"
    elif mode == "signature":
        header = header[:-1] + ("0" if header[-1] != "0" else "1")
    elif mode == "timestamp":
        header = header.replace(f"t={ts}", f"t={ts - 1}")
    key = secret + "x" if mode == "secret" else secret
    ours = _accepts(verify_stripe, body, header, [key], now=now)
    theirs = _accepts(stripe.WebhookSignature.verify_header, body.decode(), header, key, 300)
    assert ours == theirs
    assert ours == (mode == "none")


uris = st.from_regex(r"https://[a-z]{1,10}\.example\.com/[a-z0-9/_-]{0,20}", fullmatch=True)


@pytest.mark.slow
@DIFF
@given(body=bodies, secret=secrets_, uri=uris, method=st.sampled_from(["POST", "GET"]), mode=tamper)
def test_hubspot_v3_agrees_with_hubspot_client(
    body: bytes, secret: str, uri: str, method: str, mode: str
) -> None:
    now = time.time()
    ts = str(int((now - (1000 if mode == "stale" else 5)) * 1000))
    sig = Signature.get_signature(secret, body.decode(), "v3", uri, method, ts)
    if mode == "body":
        body += b"!"
    elif mode == "signature":
        sig = base64.b64encode(hashlib.sha256(sig.encode()).digest()).decode()
    elif mode == "timestamp":
        ts = str(int(ts) - 1)
    key = secret + "x" if mode == "secret" else secret
    ours = _accepts(
        verify_hubspot_v3, body, signature=sig, timestamp=ts, method=method, uri=uri,
        secrets=[key], now=now,
    )  # fmt: skip
    theirs = _accepts(Signature.is_valid, sig, key, body.decode(), uri, method, "v3", ts)
    assert ours == theirs
    assert ours == (mode == "none")


@pytest.mark.slow
@DIFF
@given(body=bodies, secret=secrets_, uri=uris, version=st.sampled_from(["v1", "v2"]), mode=tamper)
def test_hubspot_legacy_agrees_with_hubspot_client(
    body: bytes, secret: str, uri: str, version: str, mode: str
) -> None:
    sig = Signature.get_signature(secret, body.decode(), version, uri, "POST")
    if mode == "body":
        body += b"!"
    elif mode == "signature":
        sig = hashlib.sha256(sig.encode()).hexdigest()
    key = secret + "x" if mode == "secret" else secret
    ours = _accepts(
        verify_hubspot_legacy, body, signature=sig, version=version, method="POST", uri=uri,
        secrets=[key],
    )  # fmt: skip
    theirs = Signature.is_valid(sig, key, body.decode(), uri, "POST", version)
    assert ours == theirs


@pytest.mark.slow
@DIFF
@given(
    body=bodies,
    key=st.binary(min_size=16, max_size=48),
    msg_id=st.from_regex(r"msg_[A-Za-z0-9]{1,24}", fullmatch=True),
    mode=tamper,
)
def test_standard_agrees_with_standardwebhooks(
    body: bytes, key: bytes, msg_id: str, mode: str
) -> None:
    now = time.time()
    ts = int(now - (1000 if mode == "stale" else 5))
    secret = "whsec_" + base64.b64encode(key).decode()
    wh = standardwebhooks.Webhook(secret)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": wh.sign(msg_id, datetime.fromtimestamp(ts, tz=UTC), body.decode()),
    }
    if mode == "body":
        body += b"!"
    elif mode == "signature":
        headers["webhook-signature"] = "v1," + base64.b64encode(b"\0" * 32).decode()
    elif mode == "timestamp":
        headers["webhook-timestamp"] = str(ts - 1)
    if mode == "secret":
        secret = "whsec_" + base64.b64encode(key + b"x").decode()
        wh = standardwebhooks.Webhook(secret)
    ours = _accepts(
        verify_standard, body, msg_id=headers["webhook-id"],
        timestamp=headers["webhook-timestamp"], signature=headers["webhook-signature"],
        secrets=[secret], now=now,
    )  # fmt: skip
    theirs = _accepts(wh.verify, body, headers, json_parse=False)
    assert ours == theirs
    assert ours == (mode == "none")
