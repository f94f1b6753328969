"""When the Vault token needs renewing: its lease, as Vault reported it, on an injected clock.

Vault reports a token's remaining lifetime in seconds (``lease_duration`` from a login or a
renewal, ``ttl`` from ``lookup-self``); ``0`` means it never expires (root tokens, tokens
with no TTL). The client renews once less than a third of the lease is left (Vault Agent
renews at two thirds of the lease too). A renewal Vault caps below the increment asked for
means the token is close to its maximum TTL: AppRole then logs in again instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Clock", "TokenLease"]

Clock = Callable[[], float]
"""Seconds on a monotonic clock (``time.monotonic``; tests pass their own)."""

_RENEW_FRACTION = 1 / 3


@dataclass(frozen=True)
class TokenLease:
    """A token's lease: ``duration`` seconds from ``start`` (0: never expires)."""

    start: float
    duration: float
    renewable: bool
    capped: bool = False
    """The last renewal gave less than was asked for: the token is near its max TTL."""

    @classmethod
    def from_auth(cls, auth: Mapping[str, Any], now: float, *, asked: float = 0) -> TokenLease:
        """From the ``auth`` block of a login or renewal answer."""
        duration = float(auth.get("lease_duration") or 0)
        renewable = bool(auth.get("renewable"))
        return cls(now, duration, renewable, capped=bool(asked) and 0 < duration < asked)

    @classmethod
    def from_lookup(cls, data: Mapping[str, Any], now: float) -> TokenLease:
        """From the ``data`` of ``auth/token/lookup-self`` (``ttl`` is what remains)."""
        return cls(now, float(data.get("ttl") or 0), bool(data.get("renewable")))

    @property
    def expires(self) -> bool:
        return self.duration > 0

    def remaining(self, now: float) -> float:
        return self.start + self.duration - now

    def due(self, now: float, lease: float) -> bool:
        """True once less than a third of ``lease`` (the full lease first granted) is left."""
        return self.expires and self.remaining(now) <= lease * _RENEW_FRACTION

    def expired(self, now: float) -> bool:
        return self.expires and self.remaining(now) <= 0
