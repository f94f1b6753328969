"""Translate stripe-python exceptions into Canonry's exception tree, at the boundary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import stripe

from adapters._http import parse_retry_after
from canonical import (
    AdapterError,
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    VendorConnectionError,
    VendorServerError,
)

__all__ = ["retry_after_seconds", "translate_stripe_error"]


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """The ``Retry-After`` header in seconds (delay or HTTP-date), or None when absent."""
    raw = next((v for k, v in (headers or {}).items() if k.lower() == "retry-after"), None)
    return parse_retry_after(raw)


def translate_stripe_error(exc: stripe.StripeError, *, action: str) -> AdapterError:
    """The Canonry error for ``exc``; ``action`` says what we were doing (no secrets)."""
    data: dict[str, Any] = {
        "status": exc.http_status,
        "code": exc.code,
        "request_id": exc.request_id,
    }
    detail = _vendor_detail(exc)
    if isinstance(exc, stripe.AuthenticationError):
        return AuthenticationError(
            f"Stripe refused the API key while {action}",
            hint="check the connection's api_key (and that it is not revoked)",
            **data,
        )
    if isinstance(exc, stripe.PermissionError):
        return PermissionDeniedError(
            f"the Stripe key may not do this while {action}{detail}",
            hint="give the restricted key read access to customers, invoices and events",
            **data,
        )
    if isinstance(exc, stripe.RateLimitError):
        return RateLimitError(
            f"Stripe rate-limited the request while {action}",
            retry_after=retry_after_seconds(exc.headers),
            hint="retry later; lower the sync concurrency for this account",
            **data,
        )
    if isinstance(exc, stripe.InvalidRequestError):
        cls = NotFoundError if exc.http_status == 404 else InvalidRequestError
        return cls(f"Stripe rejected the request while {action}{detail}", **data)
    if isinstance(exc, stripe.APIConnectionError):
        return VendorConnectionError(
            f"could not reach Stripe while {action}",
            hint="check the network and the connection's api_base",
            **data,
        )
    if exc.http_status is not None and exc.http_status >= 500:
        return VendorServerError(f"Stripe failed while {action}{detail}", **data)
    return AdapterError(f"Stripe error while {action}{detail}", **data)


def _vendor_detail(exc: stripe.StripeError) -> str:
    # Stripe's own message (e.g. "No such customer: 'cus_x'"); it never holds the full key.
    message = exc.user_message or (exc.error.message if exc.error else None)
    return f": {message}" if message else ""
