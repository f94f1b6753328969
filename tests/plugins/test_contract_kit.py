"""The contract kit's checks, called directly: a healthy adapter passes, broken ones are caught."""

from __future__ import annotations

import pytest

from adapters import Adapter
from plugins.testing import (
    ContractViolation,
    check_check_ok,
    check_check_refused,
    check_declaration,
    check_default_mapping,
    check_models,
    check_no_secret_leaks,
    check_paging,
    check_resume,
    check_unknown_stream,
    unprotected_secret_fields,
)
from tests.plugins import memory_adapter as mem

GOOD = {"api_key": mem.GOOD_KEY}
BAD = {"api_key": "mem_wrong_key_999"}


def make(cls: type[Adapter], credentials: dict[str, str] | None = None) -> Adapter:
    return cls({}, credentials or GOOD)


def test_a_healthy_adapter_passes_every_check() -> None:
    adapter = make(mem.MemoryAdapter)

    check_declaration(mem.MemoryAdapter)
    check_models(mem.MemoryAdapter, credentials_sample=GOOD, config_sample={"page_size": 3})
    check_no_secret_leaks(adapter, [mem.GOOD_KEY])
    assert check_check_ok(adapter).ok
    assert not check_check_refused(make(mem.MemoryAdapter, BAD), [BAD["api_key"]]).ok
    check_unknown_stream(adapter)
    assert len(check_paging(adapter, "customers")) == 3
    check_resume(lambda: make(mem.MemoryAdapter), "customers")
    mapped = check_default_mapping(adapter, "customers", mem.RECORDS, what="records")
    assert [c.remote_id for c in mapped] == ["m1", "m2", "m3", "m4", "m5"]


def test_a_record_duplicated_on_resume_is_caught() -> None:
    with pytest.raises(ContractViolation, match=r"page-1 records again \(duplicates\).*'m2'"):
        check_resume(lambda: make(mem.DuplicatesOnResume), "customers")


def test_a_record_skipped_on_resume_is_caught() -> None:
    with pytest.raises(ContractViolation, match=r"skipped records \(a gap\).*'m3'"):
        check_resume(lambda: make(mem.SkipsOnResume), "customers")


def test_a_page_without_cursor_before_the_end_is_caught() -> None:
    with pytest.raises(ContractViolation, match=r"page 1 of 3 .* has no cursor"):
        check_paging(make(mem.LosesCursorMidway), "customers")


def test_a_cursor_that_is_not_json_is_caught() -> None:
    with pytest.raises(ContractViolation, match="not JSON-serialisable"):
        check_paging(make(mem.DatetimeCursor), "customers")


def test_too_few_pages_says_how_to_seed_the_fake() -> None:
    with pytest.raises(ContractViolation, match=r"yielded 1 page.*seed the fake"):
        check_paging(mem.MemoryAdapter({"page_size": 50}, GOOD), "customers")


def test_check_raising_for_bad_credentials_is_caught() -> None:
    with pytest.raises(ContractViolation, match="raised AuthenticationError for bad credentials"):
        check_check_refused(make(mem.CheckRaises, BAD))


def test_check_reporting_ok_for_bad_credentials_is_caught() -> None:
    with pytest.raises(ContractViolation, match="reported ok"):
        check_check_refused(make(mem.MemoryAdapter, GOOD))


def test_a_secret_in_the_repr_is_caught() -> None:
    with pytest.raises(ContractViolation, match=r"repr\(adapter\)"):
        check_no_secret_leaks(make(mem.LeakyRepr), [mem.GOOD_KEY])


def test_a_secret_field_that_is_not_secretstr_is_caught() -> None:
    assert unprotected_secret_fields(mem.PlainCredentials) == ["api_key"]
    with pytest.raises(ContractViolation, match="api_key look secret but are not SecretStr"):
        check_models(mem.PlainSecret, credentials_sample=GOOD)


def test_samples_that_do_not_validate_are_caught() -> None:
    with pytest.raises(ContractViolation, match="credentials_sample does not validate"):
        check_models(mem.MemoryAdapter, credentials_sample={"token": "x"})


def test_a_record_the_default_mapping_cannot_map_names_the_rule() -> None:
    adapter = make(mem.BadSamples)
    with pytest.raises(ContractViolation, match=r"record 'm9' does not map.*rule 'email'"):
        check_default_mapping(adapter, "customers", adapter.sample_records("customers"), what="s")


def test_missing_samples_and_missing_mapping_files_are_caught() -> None:
    with pytest.raises(ContractViolation, match="override sample_records"):
        check_default_mapping(make(mem.NoSamples), "customers", [], what="sample_records")
    with pytest.raises(ContractViolation, match=r"does not load.*mappings/customers.yaml"):
        check_default_mapping(make(mem.NoMapping), "customers", mem.RECORDS, what="records")


def test_an_unknown_stream_read_silently_is_caught() -> None:
    with pytest.raises(ContractViolation, match="did not raise"):
        check_unknown_stream(make(mem.SilentOnUnknownStream))


def test_a_declaration_discovery_would_skip_is_caught() -> None:
    class TwoPointOh(mem.MemoryAdapter):
        api_version = "2.0"

    with pytest.raises(ContractViolation, match=r"incompatible.*targets adapter API 2.0"):
        check_declaration(TwoPointOh)
