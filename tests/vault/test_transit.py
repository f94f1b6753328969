"""TransitKeyWrapper with the real hvac client against a real OpenBao server's Transit engine."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
from sqlalchemy.engine import Engine

from canonical import ConfigurationError, DecryptionError, KeyNotFoundError
from tests.fakes.openbao import VaultTarget
from vault import LocalCredentialStore, TransitKeyWrapper, WrappedKey, rotate

AAD = b"canonry:v1|tenant=acme|connection=stripe-1"
OTHER_AAD = b"canonry:v1|tenant=globex|connection=stripe-1"


@pytest.fixture
def wrapper(target: VaultTarget) -> TransitKeyWrapper:
    return TransitKeyWrapper(target.settings())


def test_wrap_unwrap_round_trip(wrapper: TransitKeyWrapper, target: VaultTarget) -> None:
    data_key = os.urandom(32)
    wrapped = wrapper.wrap(data_key, AAD)
    assert wrapped.wrapper == "transit"
    assert wrapped.key_id == f"{target.transit_key}:v1"
    assert wrapped.blob.startswith(b"vault:v1:")
    assert data_key not in wrapped.blob
    assert wrapper.unwrap(wrapped, AAD) == data_key
    assert wrapper.primary_key_id() == f"{target.transit_key}:v1"


def test_the_key_is_created_derived(wrapper: TransitKeyWrapper) -> None:
    info = wrapper.ensure_key()
    assert info["derived"] is True


def test_wrapped_key_moved_to_another_owner_is_rejected(wrapper: TransitKeyWrapper) -> None:
    wrapped = wrapper.wrap(os.urandom(32), AAD)
    with pytest.raises(DecryptionError, match="another tenant"):
        wrapper.unwrap(wrapped, OTHER_AAD)


def test_flipped_bit_in_the_ciphertext_is_rejected(wrapper: TransitKeyWrapper) -> None:
    wrapped = wrapper.wrap(os.urandom(32), AAD)
    raw = bytearray(wrapped.blob)
    raw[-5] = ord("A") if raw[-5] != ord("A") else ord("B")
    with pytest.raises(DecryptionError):
        wrapper.unwrap(replace(wrapped, blob=bytes(raw)), AAD)


def test_key_id_must_match_the_ciphertext_version(wrapper: TransitKeyWrapper) -> None:
    wrapped = wrapper.wrap(os.urandom(32), AAD)
    with pytest.raises(DecryptionError):
        wrapper.unwrap(replace(wrapped, key_id=f"{wrapper.key}:v7"), AAD)


def test_a_key_of_another_transit_key_is_not_found(wrapper: TransitKeyWrapper) -> None:
    wrapped = WrappedKey("transit", "someone-else:v1", b"vault:v1:AAAA")
    with pytest.raises(KeyNotFoundError, match="someone-else:v1"):
        wrapper.unwrap(wrapped, AAD)


def test_rotate_then_rewrap_moves_to_the_new_version(wrapper: TransitKeyWrapper) -> None:
    data_key = os.urandom(32)
    old = wrapper.wrap(data_key, AAD)
    new_primary = wrapper.rotate_key()
    assert new_primary == f"{wrapper.key}:v2"
    assert wrapper.primary_key_id() == new_primary
    assert wrapper.unwrap(old, AAD) == data_key  # old versions still decrypt
    rewrapped = wrapper.rewrap(old, AAD)
    assert rewrapped.key_id == new_primary
    assert rewrapped.blob.startswith(b"vault:v2:")
    assert wrapper.unwrap(rewrapped, AAD) == data_key
    assert wrapper.wrap(data_key, AAD).key_id == new_primary


def test_rewrap_with_the_wrong_owner_is_rejected(wrapper: TransitKeyWrapper) -> None:
    wrapped = wrapper.wrap(os.urandom(32), AAD)
    wrapper.rotate_key()
    with pytest.raises(DecryptionError):
        wrapper.rewrap(wrapped, OTHER_AAD)


def test_non_derived_key_is_refused(target: VaultTarget) -> None:
    plain = TransitKeyWrapper(target.settings())
    plain.client.call(
        "transit/keys",
        lambda c: c.secrets.transit.create_key(name=target.transit_key, mount_point="transit"),
    )
    with pytest.raises(ConfigurationError, match="derived"):
        plain.wrap(os.urandom(32), AAD)


def test_missing_key_without_create_says_how_to_create_it(target: VaultTarget) -> None:
    wrapper = TransitKeyWrapper(target.settings(), create_key=False)
    with pytest.raises(ConfigurationError, match="derived=true"):
        wrapper.primary_key_id()


def test_version_below_min_decryption_version_is_key_not_found(target: VaultTarget) -> None:
    wrapper = TransitKeyWrapper(target.settings())
    wrapped = wrapper.wrap(os.urandom(32), AAD)
    wrapper.rotate_key()
    wrapper.client.call(
        "transit/keys",
        lambda c: c.secrets.transit.update_key_configuration(
            name=target.transit_key, min_decryption_version=2, mount_point="transit"
        ),
    )
    with pytest.raises(KeyNotFoundError, match=f"{target.transit_key}:v1"):
        wrapper.unwrap(wrapped, AAD)


def test_local_store_with_transit_wrapping_survives_rotation(
    target: VaultTarget, vault_engine: Engine
) -> None:
    wrapper = TransitKeyWrapper(target.settings())
    store = LocalCredentialStore(vault_engine, wrapper)
    for n in range(3):
        store.put("acme", f"conn-{n}", {"api_key": f"sk_transit_{n}"})
    report = rotate(store)
    assert report.new_key
    assert report.primary_key_id == f"{target.transit_key}:v2"
    assert report.rewrapped == 3
    assert store.key_usage() == {f"{target.transit_key}:v2": 3}
    for n in range(3):
        assert store.get("acme", f"conn-{n}")["api_key"].get_secret_value() == f"sk_transit_{n}"


def test_rotate_rewrap_then_min_decryption_version_retires_old_versions(
    target: VaultTarget, vault_engine: Engine
) -> None:
    wrapper = TransitKeyWrapper(target.settings())
    store = LocalCredentialStore(vault_engine, wrapper)
    store.put("acme", "old", {"api_key": "sk_v1"})
    assert rotate(store).rewrapped == 1  # now under v2
    store.put("acme", "new", {"api_key": "sk_v2"})
    wrapper.client.call(
        "transit/keys",
        lambda c: c.secrets.transit.update_key_configuration(
            name=target.transit_key, min_decryption_version=2, mount_point="transit"
        ),
    )
    assert store.get("acme", "old")["api_key"].get_secret_value() == "sk_v1"
    assert store.get("acme", "new")["api_key"].get_secret_value() == "sk_v2"
    assert wrapper.ensure_key()["min_decryption_version"] == 2


def test_a_short_ciphertext_is_a_terminal_decryption_error(wrapper: TransitKeyWrapper) -> None:
    """Vault answers 400 to garbage; Canonry must not call that retryable."""
    wrapped = wrapper.wrap(os.urandom(32), AAD)
    short = replace(wrapped, blob=b"vault:v1:AAAA")
    with pytest.raises(DecryptionError) as info:
        wrapper.unwrap(short, AAD)
    assert not info.value.retryable


def test_a_wrong_transit_mount_is_a_configuration_error(target: VaultTarget) -> None:
    wrapper = TransitKeyWrapper(target.settings(transit_mount="no-transit-here"))
    with pytest.raises(ConfigurationError, match="CANONRY_VAULT_TRANSIT_MOUNT"):
        wrapper.wrap(os.urandom(32), AAD)


def test_the_minimal_transit_policy_is_enough(target: VaultTarget, vault_engine: Engine) -> None:
    from pydantic import SecretStr

    from vault import minimal_policy

    hcl = minimal_policy(
        prefix=target.prefix, transit_mount="transit", transit_key=target.transit_key, rotate=True
    )
    role_id, secret_id = target.approle(hcl, token_no_default_policy=True)
    settings = target.settings(token=None, role_id=role_id, secret_id=SecretStr(secret_id))
    store = LocalCredentialStore(vault_engine, TransitKeyWrapper(settings))
    store.put("acme", "least", {"api_key": "sk_least"})
    assert rotate(store).rewrapped == 1
    assert store.get("acme", "least")["api_key"].get_secret_value() == "sk_least"
