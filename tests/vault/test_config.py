"""store_from_env: backend choice, the Transit wrapper for the local store, clear errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from canonical import ConfigurationError, DecryptionError
from tests.fakes.openbao import VaultTarget
from tests.vault.conftest import SECRETS, raw_row, update_row
from vault import (
    HashiCorpStore,
    LocalCredentialStore,
    LocalKeyring,
    TransitKeyWrapper,
    rotate,
    store_from_env,
)


def _transit_env(target: VaultTarget) -> dict[str, str]:
    return {
        "CANONRY_VAULT_TRANSIT": "1",
        "VAULT_ADDR": target.addr,
        "VAULT_TOKEN": target.token,
        "CANONRY_VAULT_TRANSIT_KEY": target.transit_key,
    }


def test_default_is_the_local_store_with_the_key_file(vault_engine: Engine, key_file: Path) -> None:
    store = store_from_env(vault_engine, {"CANONRY_KEY_FILE": str(key_file)})
    assert isinstance(store, LocalCredentialStore)
    assert isinstance(store.wrapper, LocalKeyring)
    assert store.backend == "local"


def test_hashicorp_backend_is_built_from_vault_variables(vault_engine: Engine) -> None:
    env = {"CANONRY_VAULT": "hashicorp", "VAULT_ADDR": "http://127.0.0.1:8200", "VAULT_TOKEN": "t"}
    assert isinstance(store_from_env(vault_engine, env), HashiCorpStore)


def test_unknown_backend_lists_the_choices(vault_engine: Engine) -> None:
    with pytest.raises(ConfigurationError) as info:
        store_from_env(vault_engine, {"CANONRY_VAULT": "s3"})
    assert "'s3'" in str(info.value)
    assert "local, hashicorp" in str(info.value)


def test_missing_hashicorp_module_is_a_configuration_error(
    vault_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "vault._hashicorp", None)
    with pytest.raises(ConfigurationError, match="HashiCorp Vault backend is not available"):
        store_from_env(vault_engine, {"CANONRY_VAULT": "hashicorp"})


def test_local_store_with_transit_wrapper_round_trips_and_rotates(
    vault_engine: Engine, target: VaultTarget
) -> None:
    store = store_from_env(vault_engine, _transit_env(target))
    assert isinstance(store, LocalCredentialStore)
    assert isinstance(store.wrapper, TransitKeyWrapper)
    store.put("acme", "stripe", SECRETS)
    store.put("acme", "hubspot", {"token": "pat-na1-CANARY"})
    row = raw_row(vault_engine, "acme", "stripe")
    assert row["wrapper"] == "transit"
    assert row["key_id"] == f"{target.transit_key}:v1"

    report = rotate(store, batch_size=1)
    assert report.new_key
    assert report.primary_key_id == f"{target.transit_key}:v2"
    assert (report.rewrapped, report.key_usage) == (2, {report.primary_key_id: 2})
    assert raw_row(vault_engine, "acme", "stripe")["ciphertext"] == row["ciphertext"]
    assert store.get("acme", "stripe") == {k: SecretStr(v) for k, v in SECRETS.items()}


def test_transit_wrapped_row_moved_to_another_tenant_fails(
    vault_engine: Engine, target: VaultTarget
) -> None:
    store = store_from_env(vault_engine, _transit_env(target))
    store.put("acme", "stripe", SECRETS)
    store.put("globex", "stripe", {"api_key": "theirs"})
    row = raw_row(vault_engine, "acme", "stripe")
    columns = ("wrapper", "key_id", "data_key_id", "wrapped_key", "nonce", "ciphertext")
    update_row(vault_engine, "globex", "stripe", **{c: row[c] for c in columns})
    with pytest.raises(DecryptionError):
        store.get("globex", "stripe")
