"""Retry policy as data: which outcomes are worth another try, and how long to wait first.

The policy decides; the client (``VendorHTTPClient``) runs the loop with tenacity. Two
questions are answered here and nowhere else:

* *May we retry?* The status table maps an HTTP status to ``RetryAction``; transport
  failures are retried when the matching switch is on. A request the vendor may already
  have acted on (a read timeout, a 500) is repeated only for idempotent methods or requests
  that carry an ``Idempotency-Key``; 429, 503 and connect-phase failures mean the vendor
  did not act, so they are safe for every method.
* *How long to wait?* The vendor's ``Retry-After`` when it is a positive number of seconds
  or a future HTTP-date, up to ``retry_after_cap`` (a longer demand ends the loop with a
  ``RateLimitError`` carrying ``retry_after``, so a scheduler can come back later);
  otherwise exponential backoff with full jitter. Every wait is at least ``min_wait``:
  never a hot loop.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from types import MappingProxyType

import httpx

from canonical import ConfigurationError

__all__ = [
    "DEFAULT_STATUS_ACTIONS",
    "IDEMPOTENT_METHODS",
    "RetryAction",
    "RetryPolicy",
    "parse_retry_after",
]


class RetryAction(StrEnum):
    """What to do with an error status: try again, or fail at once."""

    RETRY = "retry"
    FAIL = "fail"


DEFAULT_STATUS_ACTIONS: Mapping[int, RetryAction] = MappingProxyType(
    {status: RetryAction.RETRY for status in (429, 500, 502, 503, 504)}
)
"""Retry 429 and the transient 5xx; every other status of 400 and above is terminal."""

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
"""RFC 9110 idempotent methods: repeating one has the effect of sending it once."""

_NOT_ACTED_ON = frozenset({429, 503})
"""Statuses that say the vendor refused before acting: safe to repeat for any method."""

_REQUEST_NOT_SENT: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
_CONNECTION_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.NetworkError,
    httpx.RemoteProtocolError,
    httpx.ProxyError,
)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP-date.

    Returns None when the header is absent or unparseable; a value of 0 or a date in
    the past comes back as a number <= 0 (the policy then uses its own backoff).
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until(text, now)
    return seconds if math.isfinite(seconds) else None


def _seconds_until(http_date: str, now: datetime | None) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; "-0000" parses as naive
        when = when.replace(tzinfo=UTC)
    return (when - (now or datetime.now(UTC))).total_seconds()


def _default_statuses() -> Mapping[int, RetryAction]:
    return DEFAULT_STATUS_ACTIONS


@dataclass(frozen=True)
class RetryPolicy:
    """How a ``VendorHTTPClient`` retries. Immutable data; share one per adapter.

    ``max_attempts`` counts the first try (1 disables retries). Backoff before retry *n*
    (1-based) is ``min(backoff_cap, backoff_base * 2**(n-1))``, scaled by a uniform random
    factor in [0, 1) when ``jitter`` is on ("full jitter"), and never below ``min_wait``.
    """

    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    jitter: bool = True
    min_wait: float = 0.1
    retry_after_cap: float = 60.0
    statuses: Mapping[int, RetryAction] = field(default_factory=_default_statuses, hash=False)
    retry_timeouts: bool = True
    retry_connection_errors: bool = True
    retry_unsafe_methods: bool = False
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "statuses", MappingProxyType(dict(self.statuses)))
        problems = [
            "max_attempts must be >= 1" if self.max_attempts < 1 else "",
            "min_wait must be > 0 (a floor on every wait)" if not self.min_wait > 0 else "",
            "backoff_base must be >= 0" if self.backoff_base < 0 else "",
            "backoff_cap must be >= backoff_base" if self.backoff_cap < self.backoff_base else "",
            "retry_after_cap must be >= 0" if self.retry_after_cap < 0 else "",
        ]
        if wrong := "; ".join(p for p in problems if p):
            raise ConfigurationError(f"invalid RetryPolicy: {wrong}", hint="fix the arguments")

    def action_for(self, status: int) -> RetryAction:
        """The table's action for an error status (statuses not listed are terminal)."""
        return self.statuses.get(status, RetryAction.FAIL)

    def retries_status(
        self, method: str, status: int, retry_after: float | None, *, keyed: bool = False
    ) -> bool:
        """Should a response with this status be retried? ``keyed``: has an idempotency key."""
        if self.action_for(status) is not RetryAction.RETRY:
            return False
        if retry_after is not None and retry_after > self.retry_after_cap:
            return False
        return status in _NOT_ACTED_ON or self._may_repeat(method, keyed)

    def retries_exception(self, method: str, exc: BaseException, *, keyed: bool = False) -> bool:
        """Should this transport failure be retried? Anything not from httpx never is."""
        if isinstance(exc, httpx.TimeoutException):
            allowed = self.retry_timeouts
        elif isinstance(exc, _CONNECTION_ERRORS):
            allowed = self.retry_connection_errors
        else:
            return False
        return allowed and (isinstance(exc, _REQUEST_NOT_SENT) or self._may_repeat(method, keyed))

    def transport_retryable(self, exc: BaseException) -> bool:
        """Is this transport failure worth trying again later (the error's ``retryable``)?"""
        return isinstance(exc, (httpx.TimeoutException, *_CONNECTION_ERRORS))

    def backoff(self, retry_number: int) -> float:
        """The computed wait before retry ``retry_number`` (1 = the first retry)."""
        exponent = min(max(retry_number - 1, 0), 60)
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0**exponent)
        wait = ceiling * self.random() if self.jitter else ceiling
        return max(self.min_wait, wait)

    def wait(self, retry_number: int, retry_after: float | None = None) -> float:
        """Wait before a retry: a positive ``Retry-After`` (capped), else the backoff."""
        if retry_after is not None and retry_after > 0:
            return max(self.min_wait, min(retry_after, self.retry_after_cap))
        return self.backoff(retry_number)

    def _may_repeat(self, method: str, keyed: bool) -> bool:
        return self.retry_unsafe_methods or keyed or method.upper() in IDEMPOTENT_METHODS
