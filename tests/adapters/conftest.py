"""Fixtures for the adapter contract and HTTP toolkit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters import RetryPolicy, VendorHTTPClient
from plugins.fakes import LoopbackHTTPServer

BEARER_TOKEN = "tok_SECRET_abcdef123456"


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


@pytest.fixture
def bearer_token() -> str:
    """A credential the loopback client sends; tests assert it never leaks."""
    return BEARER_TOKEN


@pytest.fixture
def loopback_client(
    http_server: LoopbackHTTPServer, sleeps: list[float]
) -> Iterator[VendorHTTPClient]:
    """A client on ``<server>/v1`` with a bearer token, 3 attempts, backoff 0.5 s, 1 s, ..."""
    with VendorHTTPClient(
        http_server.url + "/v1",
        headers={"Authorization": f"Bearer {BEARER_TOKEN}", "Accept": "application/json"},
        retry=RetryPolicy(max_attempts=3, backoff_base=0.5, jitter=False),
        sleep=sleeps.append,
        timeout=5.0,
    ) as client:
        yield client
