"""Faults a real Vault will not produce on request, injected with the loopback fake: 5xx and
429 answers, a stalled answer past the client's timeout, a dropped connection, a seal.
Transient faults are retryable; none leaks the token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from canonical import VaultUnavailableError
from tests.fakes.vault_server import ROOT_TOKEN, FakeVault
from vault import HashiCorpStore, VaultSettings


@pytest.fixture
def fake() -> Iterator[FakeVault]:
    with FakeVault() as vault:
        yield vault


@pytest.fixture
def store(fake: FakeVault) -> HashiCorpStore:
    settings = VaultSettings(addr=fake.url, token=SecretStr(ROOT_TOKEN), timeout=10.0)
    store = HashiCorpStore(settings)
    store.put("acme", "c", {"k": "v"})  # the first call also looks the token up
    return store


@pytest.mark.parametrize(
    ("status", "errors"),
    [(500, ("internal error",)), (502, ("bad gateway",)), (503, ("Vault is sealed",)),
     (429, ("request rate limit exceeded",))],
)  # fmt: skip
def test_server_faults_are_retryable_and_then_it_works(
    fake: FakeVault, store: HashiCorpStore, status: int, errors: tuple[str, ...]
) -> None:
    fake.fail_next(status, *errors)
    with pytest.raises(VaultUnavailableError) as info:
        store.get("acme", "c")
    assert info.value.retryable
    assert ROOT_TOKEN not in str(info.value)
    assert store.get("acme", "c")["k"].get_secret_value() == "v"


def test_an_answer_stalled_past_the_timeout_is_retryable(fake: FakeVault) -> None:
    impatient = HashiCorpStore(VaultSettings(addr=fake.url, token=SecretStr(ROOT_TOKEN), timeout=1))
    impatient.put("acme", "c", {"k": "v"})
    fake.stall_next(60.0)  # released by the fixture's stop() at the latest
    with pytest.raises(VaultUnavailableError, match="VAULT_ADDR") as info:
        impatient.get("acme", "c")
    assert info.value.retryable


def test_a_dropped_connection_is_retryable(fake: FakeVault, store: HashiCorpStore) -> None:
    fake.drop_next(times=5)  # requests' pool may retry a dropped keep-alive connection once
    with pytest.raises(VaultUnavailableError) as info:
        store.get("acme", "c")
    assert info.value.retryable


def test_a_sealed_fake_answers_503_until_unsealed(fake: FakeVault, store: HashiCorpStore) -> None:
    fake.sealed = True
    with pytest.raises(VaultUnavailableError, match="sealed"):
        store.get("acme", "c")
    fake.sealed = False
    assert store.get("acme", "c")["k"].get_secret_value() == "v"
