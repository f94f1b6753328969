"""Signature verifiers: published vectors, edge cases, and differential tests that agree
with the official implementations (stripe-python, hubspot-api-client, standardwebhooks)."""

from __future__ import annotations

import base64

import pytest
from pydantic import SecretStr

from canonical import WebhookVerificationError
from webhooks.signatures import (
    sign_hubspot_v3,
    sign_standard,
    sign_stripe,
    verify_hubspot_legacy,
    verify_hubspot_v3,
    verify_standard,
    verify_stripe,
)

NOW = 1_700_000_000
HS_SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
HS_V1_BODY = (
    b'[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,'
    b'"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,'
    b'"changeSource":"CRM","changeFlag":"NEW","appId":54321}]'
)


def reason(exc: pytest.ExceptionInfo[WebhookVerificationError]) -> str:
    return exc.value.reason


# --- published vectors ----------------------------------------------------------------
def test_hubspot_v1_published_vector() -> None:
    sig = "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"
    verify_hubspot_legacy(
        HS_V1_BODY, signature=sig, version="v1", method="POST", uri="", secrets=[HS_SECRET]
    )


@pytest.mark.parametrize(
    ("method", "body", "sig"),
    [
        ("GET", b"", "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e"),
        (
            "POST",
            b'{"example_field":"example_value"}',
            "9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900",
        ),
    ],
)
def test_hubspot_v2_published_vectors(method: str, body: bytes, sig: str) -> None:
    uri = "https://www.example.com/webhook_uri"
    verify_hubspot_legacy(
        body, signature=sig, version="v2", method=method, uri=uri, secrets=[HS_SECRET]
    )
    with pytest.raises(WebhookVerificationError):
        verify_hubspot_legacy(
            body + b" ", signature=sig, version="v2", method=method, uri=uri, secrets=[HS_SECRET]
        )


def test_standard_webhooks_published_vector() -> None:
    headers = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    verify_standard(
        b'{"test": 2432232314}',
        msg_id=headers["webhook-id"],
        timestamp=headers["webhook-timestamp"],
        signature=headers["webhook-signature"],
        secrets=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        now=1614265330,
    )


# --- Stripe edge cases -----------------------------------------------------------------
def test_stripe_accepts_any_v1_and_any_secret_during_rotation() -> None:
    body = b'{"id": "evt_1"}'
    old = sign_stripe(body, "whsec_old", timestamp=NOW)
    new_sig = sign_stripe(body, "whsec_new", timestamp=NOW).split("v1=")[1]
    header = f"{old},v1={new_sig},v0=deadbeef"
    assert verify_stripe(body, header, [SecretStr("whsec_new")], now=NOW) == NOW
    assert verify_stripe(body, header, ["whsec_x", "whsec_old"], now=NOW) == NOW


@pytest.mark.parametrize(
    ("header", "why"),
    [
        (None, "missing_signature"),
        ("", "missing_signature"),
        ("v1=abcd", "malformed_signature"),
        (f"t={NOW}", "malformed_signature"),
        ("t=soon,v1=abcd", "malformed_signature"),
        (f"t={NOW},v1=zz", "malformed_signature"),
        (f"t={NOW},v1=" + "00" * 32, "bad_signature"),
    ],
)
def test_stripe_rejects_bad_headers(header: str | None, why: str) -> None:
    with pytest.raises(WebhookVerificationError) as exc:
        verify_stripe(b"{}", header, ["whsec_s"], now=NOW)
    assert reason(exc) == why


@pytest.mark.parametrize(("offset", "why"), [(-301, "stale_timestamp"), (301, "future_timestamp")])
def test_stripe_timestamp_window(offset: int, why: str) -> None:
    header = sign_stripe(b"{}", "whsec_s", timestamp=NOW + offset)
    with pytest.raises(WebhookVerificationError) as exc:
        verify_stripe(b"{}", header, ["whsec_s"], now=NOW)
    assert reason(exc) == why
    assert verify_stripe(b"{}", header, ["whsec_s"], now=NOW + offset) == NOW + offset


def test_no_secret_configured_is_its_own_reason() -> None:
    with pytest.raises(WebhookVerificationError) as exc:
        verify_stripe(b"{}", sign_stripe(b"{}", "s"), [SecretStr("")])
    assert reason(exc) == "no_secret"


def test_errors_never_carry_the_secret() -> None:
    secret = "whsec_TOPSECRET123"
    for header in ("t=1,v1=00", sign_stripe(b"x", secret, timestamp=1)):
        with pytest.raises(WebhookVerificationError) as exc:
            verify_stripe(b"y", header, [secret], now=NOW)
        assert "TOPSECRET" not in str(exc.value)
        assert "TOPSECRET" not in repr(exc.value)


# --- HubSpot v3 edge cases ---------------------------------------------------------------
def test_hubspot_v3_decodes_the_escapes_hubspot_decodes() -> None:
    body = b'[{"objectId": 1}]'
    plain = "https://hooks.example.com/webhooks/c1?a=b:c@d"
    headers = sign_hubspot_v3(body, "s", method="POST", uri=plain, timestamp_ms=NOW * 1000)
    escaped = "https://hooks.example.com/webhooks/c1?a=b%3Ac%40d"
    verify_hubspot_v3(
        body,
        signature=headers["X-HubSpot-Signature-v3"],
        timestamp=headers["X-HubSpot-Request-Timestamp"],
        method="post",
        uri=escaped,
        secrets=["s"],
        now=NOW,
    )


@pytest.mark.parametrize(
    ("sig", "ts", "why"),
    [
        (None, str(NOW * 1000), "missing_signature"),
        ("abc", None, "malformed_signature"),
        ("abc", "12ab", "malformed_signature"),
        ("!!notbase64!!", str(NOW * 1000), "malformed_signature"),
        (base64.b64encode(b"x" * 32).decode(), str(NOW * 1000), "bad_signature"),
    ],
)
def test_hubspot_v3_rejects(sig: str | None, ts: str | None, why: str) -> None:
    with pytest.raises(WebhookVerificationError) as exc:
        verify_hubspot_v3(
            b"[]", signature=sig, timestamp=ts, method="POST", uri="https://x/", secrets=["s"],
            now=NOW,
        )  # fmt: skip
    assert reason(exc) == why


def test_hubspot_legacy_rejects_unknown_version() -> None:
    with pytest.raises(WebhookVerificationError) as exc:
        verify_hubspot_legacy(
            b"", signature="ab", version="v9", method="POST", uri="", secrets=["s"]
        )
    assert reason(exc) == "malformed_signature"


def test_own_signers_round_trip() -> None:
    body = b'{"a": 1}'
    h = sign_standard(body, "whsec_" + base64.b64encode(b"k" * 24).decode(), msg_id="m1")
    verify_standard(
        body, msg_id=h["webhook-id"], timestamp=h["webhook-timestamp"],
        signature=h["webhook-signature"], secrets=["whsec_" + base64.b64encode(b"k" * 24).decode()],
    )  # fmt: skip
