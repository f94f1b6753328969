"""The HubSpot adapter under every HubSpot scenario of the replication kit, for many
seeds: 0 lost, 0 stale, 0 missed deletions, 0 incomplete invoices."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters import RateLimiter
from adapters.hubspot import HubSpotAdapter
from plugins.fakes import HUBSPOT_TOKEN, LoopbackHTTPServer
from plugins.testing import (
    HUBSPOT_SCENARIOS,
    ContractViolation,
    HubSpotEqualTimestamps,
    HubSpotLateIndex,
    HubSpotMutator,
    check_replication,
)
from tests.replication.conftest import hubspot_factory, hubspot_fake

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
STREAMS = ["contacts", "companies", "invoices"]


def _run(
    loopback: LoopbackHTTPServer, scenario: type[HubSpotMutator], stream: str, seed: int
) -> None:
    fake = hubspot_fake(loopback)
    check_replication(hubspot_factory(fake), stream, scenario(fake, stream), seed=seed)


@pytest.mark.parametrize("stream", STREAMS)
@pytest.mark.parametrize("scenario", HUBSPOT_SCENARIOS, ids=lambda s: s.__name__)
@given(seed=SEEDS)
@settings(max_examples=1, deadline=None, database=None, derandomize=True)
def test_hubspot_scenario(
    loopback: LoopbackHTTPServer, scenario: type[HubSpotMutator], stream: str, seed: int
) -> None:
    _run(loopback, scenario, stream, seed)


@pytest.mark.slow
@pytest.mark.parametrize("stream", STREAMS)
@pytest.mark.parametrize("scenario", HUBSPOT_SCENARIOS, ids=lambda s: s.__name__)
@given(seed=SEEDS)
@settings(max_examples=12, deadline=None, database=None, derandomize=True)
def test_hubspot_scenario_many_seeds(
    loopback: LoopbackHTTPServer, scenario: type[HubSpotMutator], stream: str, seed: int
) -> None:
    _run(loopback, scenario, stream, seed)


@pytest.mark.parametrize("scenario", [HubSpotLateIndex, HubSpotEqualTimestamps])
def test_without_the_search_lookback_the_kit_finds_lost_records(
    loopback: LoopbackHTTPServer, scenario: type[HubSpotMutator]
) -> None:
    """Issue 13, item 8: the lookback is what saves late-indexed and tied records."""
    fake = hubspot_fake(loopback)

    def no_lookback() -> HubSpotAdapter:
        def limiter() -> RateLimiter:
            return RateLimiter(1000, 1000, sleep=lambda _seconds: None)

        config = {"base_url": fake.url, "page_size": 3, "search_lookback_seconds": 0}
        return HubSpotAdapter(config, {"access_token": HUBSPOT_TOKEN}, sleep=lambda _s: None,
                              rate_limiter=limiter(), search_rate_limiter=limiter())  # fmt: skip

    with pytest.raises(ContractViolation, match=r"lost \(live at the vendor"):
        check_replication(no_lookback, "contacts", scenario(fake, "contacts"), seed=0)
