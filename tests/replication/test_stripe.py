"""The Stripe adapter under every Stripe scenario of the replication kit, for many seeds:
0 lost, 0 stale, 0 missed deletions, 0 incomplete invoices."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.fakes import LoopbackHTTPServer
from plugins.testing import STRIPE_SCENARIOS, StripeMutator, check_replication
from tests.replication.conftest import stripe_factory, stripe_fake

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
STREAMS = ["customers", "invoices"]


def _run(
    loopback: LoopbackHTTPServer,
    http: httpx.Client,
    scenario: type[StripeMutator],
    stream: str,
    seed: int,
) -> None:
    fake = stripe_fake(loopback)
    check_replication(stripe_factory(fake, http), stream, scenario(fake, stream), seed=seed)


@pytest.mark.parametrize("stream", STREAMS)
@pytest.mark.parametrize("scenario", STRIPE_SCENARIOS, ids=lambda s: s.__name__)
@given(seed=SEEDS)
@settings(max_examples=2, deadline=None, database=None, derandomize=True)
def test_stripe_scenario(
    loopback: LoopbackHTTPServer,
    http: httpx.Client,
    scenario: type[StripeMutator],
    stream: str,
    seed: int,
) -> None:
    _run(loopback, http, scenario, stream, seed)


@pytest.mark.slow
@pytest.mark.parametrize("stream", STREAMS)
@pytest.mark.parametrize("scenario", STRIPE_SCENARIOS, ids=lambda s: s.__name__)
@given(seed=SEEDS)
@settings(max_examples=20, deadline=None, database=None, derandomize=True)
def test_stripe_scenario_many_seeds(
    loopback: LoopbackHTTPServer,
    http: httpx.Client,
    scenario: type[StripeMutator],
    stream: str,
    seed: int,
) -> None:
    _run(loopback, http, scenario, stream, seed)
