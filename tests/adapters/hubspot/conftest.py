"""Fixtures for the HubSpot adapter tests: the loopback fake and adapters bound to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from adapters import RateLimiter
from adapters.hubspot import HubSpotAdapter
from canonical import Source
from plugins.fakes import HUBSPOT_TOKEN as TOKEN
from plugins.fakes import HubSpotFake, LoopbackHTTPServer

MakeAdapter = Callable[..., HubSpotAdapter]


@pytest.fixture(scope="session")
def loopback() -> Iterator[LoopbackHTTPServer]:
    with LoopbackHTTPServer() as server:
        yield server


@pytest.fixture
def fake(loopback: LoopbackHTTPServer) -> HubSpotFake:
    """A fresh HubSpot portal per test, served by the session's loopback server."""
    return HubSpotFake().start(loopback)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_adapter(fake: HubSpotFake, sleeps: list[float]) -> MakeAdapter:
    def make(
        token: str = TOKEN, limiter: RateLimiter | None = None, **config: Any
    ) -> HubSpotAdapter:
        generous = RateLimiter(1000, 1000, sleep=sleeps.append)
        return HubSpotAdapter(
            {"base_url": fake.url, **config},
            {"access_token": token},
            connection_id="conn_hubspot",
            sleep=sleeps.append,
            rate_limiter=limiter or generous,
            search_rate_limiter=RateLimiter(1000, 1000, sleep=sleeps.append),
        )

    return make


@pytest.fixture
def source() -> Source:
    return Source(adapter="hubspot", connection_id="conn_hubspot")


def drain(
    adapter: HubSpotAdapter, stream: str, cursor: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Every record of one run and the last cursor."""
    records: list[dict[str, Any]] = []
    last = cursor
    for page in adapter.read(stream, cursor):
        records.extend(page.records)
        last = page.cursor
    return records, last
