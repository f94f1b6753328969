"""VendorHTTPClient over real HTTP on loopback: retries, Retry-After, errors, limits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from adapters import RateLimiter, RetryPolicy, VendorHTTPClient
from canonical import (
    AdapterError,
    AuthenticationError,
    ConfigurationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    VendorConnectionError,
    VendorServerError,
)
from tests.fakes.http_server import LoopbackHTTPServer, Reply, unused_port

TOKEN = "tok_SECRET_abcdef123456"
OK = Reply(200, json={"ok": True})


@pytest.fixture
def client(http_server: LoopbackHTTPServer, sleeps: list[float]) -> Iterator[VendorHTTPClient]:
    with VendorHTTPClient(
        http_server.url + "/v1",
        headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"},
        retry=RetryPolicy(max_attempts=3, backoff_base=0.5, jitter=False),
        sleep=sleeps.append,
        timeout=5.0,
    ) as vendor:
        yield vendor


def test_success_sends_base_path_params_and_headers(
    client: VendorHTTPClient, http_server: LoopbackHTTPServer, sleeps: list[float]
) -> None:
    http_server.enqueue(OK)
    assert client.get_json("/customers", params={"limit": 2}) == {"ok": True}
    (request,) = http_server.requests
    assert request.target == "/v1/customers?limit=2"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["accept"] == "application/json"
    assert sleeps == []


def test_per_request_headers_and_json_body(
    client: VendorHTTPClient, http_server: LoopbackHTTPServer
) -> None:
    http_server.enqueue(Reply(201, json={"id": "c_1"}))
    response = client.request("POST", "customers", json={"name": "Ada"}, headers={"X-Trace": "1"})
    assert response.status_code == 201
    (request,) = http_server.requests
    assert (request.method, request.path, request.json()) == (
        "POST",
        "/v1/customers",
        {"name": "Ada"},
    )
    assert request.headers["x-trace"] == "1"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


def test_auth_object_is_applied(http_server: LoopbackHTTPServer) -> None:
    http_server.enqueue(OK)
    with VendorHTTPClient(http_server.url, auth=httpx.BasicAuth("user", "pw")) as vendor:
        vendor.get_json("/me")
    assert http_server.requests[0].headers["authorization"].startswith("Basic ")


def test_429_with_retry_after_seconds_waits_that_long(
    client: VendorHTTPClient, http_server: LoopbackHTTPServer, sleeps: list[float]
) -> None:
    http_server.enqueue(Reply(429, headers={"Retry-After": "7"}), OK)
    assert client.get_json("/customers") == {"ok": True}
    assert sleeps == [7.0]
    assert len(http_server.requests) == 2


def test_429_with_retry_after_http_date_waits_until_then(
    client: VendorHTTPClient, http_server: LoopbackHTTPServer, sleeps: list[float]
) -> None:
    when = datetime.now(UTC) + timedelta(seconds=20)
    http_server.enqueue(Reply(429, headers={"Retry-After": format_datetime(when, usegmt=True)}), OK)
    assert client.get_json("/customers") == {"ok": True}
    (wait,) = sleeps
    assert 17.0 < wait <= 20.0  # the date has one-second resolution


def test_503_then_success(
    client: VendorHTTPClient, http_server: LoopbackHTTPServer, sleeps: list[float]
) -> None:
    http_server.enqueue(Reply(503), Reply(502), OK)
    assert client.get_json("/customers") == {"ok": True}
    assert sleeps == [0.5, 1.0]
    assert len(http_server.requests) == 3


@pytest.mark.parametrize("header", ["0", "-3", "soon", "Mon, 32 Foo 2026 25:00:00 GMT"])
def test_useless_retry_after_falls_back_to_backoff(
    client: VendorHTTPClient, http_server: LoopbackHTTPServer, sleeps: list[float], header: str
) -> None:
    http_server.enqueue(
        Reply(429, headers={"Retry-After": header}),
        Reply(429, headers={"Retry-After": header}),
        OK,
    )
    assert client.get_json("/customers") == {"ok": True}
    assert sleeps == [0.5, 1.0]


def test_read_timeout_then_success(http_server: LoopbackHTTPServer, sleeps: list[float]) -> None:
    http_server.enqueue(Reply(stall=True), OK)
    policy = RetryPolicy(jitter=False, backoff_base=0.25)
    with VendorHTTPClient(
        http_server.url, timeout=0.3, retry=policy, sleep=sleeps.append
    ) as vendor:
        assert vendor.get_json("/slow") == {"ok": True}
    assert sleeps == [0.25]
    assert len(http_server.requests) == 2


def test_read_timeout_on_post_is_not_repeated(
    http_server: LoopbackHTTPServer, sleeps: list[float]
) -> None:
    http_server.enqueue(Reply(stall=True))
    vendor = VendorHTTPClient(http_server.url, timeout=0.3, sleep=sleeps.append)
    with vendor, pytest.raises(VendorConnectionError) as caught:
        vendor.request("POST", "/charges", json={"amount": 1})
    assert caught.value.code == "timeout"
    assert caught.value.retryable is True
    assert sleeps == []
    assert len(http_server.requests) == 1


def test_connection_refused_gives_up_after_max_attempts(sleeps: list[float]) -> None:
    policy = RetryPolicy(max_attempts=4, jitter=False, backoff_base=1.0, backoff_cap=3.0)
    base = f"http://127.0.0.1:{unused_port()}/api"
    vendor = VendorHTTPClient(base, retry=policy, sleep=sleeps.append)
    with vendor, pytest.raises(VendorConnectionError) as caught:
        vendor.get_json("/customers", params={"api_key": TOKEN})
    error = caught.value
    assert sleeps == [1.0, 2.0, 3.0]
    assert error.retryable is True
    assert error.status is None
    assert error.code == "connection_error"
    assert "GET /api/customers" in str(error)
    assert TOKEN not in str(error)
    assert isinstance(error.__cause__, httpx.ConnectError)


def test_give_up_after_max_attempts_on_5xx(
    client: VendorHTTPClient, http_server: LoopbackHTTPServer, sleeps: list[float]
) -> None:
    failing = Reply(503, json={"message": "maintenance"}, headers={"X-Request-Id": "req_503"})
    http_server.enqueue(failing, failing, failing, OK)
    with pytest.raises(VendorServerError) as caught:
        client.get_json("/customers")
    error = caught.value
    assert (error.status, error.request_id, error.retryable) == (503, "req_503", True)
    assert "GET /v1/customers failed: HTTP 503 Service Unavailable: maintenance" in str(error)
    assert len(http_server.requests) == 3
    assert sleeps == [0.5, 1.0]


def test_give_up_on_429_carries_retry_after(
    client: VendorHTTPClient, http_server: LoopbackHTTPServer, sleeps: list[float]
) -> None:
    limited = Reply(429, headers={"Retry-After": "2", "Request-Id": "req_429"})
    http_server.enqueue(limited, limited, limited)
    with pytest.raises(RateLimitError) as caught:
        client.get_json("/customers")
    error = caught.value
    assert (error.status, error.retry_after, error.retryable) == (429, 2.0, True)
    assert error.request_id == "req_429"
    assert sleeps == [2.0, 2.0]


def test_retry_after_beyond_the_cap_fails_at_once_for_a_scheduler(
    http_server: LoopbackHTTPServer, sleeps: list[float]
) -> None:
    http_server.enqueue(Reply(429, headers={"Retry-After": "3600"}), OK)
    with (
        VendorHTTPClient(
            http_server.url, retry=RetryPolicy(retry_after_cap=60), sleep=sleeps.append
        ) as vendor,
        pytest.raises(RateLimitError) as caught,
    ):
        vendor.get_json("/customers")
    assert caught.value.retry_after == 3600.0
    assert caught.value.retryable is True
    assert sleeps == []
    assert len(http_server.requests) == 1


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, InvalidRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, InvalidRequestError),
        (422, InvalidRequestError),
        (418, InvalidRequestError),
        (501, VendorServerError),
    ],
)
def test_terminal_statuses_are_not_retried(
    client: VendorHTTPClient,
    http_server: LoopbackHTTPServer,
    sleeps: list[float],
    status: int,
    error_class: type[AdapterError],
) -> None:
    http_server.enqueue(Reply(status, json={"error": {"message": "nope", "code": "bad"}}), OK)
    with pytest.raises(error_class) as caught:
        client.get_json("/customers/cus_1", params={"token": TOKEN})
    error = caught.value
    assert type(error) is error_class
    assert (error.status, error.retryable) == (status, False)
    assert str(error).startswith(f"GET /v1/customers/cus_1 failed: HTTP {status}")
    assert TOKEN not in str(error)
    assert TOKEN not in repr(error)
    assert sleeps == []
    assert len(http_server.requests) == 1


def test_vendor_message_and_code_are_quoted_except_for_auth_failures(
    client: VendorHTTPClient, http_server: LoopbackHTTPServer
) -> None:
    http_server.enqueue(
        Reply(404, json={"error": {"message": "No such customer", "code": "resource_missing"}})
    )
    with pytest.raises(NotFoundError) as missing:
        client.get_json("/customers/cus_x")
    assert missing.value.code == "resource_missing"
    assert str(missing.value).startswith(
        "GET /v1/customers/cus_x failed: HTTP 404 Not Found: No such customer"
    )
    http_server.enqueue(Reply(401, json={"message": f"Invalid API key {TOKEN}"}))
    with pytest.raises(AuthenticationError) as refused:
        client.get_json("/me")
    assert TOKEN not in str(refused.value)
    assert "credentials" in (refused.value.hint or "")


def test_post_500_is_not_repeated_but_an_idempotency_key_makes_it_safe(
    client: VendorHTTPClient, http_server: LoopbackHTTPServer, sleeps: list[float]
) -> None:
    http_server.enqueue(Reply(500))
    with pytest.raises(VendorServerError):
        client.request("POST", "/charges", json={})
    assert len(http_server.requests) == 1
    http_server.enqueue(Reply(500), Reply(200, json={"id": "ch_1"}))
    response = client.request("POST", "/charges", json={}, headers={"Idempotency-Key": "k1"})
    assert response.json() == {"id": "ch_1"}
    assert sleeps == [0.5]
    assert [r.headers["idempotency-key"] for r in http_server.requests[1:]] == ["k1", "k1"]


def test_rate_limiter_spaces_the_requests_with_the_client_sleep(
    http_server: LoopbackHTTPServer,
) -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(rate=2, burst=1, clock=lambda: now[0])
    http_server.route("GET", "/items", OK)
    with VendorHTTPClient(http_server.url, rate_limiter=limiter, sleep=sleep) as vendor:
        for _ in range(4):
            vendor.get_json("/items")
    assert waits == pytest.approx([0.5, 0.5, 0.5])
    assert len(http_server.requests) == 4


def test_non_json_body_is_an_adapter_error(
    client: VendorHTTPClient, http_server: LoopbackHTTPServer
) -> None:
    http_server.enqueue(
        Reply(200, body=b"<html>login</html>", headers={"Content-Type": "text/html"})
    )
    with pytest.raises(AdapterError) as caught:
        client.get_json("/customers")
    assert caught.value.code == "invalid_json"
    assert "text/html" in str(caught.value)


def test_absolute_urls_must_stay_on_the_base_origin(
    client: VendorHTTPClient, http_server: LoopbackHTTPServer
) -> None:
    http_server.enqueue(OK)
    assert client.get_json(http_server.url + "/v1/other?page=2") == {"ok": True}
    assert http_server.requests[0].target == "/v1/other?page=2"
    with pytest.raises(ConfigurationError, match="refusing"):
        client.get_json("http://127.0.0.2:9/steal")
    assert len(http_server.requests) == 1


@pytest.mark.parametrize("base", ["api.vendor.test/v1", "ftp://api.vendor.test", "/v1"])
def test_base_url_must_be_absolute_http(base: str) -> None:
    with pytest.raises(ConfigurationError, match="base_url"):
        VendorHTTPClient(base)


def test_client_and_transport_together_are_refused() -> None:
    with httpx.Client() as http, pytest.raises(ConfigurationError, match="not both"):
        VendorHTTPClient("https://x.test", client=http, transport=httpx.HTTPTransport())


def test_injected_client_is_used_and_left_open(http_server: LoopbackHTTPServer) -> None:
    http_server.enqueue(OK)
    with httpx.Client() as http:
        with VendorHTTPClient(http_server.url, client=http) as vendor:
            assert vendor.get_json("/x") == {"ok": True}
        assert not http.is_closed


def test_unknown_request_argument_is_a_configuration_error(client: VendorHTTPClient) -> None:
    with pytest.raises(ConfigurationError, match="cannot build"):
        client.request("GET", "/x", bogus=1)


def test_retries_are_logged_without_secrets(
    client: VendorHTTPClient, http_server: LoopbackHTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    http_server.enqueue(Reply(503), OK)
    with caplog.at_level("WARNING", logger="canonry.adapters.http"):
        client.get_json("/customers", params={"key": TOKEN})
    (record,) = caplog.records
    assert "retrying GET /v1/customers after HTTP 503 (attempt 1 of 3)" in record.getMessage()
    assert TOKEN not in record.getMessage()
