"""LocalCredentialStore: round trips on SQLite and PostgreSQL, versions, CAS, listing."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from canonical import ConflictError, CredentialError, NotFoundInRegistry, ValidationFailed
from tests.vault.conftest import SECRETS, raw_row
from vault import CredentialRef, LocalCredentialStore, LocalKeyring, make_engine
from vault._tables import credentials_table


def _plain(payload: dict[str, SecretStr]) -> dict[str, str]:
    return {k: v.get_secret_value() for k, v in payload.items()}


def test_round_trip_on_sqlite_returns_secretstr(local_store: LocalCredentialStore) -> None:
    ref = local_store.put("acme", "stripe-live", SECRETS)
    assert ref == CredentialRef("local", "acme", "stripe-live", 1)
    payload = local_store.get("acme", "stripe-live")
    assert all(isinstance(v, SecretStr) for v in payload.values())
    assert _plain(payload) == SECRETS


def test_round_trip_survives_a_new_store_on_the_same_database(
    vault_engine: Engine, mem_keyring: LocalKeyring
) -> None:
    LocalCredentialStore(vault_engine, mem_keyring).put("acme", "hubspot", SECRETS)
    again = LocalCredentialStore(vault_engine, mem_keyring)
    assert _plain(again.get("acme", "hubspot")) == SECRETS


@pytest.mark.postgres
def test_round_trip_and_cas_on_postgresql(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        store = LocalCredentialStore(engine, LocalKeyring.generate())
        store.put("acme", "stripe", SECRETS)
        assert _plain(store.get("acme", "stripe")) == SECRETS
        ref = store.put("acme", "stripe", {"api_key": "rotated"}, expected_version=1)
        assert ref.version == 2
        with pytest.raises(ConflictError):
            store.put("acme", "stripe", {"api_key": "stale"}, expected_version=1)
        assert _plain(store.get("acme", "stripe")) == {"api_key": "rotated"}
        assert store.key_usage() == {store.wrapper.primary_key_id(): 1}
    finally:
        engine.dispose()


def test_database_holds_no_plaintext(local_store: LocalCredentialStore) -> None:
    local_store.put("acme", "stripe", SECRETS)
    row = raw_row(local_store.engine, "acme", "stripe")
    dump = repr(row).encode() + b"".join(v for v in row.values() if isinstance(v, bytes))
    for value in SECRETS.values():
        assert value.encode() not in dump
    assert len(row["nonce"]) == 12  # type: ignore[arg-type]


def test_each_put_uses_a_fresh_data_key_and_nonce(local_store: LocalCredentialStore) -> None:
    local_store.put("acme", "stripe", SECRETS)
    first = raw_row(local_store.engine, "acme", "stripe")
    local_store.put("acme", "stripe", SECRETS)
    second = raw_row(local_store.engine, "acme", "stripe")
    for column in ("nonce", "ciphertext", "wrapped_key", "data_key_id"):
        assert first[column] != second[column]
    assert (first["version"], second["version"]) == (1, 2)


def test_get_with_ref_reports_the_version_read(local_store: LocalCredentialStore) -> None:
    local_store.put("acme", "stripe", {"api_key": "one"})
    local_store.put("acme", "stripe", {"api_key": "two"})
    payload, ref = local_store.get_with_ref("acme", "stripe")
    assert ref.version == 2
    assert _plain(payload) == {"api_key": "two"}


def test_stale_expected_version_conflicts_and_keeps_the_winner(
    local_store: LocalCredentialStore,
) -> None:
    local_store.put("acme", "stripe", {"api_key": "v1"})
    local_store.put("acme", "stripe", {"api_key": "v2"}, expected_version=1)
    with pytest.raises(ConflictError) as info:
        local_store.put("acme", "stripe", {"api_key": "lost"}, expected_version=1)
    assert info.value.retryable
    assert "version 2" in str(info.value)
    assert _plain(local_store.get("acme", "stripe")) == {"api_key": "v2"}


def test_expected_version_zero_means_create_only(local_store: LocalCredentialStore) -> None:
    assert local_store.put("acme", "stripe", {"a": "1"}, expected_version=0).version == 1
    with pytest.raises(ConflictError, match="version 1"):
        local_store.put("acme", "stripe", {"a": "2"}, expected_version=0)


def test_expected_version_on_a_missing_credential_conflicts(
    local_store: LocalCredentialStore,
) -> None:
    with pytest.raises(ConflictError, match="does not exist"):
        local_store.put("acme", "stripe", {"a": "1"}, expected_version=3)


def test_missing_credential_is_not_found(local_store: LocalCredentialStore) -> None:
    with pytest.raises(NotFoundInRegistry, match=r"'acme'.*'nope'"):
        local_store.get("acme", "nope")


def test_delete_removes_and_is_idempotent(local_store: LocalCredentialStore) -> None:
    local_store.put("acme", "stripe", SECRETS)
    local_store.delete("acme", "stripe")
    local_store.delete("acme", "stripe")
    with pytest.raises(NotFoundInRegistry):
        local_store.get("acme", "stripe")


def test_list_is_sorted_and_filters_by_tenant(local_store: LocalCredentialStore) -> None:
    local_store.put("globex", "stripe", {"a": "1"})
    local_store.put("acme", "stripe", {"a": "1"})
    local_store.put("acme", "hubspot", {"a": "1"})
    local_store.put("acme", "hubspot", {"a": "2"})
    assert [str(r) for r in local_store.list()] == [
        "local:acme/hubspot@v2",
        "local:acme/stripe@v1",
        "local:globex/stripe@v1",
    ]
    assert [r.connection for r in local_store.list("globex")] == ["stripe"]


@pytest.mark.parametrize("bad", [{}, {"": "x"}, {"n": 3}])
def test_bad_payloads_are_refused(
    local_store: LocalCredentialStore, bad: dict[str, object]
) -> None:
    with pytest.raises(ValidationFailed):
        local_store.put("acme", "stripe", bad)  # type: ignore[arg-type]
    assert local_store.list() == []


def test_key_usage_counts_secrets_per_key(local_store: LocalCredentialStore) -> None:
    keyring = local_store.wrapper
    assert isinstance(keyring, LocalKeyring)
    local_store.put("acme", "a", {"x": "1"})
    old = keyring.primary_key_id()
    new = keyring.add_key()
    local_store.put("acme", "b", {"x": "1"})
    local_store.put("acme", "c", {"x": "1"})
    assert local_store.key_usage() == {old: 1, new: 2}


def test_table_created_concurrently_by_another_process_is_fine(
    vault_engine: Engine, mem_keyring: LocalKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = credentials_table()
    real_create = table.create

    def lose_the_race(bind: Engine, checkfirst: bool = False) -> None:
        real_create(bind)  # the other process wins between our check and our CREATE
        raise OperationalError("CREATE TABLE", {}, Exception("table already exists"))

    monkeypatch.setattr(table, "create", lose_the_race)
    store = LocalCredentialStore(vault_engine, mem_keyring)
    monkeypatch.undo()
    store.put("acme", "stripe", SECRETS)
    assert store.list()[0].version == 1


def test_database_failures_become_credential_errors(mem_keyring: LocalKeyring) -> None:
    engine = make_engine("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(CredentialError, match="CANONRY_DATABASE_URL") as info:
        LocalCredentialStore(engine, mem_keyring)
    assert isinstance(info.value.__cause__, OperationalError)


@pytest.mark.parametrize(("tenant", "connection"), [("", "c"), ("t", ""), ("t" * 256, "c")])
def test_bad_owner_names_are_refused(
    local_store: LocalCredentialStore, tenant: str, connection: str
) -> None:
    with pytest.raises(ValidationFailed, match="at most 255"):
        local_store.put(tenant, connection, {"a": "b"})
