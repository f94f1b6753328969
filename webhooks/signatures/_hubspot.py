"""HubSpot's request signatures: v3 (HMAC, timestamped) and the legacy v1/v2 hashes.

v3: ``X-HubSpot-Signature-v3`` is base64(HMAC-SHA256(client_secret, method + uri + body +
timestamp)) with ``X-HubSpot-Request-Timestamp`` in milliseconds, refused outside a
5-minute window. ``uri`` is the full public URL HubSpot called (scheme, host, path, query):
behind a proxy the endpoint rebuilds it from its configured public base URL. HubSpot
decodes a fixed set of percent-escapes in the URI before signing; so do we.

v1: ``X-HubSpot-Signature`` = hex(SHA-256(client_secret + body)); v2: hex(SHA-256(
client_secret + method + uri + body)); ``X-HubSpot-Signature-Version`` says which. Neither
is timestamped, so neither protects against replay: prefer v3 where HubSpot sends it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

from canonical import WebhookVerificationError
from webhooks.signatures._common import Secrets, any_match, check_timestamp, reveal

__all__ = [
    "HUBSPOT_TOLERANCE",
    "sign_hubspot_v3",
    "verify_hubspot_legacy",
    "verify_hubspot_v3",
]

HUBSPOT_TOLERANCE = 300

_DECODED_ESCAPES = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
    "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip


def _normalise_uri(uri: str) -> str:
    for escape, char in _DECODED_ESCAPES.items():
        uri = uri.replace(escape, char).replace(escape.lower(), char)
    return uri


def _v3_mac(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> bytes:
    message = method.upper().encode() + _normalise_uri(uri).encode() + body + timestamp.encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def sign_hubspot_v3(
    body: bytes, secret: str, *, method: str, uri: str, timestamp_ms: int | None = None
) -> dict[str, str]:
    """The two v3 headers for a request (tests and ``send-test`` use it)."""
    ts = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
    mac = _v3_mac(secret, method, uri, body, ts)
    return {
        "X-HubSpot-Signature-v3": base64.b64encode(mac).decode(),
        "X-HubSpot-Request-Timestamp": ts,
    }


def verify_hubspot_v3(
    body: bytes,
    *,
    signature: str | None,
    timestamp: str | None,
    method: str,
    uri: str,
    secrets: Secrets,
    tolerance: float = HUBSPOT_TOLERANCE,
    now: float | None = None,
) -> int:
    """Verify a v3-signed HubSpot request; return its timestamp in ms or raise."""
    if not signature:
        raise WebhookVerificationError(
            "missing X-HubSpot-Signature-v3 header", reason="missing_signature"
        )
    if not timestamp or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 15:
        raise WebhookVerificationError(
            "missing or malformed X-HubSpot-Request-Timestamp (unix milliseconds expected)",
            reason="malformed_signature",
        )
    keys = reveal(secrets)
    try:
        given = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError(
            "X-HubSpot-Signature-v3 is not base64", reason="malformed_signature"
        ) from None
    expected = (_v3_mac(key, method, uri, body, timestamp) for key in keys)
    if not any_match(expected, [given]):
        raise WebhookVerificationError(
            "X-HubSpot-Signature-v3 does not match the request and this app's client secret",
            reason="bad_signature",
            hint="check the client secret, and that the public URL (scheme/host/path) "
            "is what HubSpot called; behind a proxy set the public base URL",
        )
    current = time.time() if now is None else now
    check_timestamp(int(timestamp) / 1000, now=current, tolerance=tolerance)
    return int(timestamp)


def verify_hubspot_legacy(
    body: bytes,
    *,
    signature: str | None,
    version: str | None,
    method: str,
    uri: str,
    secrets: Secrets,
) -> None:
    """Verify a v1- or v2-signed HubSpot request (no timestamp: no replay protection)."""
    if not signature:
        raise WebhookVerificationError(
            "missing X-HubSpot-Signature header", reason="missing_signature"
        )
    version = (version or "v1").lower()
    if version not in ("v1", "v2"):
        raise WebhookVerificationError(
            f"unsupported X-HubSpot-Signature-Version {version[:8]!r}; expected v1, v2 or v3",
            reason="malformed_signature",
        )
    keys = reveal(secrets)
    prefix = b"" if version == "v1" else method.upper().encode() + uri.encode()
    expected = (hashlib.sha256(k.encode() + prefix + body).hexdigest().encode() for k in keys)
    if not any_match(expected, [signature.strip().lower().encode()]):
        raise WebhookVerificationError(
            f"X-HubSpot-Signature ({version}) does not match the request and client secret",
            reason="bad_signature",
        )
