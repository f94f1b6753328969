"""The HTTP toolkit for adapters built on plain httpx: retries, rate limits, pagination."""

from adapters._http._client import VendorHTTPClient, decode_json
from adapters._http._pagination import json_path, paginate_cursor, paginate_link, paginate_offset
from adapters._http._ratelimit import RateLimiter
from adapters._http._retry import (
    DEFAULT_STATUS_ACTIONS,
    IDEMPOTENT_METHODS,
    RetryAction,
    RetryPolicy,
    parse_retry_after,
)
from adapters._http._translate import (
    DEFAULT_REQUEST_ID_HEADERS,
    describe_request,
    error_from_response,
    error_from_transport,
)

__all__ = [
    "DEFAULT_REQUEST_ID_HEADERS",
    "DEFAULT_STATUS_ACTIONS",
    "IDEMPOTENT_METHODS",
    "RateLimiter",
    "RetryAction",
    "RetryPolicy",
    "VendorHTTPClient",
    "decode_json",
    "describe_request",
    "error_from_response",
    "error_from_transport",
    "json_path",
    "paginate_cursor",
    "paginate_link",
    "paginate_offset",
    "parse_retry_after",
]
