"""``AdapterContractTests``: the contract test kit as a pytest base class.

Subclass it in your plugin's test suite (the class name must start with ``Test``), set
the class attributes and override the ``make_adapter`` fixture so it builds your adapter
pointed at your fake vendor. Plain pytest collects the inherited tests; no plugin or
conftest is needed. Per-stream tests are parametrised over ``adapter_class.streams``::

    from plugins.testing import AdapterContractTests

    class TestAcmeContract(AdapterContractTests):
        adapter_class = AcmeAdapter
        credentials_sample = {"api_key": "key-the-fake-accepts"}
        bad_credentials_sample = {"api_key": "key-the-fake-refuses"}

        @pytest.fixture
        def make_adapter(self, acme_fake):
            def make(credentials=None):
                return AcmeAdapter(
                    {"base_url": acme_fake.url, "page_size": 2},
                    credentials or self.credentials_sample,
                )
            return make
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping
from typing import Any, ClassVar, Protocol

import pytest

from adapters import Adapter
from plugins.testing._mappings import check_default_mapping
from plugins.testing._static import (
    assert_no_secret_in,
    check_declaration,
    check_models,
    check_no_secret_leaks,
)
from plugins.testing._streams import (
    check_check_ok,
    check_check_refused,
    check_paging,
    check_resume,
    check_unknown_stream,
    default_record_id,
    read_pages,
)

__all__ = ["AdapterContractTests", "AdapterFactory"]


class AdapterFactory(Protocol):
    """Builds a fresh adapter pointed at the fake; ``credentials`` replaces the sample."""

    def __call__(self, credentials: Mapping[str, Any] | None = None) -> Adapter: ...


class AdapterContractTests:
    """Inherit to run the adapter contract against your adapter and your fake vendor.

    Set ``adapter_class`` and ``credentials_sample`` (values the fake accepts); optionally
    ``config_sample``, ``bad_credentials_sample`` (values the fake refuses; enables the
    refused-``check()`` test) and ``min_pages`` (2 by default, or a dict per stream: seed
    the fake with more records than one page holds, so resuming is tested). Override
    ``record_id`` when your records are not identified by ``record["id"]``.
    """

    adapter_class: ClassVar[type[Adapter]]
    credentials_sample: ClassVar[Mapping[str, Any]] = {}
    config_sample: ClassVar[Mapping[str, Any] | None] = None
    bad_credentials_sample: ClassVar[Mapping[str, Any] | None] = None
    min_pages: ClassVar[int | Mapping[str, int]] = 2

    # -- what authors override ------------------------------------------------------------

    @pytest.fixture
    def make_adapter(self) -> AdapterFactory:
        """Override to point the adapter at your fake (e.g. take your server fixture)."""
        cls, config, sample = self._adapter_class(), self.config_sample, self.credentials_sample

        def make(credentials: Mapping[str, Any] | None = None) -> Adapter:
            return cls(config, credentials if credentials is not None else sample)

        return make

    def record_id(self, stream: str, record: dict[str, Any]) -> Hashable:
        """What tells two records of ``stream`` apart (``record["id"]`` by default)."""
        return default_record_id(record)

    # -- collection -----------------------------------------------------------------------

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "contract_stream" in metafunc.fixturenames:
            streams = [spec.name for spec in self._adapter_class().streams]
            metafunc.parametrize("contract_stream", streams)

    # -- the contract ---------------------------------------------------------------------

    def test_declaration(self) -> None:
        check_declaration(self._adapter_class())

    def test_config_and_credentials_models(self) -> None:
        check_models(
            self._adapter_class(),
            credentials_sample=self.credentials_sample,
            config_sample=self.config_sample,
        )

    def test_reprs_leak_no_secret(self, make_adapter: AdapterFactory) -> None:
        check_no_secret_leaks(make_adapter(), self._secrets())

    def test_check_ok(self, make_adapter: AdapterFactory, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG)
        check_check_ok(make_adapter())
        assert_no_secret_in({"the logs": caplog.text}, self._secrets())

    def test_check_refuses_bad_credentials(
        self, make_adapter: AdapterFactory, caplog: pytest.LogCaptureFixture
    ) -> None:
        if self.bad_credentials_sample is None:
            pytest.skip("set bad_credentials_sample (credentials the fake refuses) to run this")
        caplog.set_level(logging.DEBUG)
        check_check_refused(make_adapter(self.bad_credentials_sample), self._secrets())
        assert_no_secret_in({"the logs": caplog.text}, self._secrets())

    def test_unknown_stream_is_a_clear_error(self, make_adapter: AdapterFactory) -> None:
        check_unknown_stream(make_adapter())

    def test_stream_pages(
        self,
        make_adapter: AdapterFactory,
        contract_stream: str,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.DEBUG)
        check_paging(
            make_adapter(),
            contract_stream,
            min_pages=self._min_pages(contract_stream),
            record_id=lambda record: self.record_id(contract_stream, record),
        )
        assert_no_secret_in({"the logs": caplog.text}, self._secrets())

    def test_resume_from_cursor(self, make_adapter: AdapterFactory, contract_stream: str) -> None:
        check_resume(
            make_adapter,
            contract_stream,
            record_id=lambda record: self.record_id(contract_stream, record),
        )

    def test_default_mapping_on_sample_records(
        self, make_adapter: AdapterFactory, contract_stream: str
    ) -> None:
        adapter = make_adapter()
        samples = adapter.sample_records(contract_stream)
        check_default_mapping(adapter, contract_stream, samples, what="sample_records")

    def test_default_mapping_on_read_records(
        self, make_adapter: AdapterFactory, contract_stream: str
    ) -> None:
        adapter = make_adapter()
        records = [r for page in read_pages(adapter, contract_stream) for r in page.records]
        check_default_mapping(adapter, contract_stream, records, what="records read")

    # -- helpers --------------------------------------------------------------------------

    def _adapter_class(self) -> type[Adapter]:
        cls = getattr(self, "adapter_class", None)
        if not (isinstance(cls, type) and issubclass(cls, Adapter)):
            raise TypeError(
                f"{type(self).__name__} must set `adapter_class = YourAdapter` "
                "(a subclass of adapters.Adapter)"
            )
        return cls

    def _min_pages(self, stream: str) -> int:
        if isinstance(self.min_pages, int):
            return self.min_pages
        return self.min_pages.get(stream, 2)

    def _secrets(self) -> list[str]:
        samples = [self.credentials_sample, self.bad_credentials_sample or {}]
        return [v for sample in samples for v in sample.values() if isinstance(v, str)]
