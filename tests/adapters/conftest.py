"""Fixtures for the adapter contract and HTTP toolkit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.http_server import LoopbackHTTPServer


@pytest.fixture
def http_server() -> Iterator[LoopbackHTTPServer]:
    """A loopback HTTP server, closed after the test."""
    server = LoopbackHTTPServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def sleeps() -> list[float]:
    """Collects the waits a client asks for; pass ``sleeps.append`` as its ``sleep``."""
    return []
