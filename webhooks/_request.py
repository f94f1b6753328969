"""Reading a webhook request safely: bounded body, public URL, request id, kept headers."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterable, Mapping

from starlette.requests import Request

from canonical import WebhookVerificationError
from webhooks._settings import WebhookSettings

__all__ = [
    "BodyTooLarge",
    "kept_headers",
    "lower_headers",
    "public_url",
    "read_body",
    "request_id",
    "safe_id",
]

_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_SAFE_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
_MAX_HEADER_VALUE = 1024


class BodyTooLarge(WebhookVerificationError):
    """The body exceeds the configured limit (answered with 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the request body is larger than {limit} bytes",
            reason="body_too_large",
            hint="raise CANONRY_WEBHOOK_MAX_BODY if the vendor really sends bodies this large",
        )


def safe_id(value: str | None) -> str | None:
    """``value`` if it is a plausible id (safe to log and look up), else None."""
    return value if value is not None and _SAFE_ID.fullmatch(value) else None


_PREFIX = uuid.uuid4().hex[:8]
_COUNTER = itertools.count(1)


def request_id(headers: Mapping[str, str]) -> str:
    """The caller's ``X-Request-Id`` when it is sane, else a fresh one (process-unique)."""
    return safe_id(headers.get("x-request-id")) or f"{_PREFIX}-{next(_COUNTER):x}"


async def read_body(request: Request, limit: int, headers: Mapping[str, str]) -> bytes:
    """The body, read chunk by chunk and abandoned as soon as it passes ``limit``.

    A declared ``Content-Length`` above the limit is refused before reading anything;
    a missing or false one cannot smuggle more past the limit.
    """
    declared = headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(limit)
    return bytes(body)


def lower_headers(request: Request) -> dict[str, str]:
    """Header names lower-cased; a repeated header keeps its first value."""
    found: dict[str, str] = {}
    for raw_name, raw_value in request.scope.get("headers", []):
        name = raw_name.decode("latin-1").lower()
        if name not in found:
            found[name] = raw_value.decode("latin-1")
    return found


def kept_headers(headers: Mapping[str, str], names: Iterable[str]) -> dict[str, str]:
    """Only the named headers (never Authorization or cookies), values truncated."""
    kept = {}
    for name in names:
        value = headers.get(name)
        if value is not None and name not in ("authorization", "cookie", "proxy-authorization"):
            kept[name] = value[:_MAX_HEADER_VALUE]
    return kept


def _forwarded(headers: Mapping[str, str]) -> str | None:
    proto = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    host = headers.get("x-forwarded-host", "").split(",")[0].strip()
    if proto in ("http", "https") and _SAFE_HOST.fullmatch(host):
        return f"{proto}://{host}"
    return None


def _direct(request: Request, headers: Mapping[str, str]) -> str:
    scheme = request.scope.get("scheme", "http")
    host = headers.get("host", "")
    if not _SAFE_HOST.fullmatch(host):
        server = request.scope.get("server") or ("localhost", None)
        host = server[0] if server[1] is None else f"{server[0]}:{server[1]}"
    return f"{scheme}://{host}"


def public_url(request: Request, headers: Mapping[str, str], settings: WebhookSettings) -> str:
    """The full URL the sender called: configured base, forwarded headers, or Host.

    The path is the raw path as received (HubSpot signs the URL it called), so a proxy
    that strips a prefix needs that prefix in ``public_base_url``.
    """
    base = settings.public_base_url
    if base is None and settings.trust_forwarded_headers:
        base = _forwarded(headers)
    if base is None:
        base = _direct(request, headers)
    raw = request.scope.get("raw_path")
    path = raw.split(b"?", 1)[0].decode("latin-1") if raw else request.scope.get("path", "/")
    query = request.scope.get("query_string", b"").decode("latin-1")
    return f"{base}{path}?{query}" if query else f"{base}{path}"
