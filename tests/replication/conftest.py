"""Fixtures for the replication kit's runs: one loopback server and HTTP client per session,
fakes with a fixed clock (the same seed replays the same run)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from adapters import RateLimiter
from adapters.hubspot import HubSpotAdapter
from adapters.stripe import StripeAdapter
from plugins.fakes import HUBSPOT_TOKEN, STRIPE_API_KEY, HubSpotFake, LoopbackHTTPServer, StripeFake

START = 1_800_000_000
"""The fakes' clock at the start of every run (seconds since the epoch)."""


@pytest.fixture(scope="session")
def loopback() -> Iterator[LoopbackHTTPServer]:
    with LoopbackHTTPServer() as server:
        yield server


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def stripe_fake(loopback: LoopbackHTTPServer) -> StripeFake:
    """A fresh Stripe account on the session's server, its clock fixed."""
    fake = StripeFake().start(loopback)
    fake.clock = START
    return fake


def stripe_factory(
    fake: StripeFake, http: httpx.Client, cls: type[StripeAdapter] = StripeAdapter
) -> Callable[[], StripeAdapter]:
    """Adapters that read the fake's clock (as the real one reads Stripe's time) and do
    not really sleep when told to retry."""

    def make() -> StripeAdapter:
        config = {"api_base": fake.url, "page_size": 3}
        return cls(
            config, {"api_key": STRIPE_API_KEY}, http=http, clock=lambda: fake.clock,
            sleep=lambda _seconds: None, connection_id="conn_kit",
        )  # fmt: skip

    return make


def hubspot_fake(loopback: LoopbackHTTPServer) -> HubSpotFake:
    """A fresh HubSpot portal on the session's server, its clock fixed."""
    fake = HubSpotFake().start(loopback)
    fake.now_ms = START * 1000
    return fake


def hubspot_factory(fake: HubSpotFake) -> Callable[[], HubSpotAdapter]:
    """Adapters with generous rate limiters that do not really sleep."""

    def make() -> HubSpotAdapter:
        def limiter() -> RateLimiter:
            return RateLimiter(1000, 1000, sleep=lambda _seconds: None)

        return HubSpotAdapter(
            {"base_url": fake.url, "page_size": 3}, {"access_token": HUBSPOT_TOKEN},
            connection_id="conn_kit", sleep=lambda _seconds: None,
            rate_limiter=limiter(), search_rate_limiter=limiter(),
        )  # fmt: skip

    return make
