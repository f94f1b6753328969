"""The plugin contract kit, run against the Stripe adapter and the loopback Stripe."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest

from adapters.stripe import StripeAdapter
from plugins.fakes import STRIPE_API_KEY as API_KEY
from plugins.fakes import StripeFake
from plugins.testing import AdapterContractTests, AdapterFactory


class TestStripeContract(AdapterContractTests):
    adapter_class = StripeAdapter
    credentials_sample = {"api_key": API_KEY}
    bad_credentials_sample = {"api_key": "sk_test_refused_by_the_fake_9999"}
    config_sample = {"api_base": "http://127.0.0.1:9", "page_size": 2}

    @pytest.fixture
    def make_adapter(self, fake: StripeFake) -> Iterator[AdapterFactory]:
        for n in range(5):
            customer = fake.create_customer(email=f"kit{n}@example.com")
            fake.create_invoice(customer["id"], lines=3)
        http = httpx.Client()

        def make(credentials: Mapping[str, Any] | None = None) -> StripeAdapter:
            config = {"api_base": fake.url, "page_size": 2, "max_network_retries": 0}
            return StripeAdapter(config, credentials or self.credentials_sample, http=http)

        yield make
        http.close()
