"""The public surface of ``adapters`` is pinned: removing or renaming a name is a decision."""

from __future__ import annotations

import importlib

import adapters

CONTRACT = {
    "ADAPTER_API_VERSION",
    "Adapter",
    "Capability",
    "CheckResult",
    "Cursor",
    "Page",
    "StreamSpec",
    "WebhookEvent",
    "BUILTIN_SCHEMES",
    "WebhookEventDraft",
    "WebhookRequest",
    "WebhookSplitter",
    "WebhookSupport",
    "WebhookVerifier",
}
HTTP_TOOLKIT = {
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
}
VENDOR_HOSTS = {
    "VENDOR_BASE_URLS_ENV",
    "VendorHostRefused",
    "VendorHosts",
    "allowed_base_urls",
    "check_vendor_base_urls",
    "vendor_base_url",
}


def test_adapters_exports_exactly_the_contract_and_the_toolkit() -> None:
    assert set(adapters.__all__) == CONTRACT | HTTP_TOOLKIT | VENDOR_HOSTS
    assert len(adapters.__all__) == len(set(adapters.__all__))
    for name in adapters.__all__:
        assert getattr(adapters, name) is not None


def test_private_modules_declare_all_and_are_re_exported() -> None:
    modules = [
        "adapters._contract",
        "adapters._hosts",
        "adapters._types",
        "adapters._http",
        "adapters._http._client",
        "adapters._http._pagination",
        "adapters._http._ratelimit",
        "adapters._http._retry",
        "adapters._http._translate",
    ]
    for name in modules:
        module = importlib.import_module(name)
        for exported in module.__all__:
            assert exported in adapters.__all__, f"{name}.{exported} is not re-exported"
            assert getattr(adapters, exported) is getattr(module, exported)
