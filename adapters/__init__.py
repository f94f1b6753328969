"""The adapter contract and the shared HTTP toolkit; vendor adapters live in subpackages.

``Adapter`` is the contract (``check`` + ``read``, declared streams and models, default
mappings, the webhook declaration ``webhook_support`` and hooks ``verify_webhook``,
``parse_webhook``, ``webhook_event``, ``fetch_record``). The toolkit serves adapters built
on plain httpx: ``VendorHTTPClient`` (retries with tenacity, ``Retry-After``, rate
limiting, canonical errors) and the ``paginate_*`` generators. ``vendor_base_url`` decides
where a connection's secrets may be sent (the vendor's own hosts, or the operator's
``CANONRY_VENDOR_BASE_URLS``); ``VendorHosts`` marks a config field the registry checks.
"""

from adapters._contract import (
    ADAPTER_API_VERSION,
    Adapter,
    Capability,
    CheckResult,
    Cursor,
    Page,
    StreamSpec,
    WebhookEvent,
)
from adapters._hosts import (
    VENDOR_BASE_URLS_ENV,
    VendorHostRefused,
    VendorHosts,
    allowed_base_urls,
    check_vendor_base_urls,
    vendor_base_url,
)
from adapters._http import (
    DEFAULT_REQUEST_ID_HEADERS,
    DEFAULT_STATUS_ACTIONS,
    IDEMPOTENT_METHODS,
    RateLimiter,
    RetryAction,
    RetryPolicy,
    VendorHTTPClient,
    decode_json,
    describe_request,
    error_from_response,
    error_from_transport,
    json_path,
    paginate_cursor,
    paginate_link,
    paginate_offset,
    parse_retry_after,
)
from adapters._webhook_support import (
    BUILTIN_SCHEMES,
    WebhookEventDraft,
    WebhookRequest,
    WebhookSplitter,
    WebhookSupport,
    WebhookVerifier,
)

__all__ = [
    "ADAPTER_API_VERSION",
    "BUILTIN_SCHEMES",
    "DEFAULT_REQUEST_ID_HEADERS",
    "DEFAULT_STATUS_ACTIONS",
    "IDEMPOTENT_METHODS",
    "VENDOR_BASE_URLS_ENV",
    "Adapter",
    "Capability",
    "CheckResult",
    "Cursor",
    "Page",
    "RateLimiter",
    "RetryAction",
    "RetryPolicy",
    "StreamSpec",
    "VendorHTTPClient",
    "VendorHostRefused",
    "VendorHosts",
    "WebhookEvent",
    "WebhookEventDraft",
    "WebhookRequest",
    "WebhookSplitter",
    "WebhookSupport",
    "WebhookVerifier",
    "allowed_base_urls",
    "check_vendor_base_urls",
    "decode_json",
    "describe_request",
    "error_from_response",
    "error_from_transport",
    "json_path",
    "paginate_cursor",
    "paginate_link",
    "paginate_offset",
    "parse_retry_after",
    "vendor_base_url",
]
