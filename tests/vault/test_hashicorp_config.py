"""VaultSettings.from_env and the TLS/auth settings handed to hvac."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from canonical import ConfigurationError
from vault import HashiCorpStore, TransitKeyWrapper, VaultSettings

BASE = {"VAULT_ADDR": "https://vault.example.test:8200", "VAULT_TOKEN": "hvs.env-token-abc"}


def test_from_env_reads_every_variable(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    env = {
        **BASE,
        "VAULT_NAMESPACE": "team-a",
        "VAULT_CACERT": str(ca),
        "CANONRY_VAULT_MOUNT": "kv/",
        "CANONRY_VAULT_PREFIX": "apps/canonry",
        "CANONRY_VAULT_TRANSIT_KEY": "kek",
        "CANONRY_VAULT_TIMEOUT": "3.5",
    }
    settings = VaultSettings.from_env(env)
    assert settings.namespace == "team-a"
    assert settings.mount == "kv"
    assert settings.prefix == "apps/canonry"
    assert settings.transit_key == "kek"
    assert settings.timeout == 3.5
    assert settings.verify == str(ca)
    assert settings.token is not None
    assert settings.token.get_secret_value() == "hvs.env-token-abc"
    assert "hvs.env-token-abc" not in repr(settings)


def test_missing_vault_addr_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="VAULT_ADDR"):
        VaultSettings.from_env({"VAULT_TOKEN": "t"})


def test_missing_credentials_name_the_variables() -> None:
    with pytest.raises(ConfigurationError) as info:
        VaultSettings.from_env({"VAULT_ADDR": BASE["VAULT_ADDR"]})
    assert "VAULT_TOKEN" in str(info.value)
    assert "CANONRY_VAULT_ROLE_ID" in str(info.value)


def test_half_an_approle_names_both_variables() -> None:
    env = {"VAULT_ADDR": BASE["VAULT_ADDR"], "CANONRY_VAULT_ROLE_ID": "role"}
    with pytest.raises(ConfigurationError, match="CANONRY_VAULT_SECRET_ID"):
        VaultSettings.from_env(env)


def test_approle_from_env_keeps_secret_id_secret() -> None:
    env = {
        "VAULT_ADDR": BASE["VAULT_ADDR"],
        "CANONRY_VAULT_ROLE_ID": "role",
        "CANONRY_VAULT_SECRET_ID": "sid-very-secret",
    }
    settings = VaultSettings.from_env(env)
    assert settings.uses_approle
    assert isinstance(settings.secret_id, SecretStr)
    assert "sid-very-secret" not in repr(settings)


def test_tls_is_verified_unless_skip_is_explicit() -> None:
    assert VaultSettings.from_env(BASE).verify is True
    assert VaultSettings.from_env({**BASE, "VAULT_SKIP_VERIFY": "true"}).verify is False
    with pytest.raises(ConfigurationError, match="VAULT_SKIP_VERIFY"):
        VaultSettings.from_env({**BASE, "VAULT_SKIP_VERIFY": "maybe"})


def test_ca_bundle_and_skip_verify_together_are_refused(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    with pytest.raises(ConfigurationError, match="both set"):
        VaultSettings.from_env({**BASE, "VAULT_CACERT": str(ca), "VAULT_SKIP_VERIFY": "1"})


def test_missing_ca_bundle_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="VAULT_CACERT"):
        VaultSettings.from_env({**BASE, "VAULT_CACERT": str(tmp_path / "nope.pem")})


@pytest.mark.parametrize("addr", ["vault:8200", "ftp://vault", "https://"])
def test_bad_addr_is_refused(addr: str) -> None:
    with pytest.raises(ConfigurationError, match="VAULT_ADDR"):
        VaultSettings.from_env({**BASE, "VAULT_ADDR": addr})


@pytest.mark.parametrize("mount", ["../sys", "a//b", "has space"])
def test_bad_mount_is_refused(mount: str) -> None:
    with pytest.raises(ConfigurationError, match="mount"):
        VaultSettings.from_env({**BASE, "CANONRY_VAULT_MOUNT": mount})


def test_settings_reach_the_hvac_adapter(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    env = {**BASE, "VAULT_NAMESPACE": "ns1", "VAULT_CACERT": str(ca), "CANONRY_VAULT_TIMEOUT": "4"}
    store = HashiCorpStore.from_env(env)
    adapter = store.client._hvac.adapter
    assert adapter.namespace == "ns1"
    assert adapter._kwargs["verify"] == str(ca)
    assert adapter._kwargs["timeout"] == 4.0
    assert adapter.token == "hvs.env-token-abc"


def test_transit_from_env_uses_transit_settings() -> None:
    env = {**BASE, "CANONRY_VAULT_TRANSIT_MOUNT": "kms", "CANONRY_VAULT_TRANSIT_KEY": "kek-1"}
    wrapper = TransitKeyWrapper.from_env(env)
    assert (wrapper.mount, wrapper.key) == ("kms", "kek-1")
    assert "hvs.env-token-abc" not in repr(wrapper)
