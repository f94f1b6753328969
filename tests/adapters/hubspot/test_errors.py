"""HubSpot failures become Canonry's errors; 429 waits Retry-After; the limiter paces calls."""

from __future__ import annotations

import pytest

from adapters import RateLimiter
from adapters.hubspot import HubSpotAdapter
from canonical import (
    AuthenticationError,
    InvalidRequestError,
    PermissionDeniedError,
    RateLimitError,
    VendorConnectionError,
    VendorServerError,
)
from plugins.fakes import HubSpotFake, Reply, unused_port
from tests.adapters.hubspot.conftest import MakeAdapter, drain

BAD_TOKEN = "pat-na1-wrong-token-0000-1111"


def _hubspot_error(status: int, category: str, headers: dict[str, str] | None = None) -> Reply:
    body = {"status": "error", "message": f"{category} happened", "category": category}
    return Reply(status, json=body, headers=headers or {})


def test_bad_token_is_an_authentication_error_without_the_token(make_adapter: MakeAdapter) -> None:
    adapter = make_adapter(token=BAD_TOKEN)
    with pytest.raises(AuthenticationError) as info:
        drain(adapter, "contacts")
    assert info.value.status == 401
    assert info.value.code == "INVALID_AUTHENTICATION"
    assert info.value.request_id == "fake-0001"
    assert BAD_TOKEN not in str(info.value)
    assert BAD_TOKEN not in repr(adapter)
    assert BAD_TOKEN not in repr(adapter.client)
    result = adapter.check()
    assert result.ok is False
    assert result.details["error"] == "AuthenticationError"


def test_check_succeeds_with_a_good_token(make_adapter: MakeAdapter) -> None:
    assert make_adapter().check().ok is True


@pytest.mark.parametrize(
    ("status", "category", "expected"),
    [
        (403, "MISSING_SCOPES", PermissionDeniedError),
        (400, "VALIDATION_ERROR", InvalidRequestError),
    ],
)
def test_terminal_statuses_are_not_retried(
    fake: HubSpotFake,
    make_adapter: MakeAdapter,
    sleeps: list[float],
    status: int,
    category: str,
    expected: type[Exception],
) -> None:
    fake.fail_next(_hubspot_error(status, category))
    with pytest.raises(expected) as info:
        drain(make_adapter(), "contacts")
    assert info.value.code == category  # type: ignore[attr-defined]
    assert sleeps == []
    assert len(fake.requests) == 1


def test_429_waits_retry_after_then_succeeds(
    fake: HubSpotFake, make_adapter: MakeAdapter, sleeps: list[float]
) -> None:
    made = fake.create("contacts", {"email": "a@example.com"})
    fake.fail_next(_hubspot_error(429, "RATE_LIMITS", {"Retry-After": "2"}), times=2)
    records, _ = drain(make_adapter(), "contacts")
    assert [r["id"] for r in records] == [made["id"]]
    assert sleeps == [2.0, 2.0]


def test_429_gives_up_with_a_retryable_rate_limit_error(
    fake: HubSpotFake, make_adapter: MakeAdapter, sleeps: list[float]
) -> None:
    fake.fail_next(_hubspot_error(429, "RATE_LIMITS", {"Retry-After": "4"}), times=10)
    with pytest.raises(RateLimitError) as info:
        drain(make_adapter(max_attempts=3), "contacts")
    assert info.value.retry_after == 4.0
    assert info.value.retryable is True
    assert sleeps == [4.0, 4.0]


def test_server_errors_are_retried_with_backoff(
    fake: HubSpotFake, make_adapter: MakeAdapter, sleeps: list[float]
) -> None:
    fake.fail_next(_hubspot_error(502, "BAD_GATEWAY"), times=5)
    with pytest.raises(VendorServerError):
        drain(make_adapter(max_attempts=3), "contacts")
    assert len(sleeps) == 2
    assert all(s > 0 for s in sleeps)


def test_unreachable_host_is_a_connection_error(sleeps: list[float]) -> None:
    adapter = HubSpotAdapter(
        {"base_url": f"http://127.0.0.1:{unused_port()}", "max_attempts": 2},
        {"access_token": BAD_TOKEN},
        sleep=sleeps.append,
        rate_limiter=RateLimiter(100, 100),
        search_rate_limiter=RateLimiter(100, 100),
    )
    with pytest.raises(VendorConnectionError):
        drain(adapter, "contacts")
    assert len(sleeps) == 1


def test_every_call_goes_through_the_connection_limiter(
    fake: HubSpotFake, make_adapter: MakeAdapter
) -> None:
    for n in range(5):
        fake.create("contacts", {"email": f"p{n}@example.com"})
    waits: list[float] = []
    limiter = RateLimiter(10, 1, clock=lambda: 0.0, sleep=waits.append)  # time stands still
    drain(make_adapter(limiter=limiter, page_size=2), "contacts")
    calls = len(fake.requests)
    assert calls >= 4
    assert len(waits) == calls - 1  # only the first call fits the burst of one
    assert waits == sorted(waits)  # each later call queues behind the previous one
