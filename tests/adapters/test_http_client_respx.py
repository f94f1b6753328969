"""The same retry and error behaviour with respx mocking httpx (no sockets at all)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import respx

from adapters import RetryPolicy, VendorHTTPClient
from canonical import (
    InvalidRequestError,
    PermissionDeniedError,
    RateLimitError,
    VendorConnectionError,
    VendorServerError,
)

BASE = "https://api.vendor.test/v2"


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def vendor(sleeps: list[float]) -> Iterator[VendorHTTPClient]:
    policy = RetryPolicy(max_attempts=3, backoff_base=1.0, jitter=False)
    with VendorHTTPClient(BASE, retry=policy, sleep=sleeps.append) as client:
        yield client


def test_429_retry_after_seconds_then_success(
    router: respx.MockRouter, vendor: VendorHTTPClient, sleeps: list[float]
) -> None:
    route = router.get("/contacts").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "4"}),
            httpx.Response(200, json={"results": []}),
        ]
    )
    assert vendor.get_json("/contacts") == {"results": []}
    assert route.call_count == 2
    assert sleeps == [4.0]


def test_retry_after_http_date_in_the_past_falls_back_to_backoff(
    router: respx.MockRouter, vendor: VendorHTTPClient, sleeps: list[float]
) -> None:
    stale = httpx.Response(503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    router.get("/contacts").mock(side_effect=[stale, stale, httpx.Response(200, json={})])
    assert vendor.get_json("/contacts") == {}
    assert sleeps == [1.0, 2.0]


def test_read_timeout_then_success(
    router: respx.MockRouter, vendor: VendorHTTPClient, sleeps: list[float]
) -> None:
    route = router.get("/contacts").mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200, json={"ok": 1})]
    )
    assert vendor.get_json("/contacts") == {"ok": 1}
    assert route.call_count == 2
    assert sleeps == [1.0]


def test_connect_error_every_time_gives_up_retryable(
    router: respx.MockRouter, vendor: VendorHTTPClient, sleeps: list[float]
) -> None:
    route = router.post("/contacts").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(VendorConnectionError) as caught:
        vendor.request("POST", "/contacts", json={"email": "a@b.test"})
    assert route.call_count == 3  # never sent, so even POST is retried
    assert sleeps == [1.0, 2.0]
    assert caught.value.retryable is True
    assert "POST /v2/contacts could not reach the vendor" in str(caught.value)


def test_5xx_give_up_reports_status_request_id_and_retryable(
    router: respx.MockRouter, vendor: VendorHTTPClient
) -> None:
    router.get("/deals").mock(
        return_value=httpx.Response(
            502,
            json={"status": "error", "message": "upstream", "category": "INTERNAL_ERROR"},
            headers={"X-HubSpot-Correlation-Id": "corr-1"},
        )
    )
    with pytest.raises(VendorServerError) as caught:
        vendor.get_json("/deals")
    error = caught.value
    assert (error.status, error.code, error.request_id) == (502, "INTERNAL_ERROR", "corr-1")
    assert error.retryable is True


@pytest.mark.parametrize(
    ("status", "error_class"), [(403, PermissionDeniedError), (422, InvalidRequestError)]
)
def test_terminal_4xx_is_raised_after_one_call(
    router: respx.MockRouter,
    vendor: VendorHTTPClient,
    sleeps: list[float],
    status: int,
    error_class: type[Exception],
) -> None:
    route = router.get("/deals").mock(return_value=httpx.Response(status, json={}))
    with pytest.raises(error_class):
        vendor.get_json("/deals")
    assert route.call_count == 1
    assert sleeps == []


def test_rate_limit_error_without_retry_after_has_none(
    router: respx.MockRouter, vendor: VendorHTTPClient
) -> None:
    router.get("/deals").mock(return_value=httpx.Response(429))
    with pytest.raises(RateLimitError) as caught:
        vendor.get_json("/deals")
    assert caught.value.retry_after is None
    assert caught.value.retryable is True


def test_oauth_style_error_body_gives_code_and_description(
    router: respx.MockRouter, vendor: VendorHTTPClient
) -> None:
    router.post("/oauth/token").mock(
        return_value=httpx.Response(
            400, json={"error": "invalid_grant", "error_description": "refresh token expired"}
        )
    )
    with pytest.raises(InvalidRequestError) as caught:
        vendor.request("POST", "/oauth/token", data={"grant_type": "refresh_token"})
    assert caught.value.code == "invalid_grant"
    assert str(caught.value).endswith(
        "refresh token expired (the vendor refused the request; read its message and request id)"
    )
