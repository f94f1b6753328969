"""What every signature scheme shares: secrets, constant-time compare, timestamp windows."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence

from pydantic import SecretStr

from canonical import WebhookVerificationError

__all__ = ["Secrets", "any_match", "check_timestamp", "reveal"]

Secrets = Sequence[SecretStr | str]
"""The secrets a connection accepts; more than one while a secret is being rotated."""


def reveal(secrets: Secrets) -> list[str]:
    """The secrets' values, refusing an empty list (a connection must hold one)."""
    values = [s.get_secret_value() if isinstance(s, SecretStr) else s for s in secrets]
    values = [v for v in values if v]
    if not values:
        raise WebhookVerificationError(
            "no webhook secret is configured for this connection",
            reason="no_secret",
            hint="store the vendor's signing secret with `canonry credentials set`",
        )
    return values


def any_match(expected: Iterable[bytes], given: Iterable[bytes]) -> bool:
    """True when any given signature equals any expected one, compared in constant time."""
    given = list(given)
    found = False
    for want in expected:
        for got in given:
            # no short-circuit: every pair is compared, so timing tells nothing
            found |= hmac.compare_digest(want, got)
    return found


def check_timestamp(timestamp: float, *, now: float, tolerance: float) -> None:
    """Refuse a timestamp more than ``tolerance`` seconds in the past or the future."""
    if timestamp < now - tolerance:
        raise WebhookVerificationError(
            f"signature timestamp is {now - timestamp:.0f} s old (tolerance {tolerance:.0f} s)",
            reason="stale_timestamp",
            hint="a replayed or long-delayed delivery; check the sender's and this host's clocks",
        )
    if timestamp > now + tolerance:
        raise WebhookVerificationError(
            f"signature timestamp is {timestamp - now:.0f} s in the future "
            f"(tolerance {tolerance:.0f} s)",
            reason="future_timestamp",
            hint="check the sender's and this host's clocks",
        )
