"""Standard Webhooks (standardwebhooks.com), for generic adapters.

Headers ``webhook-id``, ``webhook-timestamp`` (unix seconds) and ``webhook-signature``: a
space-separated list of ``v1,<base64 HMAC-SHA256>`` over ``"{id}.{timestamp}.{body}"``,
keyed with the base64-decoded part of a ``whsec_<base64>`` secret. 5-minute window both ways.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

from canonical import WebhookVerificationError
from webhooks.signatures._common import Secrets, any_match, check_timestamp, reveal

__all__ = ["STANDARD_TOLERANCE", "sign_standard", "verify_standard"]

STANDARD_TOLERANCE = 300


def _key(secret: str) -> bytes:
    raw = secret.removeprefix("whsec_")
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError(
            "a stored Standard Webhooks secret is not whsec_<base64>",
            reason="no_secret",
            hint="store the secret exactly as the sender shows it (whsec_...)",
        ) from None
    if not key:
        raise WebhookVerificationError("a stored webhook secret is empty", reason="no_secret")
    return key


def _mac(key: bytes, msg_id: str, timestamp: str, body: bytes) -> bytes:
    return hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()


def sign_standard(
    body: bytes, secret: str, *, msg_id: str, timestamp: int | None = None
) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    mac = _mac(_key(secret), msg_id, ts, body)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": ts,
        "webhook-signature": "v1," + base64.b64encode(mac).decode(),
    }


def _signatures(header: str) -> list[bytes]:
    found = []
    for item in header.split():
        version, sep, value = item.partition(",")
        if version != "v1" or not sep:
            continue
        try:
            found.append(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            continue
    return found


def verify_standard(
    body: bytes,
    *,
    msg_id: str | None,
    timestamp: str | None,
    signature: str | None,
    secrets: Secrets,
    tolerance: float = STANDARD_TOLERANCE,
    now: float | None = None,
) -> int:
    """Verify a Standard Webhooks delivery; return its timestamp or raise."""
    if not (msg_id and timestamp and signature):
        raise WebhookVerificationError(
            "missing webhook-id, webhook-timestamp or webhook-signature header",
            reason="missing_signature",
        )
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise WebhookVerificationError(
            "webhook-timestamp is not unix seconds", reason="malformed_signature"
        )
    check_timestamp(int(timestamp), now=time.time() if now is None else now, tolerance=tolerance)
    keys = [_key(s) for s in reveal(secrets)]
    given = _signatures(signature)
    if not given or not any_match((_mac(k, msg_id, timestamp, body) for k in keys), given):
        raise WebhookVerificationError(
            "no webhook-signature v1 value matches the body and this connection's secrets",
            reason="bad_signature",
        )
    return int(timestamp)
