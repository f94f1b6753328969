"""VendorHTTPClient over real HTTP on loopback: retries, Retry-After, timeouts, limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from adapters import RateLimiter, RetryPolicy, VendorHTTPClient
from canonical import RateLimitError, VendorConnectionError, VendorServerError
from plugins.fakes import LoopbackHTTPServer, Reply, unused_port

OK = Reply(200, json={"ok": True})


def test_429_with_retry_after_seconds_waits_that_long(
    loopback_client: VendorHTTPClient, http_server: LoopbackHTTPServer, sleeps: list[float]
) -> None:
    http_server.enqueue(Reply(429, headers={"Retry-After": "7"}), OK)
    assert loopback_client.get_json("/customers") == {"ok": True}
    assert sleeps == [7.0]
    assert len(http_server.requests) == 2


def test_429_with_retry_after_http_date_waits_until_then(
    loopback_client: VendorHTTPClient, http_server: LoopbackHTTPServer, sleeps: list[float]
) -> None:
    when = datetime.now(UTC) + timedelta(seconds=55)  # under the 60 s retry_after_cap
    http_server.enqueue(Reply(429, headers={"Retry-After": format_datetime(when, usegmt=True)}), OK)
    assert loopback_client.get_json("/customers") == {"ok": True}
    (wait,) = sleeps
    # one-second resolution, and the client reads its clock later than we did: a loaded
    # machine may take many seconds to get there (the backoff would wait 0.5 s)
    assert 25.0 < wait <= 55.0


def test_503_then_success(
    loopback_client: VendorHTTPClient, http_server: LoopbackHTTPServer, sleeps: list[float]
) -> None:
    http_server.enqueue(Reply(503), Reply(502), OK)
    assert loopback_client.get_json("/customers") == {"ok": True}
    assert sleeps == [0.5, 1.0]
    assert len(http_server.requests) == 3


@pytest.mark.parametrize("header", ["0", "-3", "soon", "Mon, 32 Foo 2026 25:00:00 GMT"])
def test_useless_retry_after_falls_back_to_backoff(
    loopback_client: VendorHTTPClient,
    http_server: LoopbackHTTPServer,
    sleeps: list[float],
    header: str,
) -> None:
    http_server.enqueue(
        Reply(429, headers={"Retry-After": header}),
        Reply(429, headers={"Retry-After": header}),
        OK,
    )
    assert loopback_client.get_json("/customers") == {"ok": True}
    assert sleeps == [0.5, 1.0]


STALL_TIMEOUT = 1.0
"""The stalled reply costs this long; the reply after it must come within it: 1 s is
hundreds of times a loopback reply, even on a loaded machine."""


def test_read_timeout_then_success(http_server: LoopbackHTTPServer, sleeps: list[float]) -> None:
    http_server.enqueue(Reply(stall=True), OK)
    policy = RetryPolicy(jitter=False, backoff_base=0.25)
    with VendorHTTPClient(
        http_server.url, timeout=STALL_TIMEOUT, retry=policy, sleep=sleeps.append
    ) as vendor:
        assert vendor.get_json("/slow") == {"ok": True}
    assert sleeps == [0.25]
    assert len(http_server.requests) == 2


def test_read_timeout_on_post_is_not_repeated(
    http_server: LoopbackHTTPServer, sleeps: list[float]
) -> None:
    http_server.enqueue(Reply(stall=True))
    vendor = VendorHTTPClient(http_server.url, timeout=STALL_TIMEOUT, sleep=sleeps.append)
    with vendor, pytest.raises(VendorConnectionError) as caught:
        vendor.request("POST", "/charges", json={"amount": 1})
    assert caught.value.code == "timeout"
    assert caught.value.retryable is True
    assert sleeps == []
    assert len(http_server.requests) == 1


def test_connection_refused_gives_up_after_max_attempts(
    bearer_token: str, sleeps: list[float]
) -> None:
    policy = RetryPolicy(max_attempts=4, jitter=False, backoff_base=1.0, backoff_cap=3.0)
    base = f"http://127.0.0.1:{unused_port()}/api"
    vendor = VendorHTTPClient(base, retry=policy, sleep=sleeps.append)
    with vendor, pytest.raises(VendorConnectionError) as caught:
        vendor.get_json("/customers", params={"api_key": bearer_token})
    error = caught.value
    assert sleeps == [1.0, 2.0, 3.0]
    assert error.retryable is True
    assert error.status is None
    assert error.code == "connection_error"
    assert "GET /api/customers" in str(error)
    assert bearer_token not in str(error)
    assert isinstance(error.__cause__, httpx.ConnectError)


def test_give_up_after_max_attempts_on_5xx(
    loopback_client: VendorHTTPClient, http_server: LoopbackHTTPServer, sleeps: list[float]
) -> None:
    failing = Reply(503, json={"message": "maintenance"}, headers={"X-Request-Id": "req_503"})
    http_server.enqueue(failing, failing, failing, OK)
    with pytest.raises(VendorServerError) as caught:
        loopback_client.get_json("/customers")
    error = caught.value
    assert (error.status, error.request_id, error.retryable) == (503, "req_503", True)
    assert "GET /v1/customers failed: HTTP 503 Service Unavailable: maintenance" in str(error)
    assert len(http_server.requests) == 3
    assert sleeps == [0.5, 1.0]


def test_give_up_on_429_carries_retry_after(
    loopback_client: VendorHTTPClient, http_server: LoopbackHTTPServer, sleeps: list[float]
) -> None:
    limited = Reply(429, headers={"Retry-After": "2", "Request-Id": "req_429"})
    http_server.enqueue(limited, limited, limited)
    with pytest.raises(RateLimitError) as caught:
        loopback_client.get_json("/customers")
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


def test_post_500_is_not_repeated_but_an_idempotency_key_makes_it_safe(
    loopback_client: VendorHTTPClient, http_server: LoopbackHTTPServer, sleeps: list[float]
) -> None:
    http_server.enqueue(Reply(500))
    with pytest.raises(VendorServerError):
        loopback_client.request("POST", "/charges", json={})
    assert len(http_server.requests) == 1
    http_server.enqueue(Reply(500), Reply(200, json={"id": "ch_1"}))
    response = loopback_client.request(
        "POST", "/charges", json={}, headers={"Idempotency-Key": "k1"}
    )
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


def test_retries_are_logged_without_secrets(
    bearer_token: str,
    loopback_client: VendorHTTPClient,
    http_server: LoopbackHTTPServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    http_server.enqueue(Reply(503), OK)
    with caplog.at_level("WARNING", logger="canonry.adapters.http"):
        loopback_client.get_json("/customers", params={"key": bearer_token})
    (record,) = caplog.records
    assert "retrying GET /v1/customers after HTTP 503 (attempt 1 of 3)" in record.getMessage()
    assert bearer_token not in record.getMessage()
