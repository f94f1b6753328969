"""Stripe's ``Stripe-Signature`` scheme.

``Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]``; each v1 is
HMAC-SHA256 over ``b"<t>." + body`` keyed with the whole ``whsec_...`` string. Any v1 may
match any of the connection's secrets (rotation). Unlike stripe-python we also refuse
timestamps more than ``tolerance`` seconds in the future.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from canonical import WebhookVerificationError
from webhooks.signatures._common import Secrets, any_match, check_timestamp, reveal

__all__ = ["STRIPE_TOLERANCE", "sign_stripe", "verify_stripe"]

STRIPE_TOLERANCE = 300


def _mac(secret: str, timestamp: int, body: bytes) -> bytes:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).digest()


def sign_stripe(body: bytes, secret: str, *, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header value for ``body`` (tests and ``send-test`` use it)."""
    ts = int(time.time()) if timestamp is None else timestamp
    return f"t={ts},v1={_mac(secret, ts, body).hex()}"


def _parse(header: str) -> tuple[int, list[bytes]]:
    timestamp: int | None = None
    signatures: list[bytes] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            if not value.isascii() or not value.isdigit() or len(value) > 12:
                raise _malformed("the t= timestamp is not a unix time in seconds")
            timestamp = int(value)
        elif key == "v1":
            try:
                signatures.append(bytes.fromhex(value))
            except ValueError:
                continue  # not hex: cannot match, other v1 values still may
    if timestamp is None:
        raise _malformed("no t= timestamp")
    if not signatures:
        raise _malformed("no v1= signature")
    return timestamp, signatures


def _malformed(what: str) -> WebhookVerificationError:
    return WebhookVerificationError(
        f"malformed Stripe-Signature header: {what}",
        reason="malformed_signature",
        hint="the header must look like t=<unix seconds>,v1=<hex hmac>",
    )


def verify_stripe(
    body: bytes,
    header: str | None,
    secrets: Secrets,
    *,
    tolerance: float = STRIPE_TOLERANCE,
    now: float | None = None,
) -> int:
    """Verify a Stripe delivery; return its signed timestamp or raise WebhookVerificationError."""
    if not header:
        raise WebhookVerificationError(
            "missing Stripe-Signature header", reason="missing_signature"
        )
    keys = reveal(secrets)
    timestamp, given = _parse(header)
    if not any_match((_mac(key, timestamp, body) for key in keys), given):
        raise WebhookVerificationError(
            "no Stripe-Signature v1 value matches the body and this connection's secrets",
            reason="bad_signature",
            hint="check the endpoint's signing secret (whsec_...) stored for this connection",
        )
    check_timestamp(timestamp, now=time.time() if now is None else now, tolerance=tolerance)
    return timestamp
