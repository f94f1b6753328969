"""The Adapter contract: a small concrete adapter, validation, streams, webhooks, checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ConfigDict, Field, SecretStr

import canonical
from adapters import (
    ADAPTER_API_VERSION,
    Adapter,
    Capability,
    CheckResult,
    Cursor,
    Page,
    StreamSpec,
)
from canonical import (
    AuthenticationError,
    ConfigurationError,
    RateLimitError,
    ValidationFailed,
)

SECRET = "sk_live_TOPSECRET_4242"


class ToyConfig(BaseModel):
    base_url: str = "https://api.toy.test"
    page_size: int = Field(default=2, ge=1, le=100)


class ToyCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_key: SecretStr = Field(min_length=20)


class ToyAdapter(Adapter):
    key = "toy"
    display_name = "Toy CRM"
    version = "1.2.3"
    capabilities = frozenset({Capability.FULL_SYNC, Capability.INCREMENTAL_SYNC})
    config_model = ToyConfig
    credentials_model = ToyCredentials
    streams = (
        StreamSpec("customers", "Customer", "people and companies"),
        StreamSpec("invoices", "Invoice"),
        StreamSpec("events", "Event"),
        StreamSpec("widgets", "Widget"),
    )

    DATA: tuple[dict[str, Any], ...] = ({"id": "c1"}, {"id": "c2"}, {"id": "c3"})

    def check(self) -> CheckResult:
        if self.credentials.api_key.get_secret_value().startswith("sk_revoked"):
            return CheckResult.from_error(
                AuthenticationError("GET /me failed: HTTP 401", status=401, request_id="req_1")
            )
        return CheckResult.success("connected", account="acct_1")

    def read(self, stream: str, cursor: Cursor | None = None) -> Iterator[Page]:
        self.stream(stream)
        start = int((cursor or {}).get("offset", 0))
        size = self.config.page_size
        for offset in range(start, len(self.DATA), size):
            end = offset + size
            records = [dict(r) for r in self.DATA[offset:end]]
            yield Page(records, {"offset": end} if end < len(self.DATA) else None)


def make(**credentials: Any) -> ToyAdapter:
    return ToyAdapter({"page_size": 2}, {"api_key": SECRET, **credentials}, connection_id="c_1")


def test_concrete_adapter_reads_pages_and_resumes_from_a_cursor() -> None:
    adapter = make()
    pages = list(adapter.read("customers"))
    assert [[r["id"] for r in p.records] for p in pages] == [["c1", "c2"], ["c3"]]
    assert pages[0].cursor == {"offset": 2}
    assert pages[-1].cursor is None
    resumed = list(adapter.read("customers", pages[0].cursor))
    assert [r["id"] for p in resumed for r in p.records] == ["c3"]


def test_config_and_credentials_are_validated_into_their_models() -> None:
    adapter = make()
    assert isinstance(adapter.config, ToyConfig)
    assert adapter.config.page_size == 2
    assert isinstance(adapter.credentials.api_key, SecretStr)
    assert adapter.credentials.api_key.get_secret_value() == SECRET
    assert adapter.connection_id == "c_1"


def test_model_instances_are_accepted_as_they_are() -> None:
    creds = ToyCredentials(api_key=SecretStr(SECRET))
    adapter = ToyAdapter(ToyConfig(page_size=5), creds)
    assert adapter.credentials is creds
    assert adapter.config.page_size == 5


def test_another_model_with_secret_fields_is_converted_without_losing_the_secret() -> None:
    class Stored(BaseModel):
        api_key: SecretStr

    adapter = ToyAdapter(None, Stored(api_key=SecretStr(SECRET)))
    assert adapter.credentials.api_key.get_secret_value() == SECRET


def test_invalid_credentials_raise_validation_failed_without_the_secret() -> None:
    short_secret = "sk_short_SECRET"  # fails min_length, pydantic would echo it
    with pytest.raises(ValidationFailed) as caught:
        ToyAdapter(None, {"api_key": short_secret, "extra_token": SECRET})
    error = caught.value
    rendered = " ".join([str(error), repr(error), repr(error.errors), str(error.hint)])
    assert short_secret not in rendered
    assert SECRET not in rendered
    assert "api_key" in str(error)
    assert "extra_token" in str(error)
    assert {tuple(e["loc"]) for e in error.errors} == {("api_key",), ("extra_token",)}
    assert all("input" not in e for e in error.errors)


def test_validation_failure_does_not_chain_pydantic_error_holding_inputs() -> None:
    with pytest.raises(ValidationFailed) as caught:
        ToyAdapter(None, {"api_key": 12345678901234567890123})
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


def test_invalid_config_raises_validation_failed_naming_the_field() -> None:
    with pytest.raises(ValidationFailed, match=r"config \(ToyConfig\): page_size"):
        ToyAdapter({"page_size": 0}, {"api_key": SECRET})


def test_non_mapping_input_is_a_validation_failure_not_a_type_error() -> None:
    with pytest.raises(ValidationFailed, match="expected a mapping"):
        ToyAdapter(None, SECRET)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as caught:
        ToyAdapter(None, [("api_key", SECRET)])  # type: ignore[arg-type]
    assert SECRET not in str(caught.value)


def test_repr_and_str_hold_no_secret() -> None:
    adapter = make()
    assert repr(adapter) == "<ToyAdapter key='toy' connection='c_1'>"
    for text in (repr(adapter), str(adapter), repr(adapter.credentials), str(vars(adapter))):
        assert SECRET not in text


def test_adapter_without_config_or_credentials_models_takes_nothing() -> None:
    class Bare(Adapter):
        key = "bare"
        display_name = "Bare"

        def check(self) -> CheckResult:
            return CheckResult.success()

        def read(self, stream: str, cursor: Cursor | None = None) -> Iterator[Page]:
            yield from ()

    assert Bare().check().ok
    with pytest.raises(ValidationFailed, match="surprise"):
        Bare({"surprise": 1})


def test_adapter_is_abstract_until_check_and_read_exist() -> None:
    class Half(Adapter):
        key = "half"
        display_name = "Half"

        def check(self) -> CheckResult:
            return CheckResult.success()

    with pytest.raises(TypeError, match="read"):
        Half()  # type: ignore[abstract]


def test_unknown_stream_error_lists_the_known_streams() -> None:
    adapter = make()
    with pytest.raises(ConfigurationError) as caught:
        list(adapter.read("contacts"))
    text = str(caught.value)
    assert "'contacts'" in text
    assert "customers, invoices, events, widgets" in text


def test_stream_returns_the_declared_spec() -> None:
    spec = make().stream("customers")
    assert spec == StreamSpec("customers", "Customer", "people and companies")


def test_model_for_resolves_the_canonical_model_of_a_stream() -> None:
    adapter = make()
    assert adapter.model_for("customers") is canonical.Customer
    assert adapter.model_for("invoices") is canonical.Invoice
    assert adapter.model_for("events") is canonical.Event


def test_model_for_refuses_a_name_that_is_not_a_canonical_model() -> None:
    with pytest.raises(ConfigurationError, match=r"'Widget'.*not a canonical model"):
        make().model_for("widgets")
    with pytest.raises(ConfigurationError, match="known streams"):
        make().model_for("nope")


def test_supports_reads_the_declared_capabilities() -> None:
    adapter = make()
    assert adapter.supports(Capability.INCREMENTAL_SYNC)
    assert not adapter.supports(Capability.WEBHOOKS)


def test_check_result_from_error_carries_the_error_data_not_raising() -> None:
    result = make(api_key="sk_revoked_0000000000000").check()
    assert result.ok is False
    assert result.message == "GET /me failed: HTTP 401"
    assert result.details == {
        "error": "AuthenticationError",
        "retryable": False,
        "status": 401,
        "request_id": "req_1",
    }


def test_check_result_helpers() -> None:
    assert make().check() == CheckResult(True, "connected", {"account": "acct_1"})
    failed = CheckResult.failure("no route", host="api.toy.test")
    assert (failed.ok, failed.details) == (False, {"host": "api.toy.test"})
    limited = CheckResult.from_error(RateLimitError("slow down", retry_after=3.0, status=429))
    assert limited.details == {
        "error": "RateLimitError",
        "retryable": True,
        "status": 429,
        "retry_after": 3.0,
    }


def test_sample_records_default_is_empty() -> None:
    assert make().sample_records("customers") == []


def test_context_manager_calls_close_and_leaves_the_injected_client_open() -> None:
    closed: list[str] = []

    class Closing(ToyAdapter):
        def close(self) -> None:
            closed.append(self.connection_id)

    http = httpx.Client()
    try:
        with Closing(None, {"api_key": SECRET}, connection_id="c_9", http=http) as adapter:
            assert adapter.http is http
        assert closed == ["c_9"]
        assert not http.is_closed
    finally:
        http.close()


def test_api_version_is_major_minor_and_the_default() -> None:
    major, minor = ADAPTER_API_VERSION.split(".")
    assert major.isdigit()
    assert minor.isdigit()
    assert ToyAdapter.api_version == ADAPTER_API_VERSION


def test_the_contract_names_stay_importable_from_the_private_module() -> None:
    from adapters import _contract

    for name in ("Adapter", "Page", "Cursor", "StreamSpec", "CheckResult", "Capability"):
        assert getattr(_contract, name) is not None
    assert _contract.ADAPTER_API_VERSION == ADAPTER_API_VERSION
