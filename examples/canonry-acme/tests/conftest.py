"""Fixtures for the Acme adapter's tests: the loopback fake and adapters pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from acme_fake import AcmeFake, make_customers, make_invoices, serve_acme
from canonry_acme import AcmeAdapter

PAGE_SIZE = 2


@pytest.fixture
def acme() -> Iterator[AcmeFake]:
    """A running fake with 5 customers and 5 invoices (3 pages each at PAGE_SIZE)."""
    with serve_acme(AcmeFake(customers=make_customers(5), invoices=make_invoices(5))) as fake:
        yield fake


@pytest.fixture
def make_acme(acme: AcmeFake) -> Callable[..., AcmeAdapter]:
    """Build an ``AcmeAdapter`` pointed at the fake (its key unless ``credentials`` given)."""

    def make(credentials: Mapping[str, Any] | None = None, **config: Any) -> AcmeAdapter:
        settings = {"base_url": acme.url, "page_size": PAGE_SIZE, "requests_per_second": 1000}
        return AcmeAdapter(
            {**settings, **config},
            credentials if credentials is not None else {"api_key": acme.api_key},
            connection_id="conn_test",
        )

    return make
