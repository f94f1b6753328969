"""The Canonry adapter contract, run against AcmeAdapter and the loopback fake.

This is all a plugin author writes to run the kit: subclass, set the samples, point
``make_adapter`` at the fake. Plain pytest collects the inherited tests.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from acme_fake import AcmeFake
from canonry_acme import AcmeAdapter

from plugins.testing import AdapterContractTests, AdapterFactory


class TestAcmeContract(AdapterContractTests):
    adapter_class = AcmeAdapter
    credentials_sample = {"api_key": AcmeFake.api_key}
    bad_credentials_sample = {"api_key": "acme_revoked_key_987654"}
    config_sample = {"base_url": "https://api.acme-billing.example/v1"}

    @pytest.fixture
    def make_adapter(self, make_acme: Callable[..., AcmeAdapter]) -> AdapterFactory:
        return make_acme
