"""Authenticated encryption: tampered, moved, relabelled or wrongly keyed rows are refused."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from canonical import CredentialError, DecryptionError, KeyNotFoundError
from tests.vault.conftest import SECRETS, flip_bit, raw_row, update_row
from vault import LocalCredentialStore, LocalKeyring
from vault._keyfile import KeyMaterial, KeySet


def _stored(store: LocalCredentialStore) -> dict[str, object]:
    store.put("acme", "stripe", SECRETS)
    return raw_row(store.engine, "acme", "stripe")


def _assert_clear(exc: BaseException) -> None:
    text = str(exc)
    assert "InvalidTag" not in text
    assert "acme" in text
    for value in SECRETS.values():
        assert value not in text


@pytest.mark.parametrize(
    ("column", "index"),
    [
        ("nonce", 0),
        ("nonce", 11),
        ("ciphertext", 0),
        ("ciphertext", -1),
        ("wrapped_key", 0),
        ("wrapped_key", 20),
        ("wrapped_key", -1),
    ],
    ids=["nonce-first", "nonce-last", "ciphertext", "tag", "wrap-nonce", "wrap-body", "wrap-tag"],
)
@pytest.mark.parametrize("bit", [0, 7])
def test_one_flipped_bit_is_rejected(
    local_store: LocalCredentialStore, column: str, index: int, bit: int
) -> None:
    row = _stored(local_store)
    blob = row[column]
    assert isinstance(blob, bytes)
    update_row(local_store.engine, "acme", "stripe", **{column: flip_bit(blob, index, bit)})
    with pytest.raises(DecryptionError) as info:
        local_store.get("acme", "stripe")
    _assert_clear(info.value)


def test_the_tag_is_the_last_16_bytes_of_the_ciphertext_column(
    local_store: LocalCredentialStore,
) -> None:
    row = _stored(local_store)
    ciphertext = row["ciphertext"]
    assert isinstance(ciphertext, bytes)
    # AES-GCM: ciphertext is as long as the JSON payload, then the 16-byte tag.
    assert len(ciphertext) > 16
    update_row(local_store.engine, "acme", "stripe", ciphertext=ciphertext[:-16])
    with pytest.raises(DecryptionError):
        local_store.get("acme", "stripe")


@pytest.mark.parametrize(
    ("tenant", "connection"), [("acme", "hubspot"), ("globex", "stripe")], ids=["conn", "tenant"]
)
def test_row_copied_onto_another_owner_is_rejected(
    local_store: LocalCredentialStore, tenant: str, connection: str
) -> None:
    row = _stored(local_store)
    local_store.put(tenant, connection, {"api_key": "theirs"})
    columns = ("wrapper", "key_id", "data_key_id", "wrapped_key", "nonce", "ciphertext")
    update_row(local_store.engine, tenant, connection, **{c: row[c] for c in columns})
    with pytest.raises(DecryptionError) as info:
        local_store.get(tenant, connection)
    assert repr(connection) in str(info.value)


def test_payload_moved_under_another_rows_data_key_is_rejected(
    local_store: LocalCredentialStore,
) -> None:
    row = _stored(local_store)
    local_store.put("acme", "hubspot", {"api_key": "theirs"})
    # Keep hubspot's own (valid) wrapped data key, swap in stripe's payload.
    update_row(
        local_store.engine, "acme", "hubspot", nonce=row["nonce"], ciphertext=row["ciphertext"]
    )
    with pytest.raises(DecryptionError):
        local_store.get("acme", "hubspot")


def test_changed_data_key_id_is_rejected(local_store: LocalCredentialStore) -> None:
    _stored(local_store)
    update_row(local_store.engine, "acme", "stripe", data_key_id="0" * 32)
    with pytest.raises(DecryptionError):
        local_store.get("acme", "stripe")


def test_wrapped_key_relabelled_with_another_key_id_is_rejected(
    local_store: LocalCredentialStore,
) -> None:
    keyring = local_store.wrapper
    assert isinstance(keyring, LocalKeyring)
    first = keyring.primary_key_id()
    _stored(local_store)
    keyring.add_key()
    # Same key bytes under both ids would still fail: the KEK id is in the wrap's AAD.
    clone = KeySet(first, (*_keys(keyring), KeyMaterial("clone", _secret(keyring, first))))
    store = LocalCredentialStore(local_store.engine, LocalKeyring(clone))
    update_row(local_store.engine, "acme", "stripe", key_id="clone")
    with pytest.raises(DecryptionError, match="'clone'"):
        store.get("acme", "stripe")


def test_wrong_key_bytes_under_the_same_id_name_the_key(
    vault_engine: Engine, mem_keyring: LocalKeyring
) -> None:
    LocalCredentialStore(vault_engine, mem_keyring).put("acme", "stripe", SECRETS)
    key_id = mem_keyring.primary_key_id()
    impostor = LocalKeyring(KeySet(key_id, (KeyMaterial(key_id, b"\x01" * 32),)))
    with pytest.raises(DecryptionError) as info:
        LocalCredentialStore(vault_engine, impostor).get("acme", "stripe")
    assert repr(key_id) in str(info.value)
    assert "differs" in str(info.value)
    _assert_clear(info.value)


def test_missing_key_id_names_the_key_needed(
    vault_engine: Engine, mem_keyring: LocalKeyring
) -> None:
    LocalCredentialStore(vault_engine, mem_keyring).put("acme", "stripe", SECRETS)
    other = LocalKeyring.generate()
    with pytest.raises(KeyNotFoundError) as info:
        LocalCredentialStore(vault_engine, other).get("acme", "stripe")
    assert info.value.key_id == mem_keyring.primary_key_id()
    assert repr(mem_keyring.primary_key_id()) in str(info.value)
    assert "CANONRY_MASTER_KEYS" in str(info.value)


def test_unknown_format_version_is_refused_clearly(local_store: LocalCredentialStore) -> None:
    _stored(local_store)
    update_row(local_store.engine, "acme", "stripe", format_version=99)
    with pytest.raises(CredentialError, match="format 99"):
        local_store.get("acme", "stripe")


def test_row_from_another_wrapper_kind_is_refused(local_store: LocalCredentialStore) -> None:
    _stored(local_store)
    update_row(local_store.engine, "acme", "stripe", wrapper="transit")
    with pytest.raises(CredentialError, match="'transit'"):
        local_store.get("acme", "stripe")


def _keys(keyring: LocalKeyring) -> tuple[KeyMaterial, ...]:
    return keyring._keyset.keys


def _secret(keyring: LocalKeyring, key_id: str) -> bytes:
    key = keyring._keyset.get(key_id)
    assert key is not None
    return key.secret
