"""RetryPolicy as data: the status table, idempotency, Retry-After parsing and backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters import DEFAULT_STATUS_ACTIONS, RetryAction, RetryPolicy, parse_retry_after
from canonical import ConfigurationError

NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_statuses_are_retried(status: int) -> None:
    assert RetryPolicy().action_for(status) is RetryAction.RETRY
    assert RetryPolicy().retries_status("GET", status, None)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 410, 422, 501, 505])
def test_other_error_statuses_are_terminal(status: int) -> None:
    assert RetryPolicy().action_for(status) is RetryAction.FAIL
    assert not RetryPolicy().retries_status("GET", status, None)


def test_status_table_is_data_that_can_be_replaced() -> None:
    policy = RetryPolicy(statuses={**DEFAULT_STATUS_ACTIONS, 409: RetryAction.RETRY})
    assert policy.retries_status("GET", 409, None)
    assert not RetryPolicy(statuses={}).retries_status("GET", 503, None)


def test_default_table_cannot_be_mutated() -> None:
    with pytest.raises(TypeError):
        DEFAULT_STATUS_ACTIONS[418] = RetryAction.RETRY  # type: ignore[index]


def test_non_idempotent_methods_retry_only_when_the_vendor_did_not_act() -> None:
    policy = RetryPolicy()
    assert policy.retries_status("POST", 429, None)
    assert policy.retries_status("POST", 503, None)
    assert not policy.retries_status("POST", 500, None)
    assert not policy.retries_status("PATCH", 502, None)
    assert policy.retries_status("POST", 500, None, keyed=True)
    assert RetryPolicy(retry_unsafe_methods=True).retries_status("POST", 500, None)
    assert policy.retries_status("put", 500, None)


def test_retry_after_beyond_the_cap_ends_the_retries() -> None:
    policy = RetryPolicy(retry_after_cap=30)
    assert policy.retries_status("GET", 429, 30.0)
    assert not policy.retries_status("GET", 429, 31.0)


def test_transport_failures() -> None:
    policy = RetryPolicy()
    refused = httpx.ConnectError("refused")
    read_timeout = httpx.ReadTimeout("slow")
    assert policy.retries_exception("POST", refused)  # never sent: safe for any method
    assert policy.retries_exception("POST", httpx.ConnectTimeout("slow"))
    assert policy.retries_exception("GET", read_timeout)
    assert not policy.retries_exception("POST", read_timeout)  # may have been processed
    assert policy.retries_exception("POST", read_timeout, keyed=True)
    assert policy.retries_exception("GET", httpx.RemoteProtocolError("disconnected"))
    assert not policy.retries_exception("GET", httpx.UnsupportedProtocol("ftp"))
    assert not policy.retries_exception("GET", ValueError("a bug"))
    assert not RetryPolicy(retry_timeouts=False).retries_exception("GET", read_timeout)
    assert not RetryPolicy(retry_connection_errors=False).retries_exception("GET", refused)


def test_transport_retryable_flag() -> None:
    policy = RetryPolicy()
    assert policy.transport_retryable(httpx.ReadTimeout("slow"))
    assert policy.transport_retryable(httpx.ConnectError("refused"))
    assert not policy.transport_retryable(httpx.UnsupportedProtocol("ftp"))


def test_backoff_is_exponential_capped_and_floored_without_jitter() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=3.0, jitter=False, min_wait=0.1)
    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert policy.backoff(10_000) == 3.0
    assert RetryPolicy(backoff_base=0.0, jitter=False, min_wait=0.2).backoff(1) == 0.2


def test_full_jitter_scales_the_ceiling_by_the_random_draw() -> None:
    draws = iter([0.0, 0.5, 0.999])
    policy = RetryPolicy(backoff_base=1.0, min_wait=0.05, random=lambda: next(draws))
    assert [policy.backoff(3) for _ in range(3)] == [0.05, 2.0, pytest.approx(3.996)]


@given(retry=st.integers(min_value=1, max_value=200), draw=st.floats(0, 1, exclude_max=True))
def test_every_wait_is_within_floor_and_cap(retry: int, draw: float) -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=20.0, min_wait=0.1, random=lambda: draw)
    assert 0.1 <= policy.wait(retry) <= 20.0


def test_wait_prefers_a_positive_retry_after_and_caps_it() -> None:
    policy = RetryPolicy(jitter=False, backoff_base=1.0, retry_after_cap=10.0, min_wait=0.1)
    assert policy.wait(1, 4.0) == 4.0
    assert policy.wait(1, 0.01) == 0.1
    assert policy.wait(1, 50.0) == 10.0
    assert policy.wait(2, 0.0) == 2.0  # zero: computed backoff
    assert policy.wait(2, -5.0) == 2.0  # past date: computed backoff
    assert policy.wait(3, None) == 4.0


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"min_wait": 0}, "min_wait"),
        ({"backoff_base": -1}, "backoff_base"),
        ({"backoff_base": 5, "backoff_cap": 1}, "backoff_cap"),
        ({"retry_after_cap": -1}, "retry_after_cap"),
    ],
)
def test_impossible_policies_are_refused(kwargs: dict[str, float], problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        (" 3 ", 3.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("-4", -4.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
        ("Mon, 99 Foo 2026 99:99:99 GMT", None),
    ],
)
def test_parse_retry_after_seconds_and_garbage(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == expected


def test_parse_retry_after_http_date() -> None:
    later = format_datetime(NOW + timedelta(seconds=42), usegmt=True)
    assert later.endswith("GMT")
    assert parse_retry_after(later, now=NOW) == 42.0
    earlier = format_datetime(NOW - timedelta(seconds=5), usegmt=True)
    assert parse_retry_after(earlier, now=NOW) == -5.0
    assert parse_retry_after("Sat, 21 Nov 2026 12:00:10 -0000", now=NOW) == 10.0


def test_policy_is_immutable_hashable_data() -> None:
    table = {503: RetryAction.RETRY}
    policy = RetryPolicy(statuses=table)
    table[500] = RetryAction.RETRY  # the caller's dict changing later changes nothing
    assert not policy.retries_status("GET", 500, None)
    with pytest.raises(TypeError):
        policy.statuses[500] = RetryAction.RETRY  # type: ignore[index]
    assert hash(policy) == hash(RetryPolicy(statuses={503: RetryAction.RETRY}))
    assert RetryPolicy() == RetryPolicy()
