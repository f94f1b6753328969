"""The plugin contract kit, run against the HubSpot adapter and the loopback HubSpot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from adapters import RateLimiter
from adapters.hubspot import HubSpotAdapter
from plugins.fakes import HUBSPOT_TOKEN as TOKEN
from plugins.fakes import HubSpotFake
from plugins.testing import AdapterContractTests, AdapterFactory


class TestHubSpotContract(AdapterContractTests):
    adapter_class = HubSpotAdapter
    credentials_sample = {"access_token": TOKEN}
    bad_credentials_sample = {"access_token": "pat-na1-refused-by-the-fake"}
    config_sample = {"base_url": "http://127.0.0.1:9", "page_size": 2}

    @pytest.fixture
    def make_adapter(self, fake: HubSpotFake) -> AdapterFactory:
        for n in range(5):
            contact = fake.create("contacts", {"email": f"kit{n}@example.com", "firstname": "Kit"})
            fake.create("companies", {"name": f"Kit {n} Ltd"})
            invoice = fake.create(
                "invoices",
                {"hs_currency": "EUR", "hs_invoice_status": "open", "hs_amount_billed": "9.50"},
            )
            fake.associate("invoices", invoice["id"], "contacts", contact["id"])

        def make(credentials: Mapping[str, Any] | None = None) -> HubSpotAdapter:
            return HubSpotAdapter(
                {"base_url": fake.url, "page_size": 2, "max_attempts": 1},
                credentials or self.credentials_sample,
                rate_limiter=RateLimiter(1000, 1000),
                search_rate_limiter=RateLimiter(1000, 1000),
            )

        return make
