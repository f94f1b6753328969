"""Translate HTTP failures into canonical's exception tree, at the boundary.

Messages name the method and the URL *path* (never the query string, which may carry
tokens, and never a header). A vendor's own error message is quoted, shortened, except
on 401/403/407, where some vendors echo the credential they refused.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from canonical import (
    AdapterError,
    AuthenticationError,
    CanonryError,
    ConfigurationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    VendorConnectionError,
    VendorServerError,
    error_class_for_status,
)

__all__ = [
    "DEFAULT_REQUEST_ID_HEADERS",
    "describe_request",
    "error_from_response",
    "error_from_transport",
]

DEFAULT_REQUEST_ID_HEADERS: tuple[str, ...] = (
    "request-id",  # Stripe
    "x-request-id",
    "x-hubspot-correlation-id",
    "x-correlation-id",
    "x-amzn-requestid",
    "cf-ray",
)
"""Response headers that carry the vendor's request id, first match wins."""

_MAX_VENDOR_MESSAGE = 200
_SECRET_ECHO_STATUSES = frozenset({401, 403, 407})

_HINTS: dict[type[AdapterError], str] = {
    AuthenticationError: "check or rotate the connection's credentials",
    PermissionDeniedError: "grant the credentials the scope or role this call needs",
    NotFoundError: "check the id, and that the object belongs to this vendor account",
    InvalidRequestError: "the vendor refused the request; read its message and request id",
    RateLimitError: "lower the connection's request rate, or retry after retry_after seconds",
    VendorServerError: "the vendor failed; retry later and quote the request id to its support",
    AdapterError: "unexpected vendor status; quote the request id to the vendor's support",
}


def describe_request(request: httpx.Request) -> str:
    """``"GET /v1/customers"``: method and path only, safe for messages and logs."""
    return f"{request.method} {request.url.path or '/'}"


def error_from_response(
    response: httpx.Response,
    *,
    retryable: bool,
    retry_after: float | None = None,
    request_id_headers: tuple[str, ...] = DEFAULT_REQUEST_ID_HEADERS,
) -> AdapterError:
    """The canonical error for an error response (status 400 and above)."""
    status = response.status_code
    cls = error_class_for_status(status)
    code, vendor_message = (None, None)
    if status not in _SECRET_ECHO_STATUSES:
        code, vendor_message = _vendor_detail(response)
    message = f"{describe_request(response.request)} failed: HTTP {status}"
    if response.reason_phrase:
        message += f" {response.reason_phrase}"
    if vendor_message:
        message += f": {vendor_message}"
    kwargs: dict[str, Any] = {
        "status": status,
        "code": code,
        "request_id": _request_id(response.headers, request_id_headers),
        "retryable": retryable,
        "hint": _HINTS[cls],
    }
    if cls is RateLimitError:
        positive = retry_after if retry_after is not None and retry_after > 0 else None
        return RateLimitError(message, retry_after=positive, **kwargs)
    return cls(message, **kwargs)


def error_from_transport(
    exc: httpx.HTTPError, request: httpx.Request, *, retryable: bool
) -> CanonryError:
    """The canonical error for a request that got no usable response."""
    where = describe_request(request)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError | httpx.InvalidURL):
        return ConfigurationError(
            f"{where} cannot be sent: {type(exc).__name__}",
            hint="check the adapter's base URL and request arguments",
        )
    if isinstance(exc, httpx.TimeoutException):
        what, code = "timed out", "timeout"
    elif isinstance(exc, httpx.TransportError):
        what, code = "could not reach the vendor", "connection_error"
    else:
        return AdapterError(
            f"{where} returned a response that cannot be read: {type(exc).__name__}",
            code="bad_response",
            retryable=False,
            hint="the vendor sent malformed data; quote the time of the call to its support",
        )
    return VendorConnectionError(
        f"{where} {what} ({type(exc).__name__}, host {request.url.host})",
        code=code,
        retryable=retryable,
        hint="check network access to the vendor and its status page, then retry",
    )


def _request_id(headers: httpx.Headers, names: tuple[str, ...]) -> str | None:
    for name in names:
        if value := headers.get(name):
            return str(value)
    return None


def _vendor_detail(response: httpx.Response) -> tuple[str | None, str | None]:
    """(code, message) from the common JSON error shapes, or (None, None)."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None, None
    if not isinstance(body, dict):
        return None, None
    error = body.get("error")
    if isinstance(error, dict):  # Stripe: {"error": {"message", "code", "type"}}
        body = error
    elif isinstance(error, str):  # OAuth: {"error": "invalid_grant", "error_description"}
        return error, _short(body.get("error_description") or body.get("message"))
    errors = body.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else None
    if isinstance(first, dict) and "message" not in body:  # JSON:API, GraphQL
        body = first
    code = body.get("code") or body.get("category") or body.get("type")
    message = body.get("message") or body.get("detail") or body.get("title")
    return (str(code) if code is not None else None), _short(message)


def _short(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = " ".join(value.split())
    if len(text) > _MAX_VENDOR_MESSAGE:
        return text[: _MAX_VENDOR_MESSAGE - 1] + "…"
    return text
