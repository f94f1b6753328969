"""SDK errors become Canonry's errors; 429 waits Retry-After; check() never raises."""

from __future__ import annotations

import pytest

from adapters.stripe import StripeAdapter
from canonical import (
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    VendorConnectionError,
    VendorServerError,
)
from plugins.fakes import StripeFake, unused_port
from tests.adapters.stripe.conftest import MakeAdapter, drain

BAD_KEY = "sk_test_definitely_wrong_key_4242"


def test_bad_key_is_an_authentication_error_without_the_key(make_adapter: MakeAdapter) -> None:
    with pytest.raises(AuthenticationError) as info:
        drain(make_adapter(api_key=BAD_KEY), "customers")
    assert info.value.status == 401
    assert info.value.retryable is False
    assert BAD_KEY not in str(info.value)
    assert "api_key" in str(info.value)
    assert info.value.request_id is not None


def test_check_reports_refusal_and_success(make_adapter: MakeAdapter) -> None:
    refused = make_adapter(api_key=BAD_KEY).check()
    assert refused.ok is False
    assert refused.details["error"] == "AuthenticationError"
    assert BAD_KEY not in refused.message
    assert make_adapter().check().ok is True


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (
            403,
            {"type": "invalid_request_error", "message": "restricted key"},
            PermissionDeniedError,
        ),
        (
            400,
            {"type": "invalid_request_error", "code": "parameter_unknown", "message": "bad"},
            InvalidRequestError,
        ),
        (
            404,
            {"type": "invalid_request_error", "code": "resource_missing", "message": "gone"},
            NotFoundError,
        ),
        (500, {"type": "api_error", "message": "boom"}, VendorServerError),
    ],
)
def test_error_statuses_map_onto_the_tree(
    fake: StripeFake,
    make_adapter: MakeAdapter,
    status: int,
    error: dict[str, str],
    expected: type[Exception],
) -> None:
    fake.fail_next(status, error, times=3)
    with pytest.raises(expected) as info:
        drain(make_adapter(max_network_retries=0), "customers")
    assert type(info.value) is expected
    assert info.value.status == status  # type: ignore[attr-defined]
    assert info.value.code == error.get("code")  # type: ignore[attr-defined]
    assert isinstance(info.value.__cause__, Exception)
    assert type(info.value.__cause__).__module__.startswith("stripe")


def test_rate_limit_waits_retry_after_then_succeeds(
    fake: StripeFake, make_adapter: MakeAdapter, sleeps: list[float]
) -> None:
    made = fake.create_customer()
    error = {"type": "invalid_request_error", "code": "rate_limit", "message": "Too many requests"}
    fake.fail_next(429, error, times=2, headers={"Retry-After": "3"})
    records, _, _ = drain(make_adapter(), "customers")
    assert [r["id"] for r in records] == [made["id"]]
    assert sleeps == [3.0, 3.0]


def test_rate_limit_gives_up_with_a_retryable_error(
    fake: StripeFake, make_adapter: MakeAdapter, sleeps: list[float]
) -> None:
    error = {"type": "invalid_request_error", "code": "rate_limit", "message": "Too many requests"}
    fake.fail_next(429, error, times=10, headers={"Retry-After": "7"})
    with pytest.raises(RateLimitError) as info:
        drain(make_adapter(rate_limit_retries=2), "customers")
    assert info.value.retry_after == 7.0
    assert info.value.retryable is True
    assert len(sleeps) == 2


def test_unreachable_api_is_a_connection_error(sleeps: list[float]) -> None:
    adapter = StripeAdapter(
        {"api_base": f"http://127.0.0.1:{unused_port()}", "max_network_retries": 0},
        {"api_key": BAD_KEY},
        sleep=sleeps.append,
    )
    with pytest.raises(VendorConnectionError) as info:
        drain(adapter, "customers")
    assert info.value.retryable is True
    assert adapter.check().ok is False


def test_credentials_never_show_in_reprs(make_adapter: MakeAdapter) -> None:
    adapter = make_adapter(api_key=BAD_KEY)
    assert BAD_KEY not in repr(adapter)
    assert BAD_KEY not in repr(adapter.credentials)
    assert BAD_KEY not in repr(adapter.client)
