"""Fixtures for the Stripe adapter tests: the loopback fake and adapters bound to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from adapters.stripe import StripeAdapter
from canonical import Source
from plugins.fakes import STRIPE_API_KEY as API_KEY
from plugins.fakes import LoopbackHTTPServer, StripeFake

MakeAdapter = Callable[..., StripeAdapter]


@pytest.fixture(scope="session")
def loopback() -> Iterator[LoopbackHTTPServer]:
    with LoopbackHTTPServer() as server:
        yield server


@pytest.fixture
def fake(loopback: LoopbackHTTPServer) -> StripeFake:
    """A fresh Stripe account per test, served by the session's loopback server."""
    return StripeFake().start(loopback)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_adapter(fake: StripeFake, sleeps: list[float]) -> Iterator[MakeAdapter]:
    clients: list[httpx.Client] = []

    def make(
        api_key: str = API_KEY, clock: Callable[[], float] | None = None, **config: Any
    ) -> StripeAdapter:
        http = httpx.Client()
        clients.append(http)
        extra = {"clock": clock} if clock else {}
        return StripeAdapter(
            {"api_base": fake.url, **config},
            {"api_key": api_key},
            connection_id="conn_stripe",
            http=http,
            sleep=sleeps.append,
            **extra,
        )

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def source() -> Source:
    return Source(adapter="stripe", connection_id="conn_stripe")


def drain(
    adapter: StripeAdapter, stream: str, cursor: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None, list[str]]:
    """Every record of one run, the last cursor and all notes."""
    records: list[dict[str, Any]] = []
    notes: list[str] = []
    last = cursor
    for page in adapter.read(stream, cursor):
        records.extend(page.records)
        notes.extend(page.notes)
        last = page.cursor
    return records, last, notes
