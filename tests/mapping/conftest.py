"""Fixtures for the mapping tests: the Stripe default mappings and a connection source."""

from __future__ import annotations

from pathlib import Path

import pytest

from canonical import Source
from mapping import Mapping

STRIPE_MAPPINGS = Path(__file__).resolve().parents[2] / "adapters" / "stripe" / "mappings"


@pytest.fixture
def source() -> Source:
    return Source(adapter="stripe", connection_id="conn_test")


@pytest.fixture(scope="session")
def customers_mapping() -> Mapping:
    return Mapping.load(STRIPE_MAPPINGS / "customers.yaml")


@pytest.fixture(scope="session")
def invoices_mapping() -> Mapping:
    return Mapping.load(STRIPE_MAPPINGS / "invoices.yaml")
