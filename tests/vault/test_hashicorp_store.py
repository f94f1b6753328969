"""HashiCorpStore with the real hvac client against a real OpenBao server (KV v2).

The ``target`` fixture (tests/vault/conftest.py) gives each test its own prefix on the
session's OpenBao dev server; sealing, namespaces and policies are the server's own.
"""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from canonical import (
    ConfigurationError,
    ConflictError,
    CredentialError,
    NotFoundInRegistry,
    VaultUnavailableError,
)
from plugins.fakes import unused_port
from tests.fakes.openbao import OpenBao, RecordingSession, VaultTarget
from vault import CredentialRef, HashiCorpStore, minimal_policy

SECRET = "sk_test_hashicorp_5b1c0ffee"


@pytest.fixture
def store(target: VaultTarget) -> HashiCorpStore:
    return HashiCorpStore(target.settings())


def test_round_trip_returns_secretstr_and_first_version(store: HashiCorpStore) -> None:
    ref = store.put("acme", "stripe-1", {"api_key": SecretStr(SECRET), "account": "acct_1"})
    assert ref == CredentialRef("hashicorp", "acme", "stripe-1", 1)
    payload = store.get("acme", "stripe-1")
    assert payload["api_key"].get_secret_value() == SECRET
    assert payload["account"].get_secret_value() == "acct_1"
    assert SECRET not in repr(payload)


def test_each_put_is_a_new_kv_version(store: HashiCorpStore) -> None:
    store.put("acme", "hub", {"token": "one"})
    ref = store.put("acme", "hub", {"token": "two"}, expected_version=1)
    payload, read_ref = store.get_with_ref("acme", "hub")
    assert ref.version == read_ref.version == 2
    assert payload["token"].get_secret_value() == "two"
    assert store.versions("acme", "hub") == [1, 2]


def test_stale_expected_version_is_a_conflict_and_keeps_the_winner(store: HashiCorpStore) -> None:
    store.put("acme", "hub", {"token": "v1"})
    store.put("acme", "hub", {"token": "winner"}, expected_version=1)
    with pytest.raises(ConflictError) as info:
        store.put("acme", "hub", {"token": "loser"}, expected_version=1)
    assert info.value.retryable
    assert store.get("acme", "hub")["token"].get_secret_value() == "winner"


def test_expected_version_zero_means_create_only(store: HashiCorpStore) -> None:
    store.put("acme", "new", {"token": "first"}, expected_version=0)
    with pytest.raises(ConflictError):
        store.put("acme", "new", {"token": "second"}, expected_version=0)


def test_missing_secret_is_not_found(store: HashiCorpStore) -> None:
    with pytest.raises(NotFoundInRegistry, match="acme/nothing"):
        store.get("acme", "nothing")


def test_list_by_tenant_and_all(store: HashiCorpStore) -> None:
    store.put("acme", "a", {"k": "1"})
    store.put("acme", "b", {"k": "1"})
    store.put("acme", "b", {"k": "2"})
    store.put("globex", "c", {"k": "1"})
    assert store.list("acme") == [
        CredentialRef("hashicorp", "acme", "a", 1),
        CredentialRef("hashicorp", "acme", "b", 2),
    ]
    assert {(r.tenant, r.connection) for r in store.list()} == {
        ("acme", "a"),
        ("acme", "b"),
        ("globex", "c"),
    }
    assert store.list("nobody") == []


def test_delete_removes_every_version(store: HashiCorpStore) -> None:
    store.put("acme", "gone", {"k": "1"})
    store.put("acme", "gone", {"k": "2"})
    store.delete("acme", "gone")
    with pytest.raises(NotFoundInRegistry):
        store.get("acme", "gone")
    assert store.list("acme") == []
    ref = store.put("acme", "gone", {"k": "3"})
    assert ref.version == 1  # history went with the metadata


def test_kv_keeps_the_mounts_ten_versions(store: HashiCorpStore) -> None:
    for n in range(12):
        store.put("acme", "many", {"token": f"t{n}"})
    assert store.versions("acme", "many") == list(range(3, 13))
    assert store.get("acme", "many")["token"].get_secret_value() == "t11"


@pytest.mark.parametrize("bad", ["", "../etc", "a/b", "x" * 200, "-lead", "sp ace"])
def test_bad_path_segments_are_refused_before_any_request(target: VaultTarget, bad: str) -> None:
    session = RecordingSession()
    store = HashiCorpStore(target.settings(), session=session)
    with pytest.raises(ConfigurationError):
        store.put(bad, "conn", {"k": "v"})
    with pytest.raises(ConfigurationError):
        store.get("acme", bad)
    assert session.sent == []


def test_sealed_vault_is_retryable_says_unseal_and_recovers(
    openbao: OpenBao, store: HashiCorpStore
) -> None:
    store.put("acme", "s", {"k": "v"})
    openbao.seal()
    try:
        with pytest.raises(VaultUnavailableError, match="sealed") as info:
            store.get("acme", "s")
        assert info.value.retryable
        assert "unseal" in str(info.value)
    finally:
        openbao.unseal()
    assert store.get("acme", "s")["k"].get_secret_value() == "v"


def test_bad_token_is_refused_without_echoing_the_token(target: VaultTarget) -> None:
    bad = "hvs.not-a-real-token-123456"
    store = HashiCorpStore(target.settings(token=SecretStr(bad)))
    with pytest.raises(CredentialError, match="no longer accepts VAULT_TOKEN") as info:
        store.get("acme", "x")
    assert not info.value.retryable
    assert bad not in str(info.value)


def test_token_without_policy_for_the_path_is_forbidden(target: VaultTarget) -> None:
    token = target.token_for(minimal_policy(prefix="other-prefix"))
    store = HashiCorpStore(target.settings(token=SecretStr(token)))
    with pytest.raises(CredentialError, match="lacks a policy") as info:
        store.put("acme", "x", {"k": "v"})
    assert f"{target.prefix}/acme/x" in str(info.value)
    assert target.accepts(token)  # a policy refusal leaves the token alone


def test_the_minimal_policy_is_enough_and_no_more(target: VaultTarget) -> None:
    """The README's policy (vault.minimal_policy) on an AppRole without Vault's default
    policy: every store operation works, and nothing outside the prefix does."""
    hcl = minimal_policy(prefix=target.prefix)
    role_id, secret_id = target.approle(hcl, token_no_default_policy=True)
    settings = target.settings(token=None, role_id=role_id, secret_id=SecretStr(secret_id))
    store = HashiCorpStore(settings)
    store.put("acme", "least", {"k": "1"}, expected_version=0)
    store.put("acme", "least", {"k": "2"}, expected_version=1)
    assert store.get("acme", "least")["k"].get_secret_value() == "2"
    assert store.versions("acme", "least") == [1, 2]
    assert [r.connection for r in store.list("acme")] == ["least"]
    assert [r.tenant for r in store.list()] == ["acme"]
    [policy] = store.check()  # only the minimal policy: no "default"
    assert policy.startswith("canonry-test-")
    store.delete("acme", "least")
    assert store.list("acme") == []
    outside = HashiCorpStore(
        target.settings(token=None, role_id=role_id, secret_id=SecretStr(secret_id), prefix="x")
    )
    with pytest.raises(CredentialError, match="lacks a policy"):
        outside.get("acme", "least")
    store.close()


def test_a_wrong_kv_mount_is_a_configuration_error_not_not_found(target: VaultTarget) -> None:
    store = HashiCorpStore(target.settings(mount="no-such-mount"))
    for action in (
        lambda: store.get("acme", "x"),
        lambda: store.put("acme", "x", {"k": "v"}),
        lambda: store.list("acme"),
        lambda: store.delete("acme", "x"),
    ):
        with pytest.raises(ConfigurationError, match="CANONRY_VAULT_MOUNT") as info:
            action()
        assert "'no-such-mount'" in str(info.value)


def test_a_kv_version_1_mount_is_a_configuration_error(target: VaultTarget) -> None:
    mount = f"kv1-{target.prefix}"
    target.root().sys.enable_secrets_engine("kv", path=mount, options={"version": "1"})
    store = HashiCorpStore(target.settings(mount=mount))
    with pytest.raises(ConfigurationError, match="KV version 2"):
        store.put("acme", "x", {"k": "v"})


def test_a_wrong_namespace_is_a_configuration_error(target: VaultTarget) -> None:
    store = HashiCorpStore(target.settings(namespace="no-such-namespace"))
    with pytest.raises(ConfigurationError, match="VAULT_NAMESPACE"):
        store.get("acme", "x")


def test_unreachable_vault_names_vault_addr_not_the_token(target: VaultTarget) -> None:
    port = unused_port()
    store = HashiCorpStore(target.settings(addr=f"http://127.0.0.1:{port}", timeout=2.0))
    with pytest.raises(VaultUnavailableError, match="VAULT_ADDR") as info:
        store.get("acme", "x")
    assert info.value.retryable
    assert f"127.0.0.1:{port}" in str(info.value)
    assert target.token not in str(info.value)


def test_approle_with_wrong_secret_id_is_a_credential_error(target: VaultTarget) -> None:
    role_id, _ = target.approle(minimal_policy(prefix=target.prefix))
    settings = target.settings(token=None, role_id=role_id, secret_id=SecretStr("wrong-sid"))
    with pytest.raises(CredentialError) as info:
        HashiCorpStore(settings).get("acme", "x")
    assert not isinstance(info.value, VaultUnavailableError)
    assert "wrong-sid" not in str(info.value)


def test_a_namespace_isolates_data(target: VaultTarget) -> None:
    namespace = target.namespace()
    team = HashiCorpStore(target.settings(namespace=namespace))
    team.put("acme", "ns", {"k": "v"})
    with pytest.raises(NotFoundInRegistry):
        HashiCorpStore(target.settings()).get("acme", "ns")
    assert team.get("acme", "ns")["k"].get_secret_value() == "v"
    assert [r.connection for r in team.list("acme")] == ["ns"]
    root_read = target.root(namespace).secrets.kv.v2.read_secret_version(
        path=f"{target.prefix}/acme/ns", mount_point="secret", raise_on_deleted_version=True
    )
    assert root_read["data"]["data"] == {"k": "v"}


def test_check_reports_the_token_policies(store: HashiCorpStore) -> None:
    assert "root" in store.check()


def test_reprs_hide_the_token(target: VaultTarget, store: HashiCorpStore) -> None:
    assert target.token not in repr(store)
    assert target.token not in repr(store.settings)
    assert target.token not in repr(store.client)


def test_vault_operations_log_and_print_no_secret(
    target: VaultTarget, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    role_id, secret_id = target.approle(minimal_policy(prefix=target.prefix))
    store = HashiCorpStore(
        target.settings(token=None, role_id=role_id, secret_id=SecretStr(secret_id))
    )
    ref = store.put("acme", "hyg", {"api_key": SECRET})
    print(ref, store, store.settings, store.get("acme", "hyg"), store.list("acme"))
    app_token = store.client._hvac.token
    target.revoke(app_token)
    store.get("acme", "hyg")  # 403, the token is dead: AppRole login again, retry
    with pytest.raises(ConflictError) as conflict:
        store.put("acme", "hyg", {"api_key": SECRET}, expected_version=0)
    out, err = capsys.readouterr()
    seen = caplog.text + out + err + str(conflict.value)
    assert "logging in again" in caplog.text  # logging did happen
    for secret in (SECRET, secret_id, app_token, store.client._hvac.token, target.token):
        assert secret not in seen
