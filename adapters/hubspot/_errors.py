"""Translate hubspot-api-client and urllib3 failures into Canonry's exception tree."""

from __future__ import annotations

import json
from typing import Any

from adapters._http import parse_retry_after
from canonical import (
    AdapterError,
    RateLimitError,
    VendorServerError,
    error_class_for_status,
)

__all__ = ["translate_api_exception"]

_HINTS = {
    401: "check the access token (private-app token, or refresh the OAuth token)",
    403: "grant the app the crm.objects.*.read scopes this stream needs",
}


def translate_api_exception(exc: Any, *, action: str) -> AdapterError:
    """The Canonry error for a generated-client ``ApiException`` (any HubSpot package)."""
    status: int = int(getattr(exc, "status", 0) or 0)
    headers = {k.lower(): v for k, v in dict(getattr(exc, "headers", None) or {}).items()}
    category, message = _vendor_error(getattr(exc, "body", None))
    request_id = headers.get("x-hubspot-correlation-id")
    data: dict[str, Any] = {"status": status, "code": category, "request_id": request_id}
    detail = f": {message}" if message and status not in (401,) else ""
    if status == 429:
        return RateLimitError(
            f"HubSpot rate-limited the request while {action}",
            retry_after=parse_retry_after(headers.get("retry-after")),
            hint="the connection's burst budget is spent; retry after the window",
            **data,
        )
    cls = error_class_for_status(status)
    if cls is VendorServerError:
        return cls(f"HubSpot failed while {action}{detail}", **data)
    if cls is AdapterError:
        return cls(f"HubSpot call failed while {action}{detail}", **data)
    return cls(f"HubSpot refused {action}{detail}", hint=_HINTS.get(status), **data)


def _vendor_error(body: Any) -> tuple[str | None, str | None]:
    """HubSpot's ``{"status": "error", "category", "message"}`` body, when there is one."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        parsed = json.loads(body) if isinstance(body, str) else None
    except ValueError:
        return None, None
    if not isinstance(parsed, dict):
        return None, None
    message = parsed.get("message")
    category = parsed.get("category")
    return (
        category if isinstance(category, str) else None,
        message[:300] if isinstance(message, str) else None,
    )
