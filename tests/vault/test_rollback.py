"""Credential rollback (issue 15, item 4): an older row of the same connection is refused.

The secret's version is bound into both AADs (format 2), and the newest version each owner
ever stored is kept as a high-water mark beside the rows, so neither an old ciphertext put
back under the current version number nor a whole old row (restored from a backup, or
replayed) decrypts to the old secret, unless it is accepted explicitly.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from canonical import DecryptionError
from tests.vault.conftest import raw_row, update_row
from vault import CredentialRollbackError, LocalCredentialStore, LocalKeyring
from vault._envelope import data_key_aad, new_data_key, new_data_key_id, payload_aad, seal_payload

SEALED = ("wrapper", "key_id", "data_key_id", "wrapped_key", "nonce", "ciphertext")


def _plain(store: LocalCredentialStore, tenant: str = "acme", conn: str = "stripe") -> str:
    return store.get(tenant, conn)["api_key"].get_secret_value()


def _restore(engine: Engine, backup: dict[str, object], **overrides: object) -> None:
    """Put a backed-up row back, as a restore from a database backup would."""
    columns = (*SEALED, "version", "format_version")
    update_row(engine, "acme", "stripe", **{**{c: backup[c] for c in columns}, **overrides})


def test_old_ciphertext_under_the_current_version_fails_authentication(
    local_store: LocalCredentialStore,
) -> None:
    local_store.put("acme", "stripe", {"api_key": "sk_old"})
    old = raw_row(local_store.engine, "acme", "stripe")
    local_store.put("acme", "stripe", {"api_key": "sk_new"})
    update_row(local_store.engine, "acme", "stripe", **{c: old[c] for c in SEALED})
    with pytest.raises(DecryptionError, match="failed authentication"):
        local_store.get("acme", "stripe")


def test_a_whole_older_row_restored_from_a_backup_is_refused(
    local_store: LocalCredentialStore,
) -> None:
    local_store.put("acme", "stripe", {"api_key": "sk_revoked"})
    backup = raw_row(local_store.engine, "acme", "stripe")
    local_store.put("acme", "stripe", {"api_key": "sk_current"})
    local_store.put("acme", "stripe", {"api_key": "sk_rotated"})
    _restore(local_store.engine, backup)
    with pytest.raises(CredentialRollbackError) as info:
        local_store.get("acme", "stripe")
    assert (info.value.version, info.value.newest) == (1, 3)
    assert "canonry credentials restore" in str(info.value)
    assert "sk_revoked" not in str(info.value)
    assert not info.value.retryable


def test_a_restored_row_is_accepted_only_explicitly_and_versions_never_repeat(
    local_store: LocalCredentialStore,
) -> None:
    local_store.put("acme", "stripe", {"api_key": "sk_backed_up"})
    backup = raw_row(local_store.engine, "acme", "stripe")
    local_store.put("acme", "stripe", {"api_key": "sk_lost"})
    second = raw_row(local_store.engine, "acme", "stripe")
    local_store.put("acme", "stripe", {"api_key": "sk_lost_too"})
    _restore(local_store.engine, backup)

    ref = local_store.accept_restored("acme", "stripe")
    assert ref.version == 4  # above every version this connection ever had
    assert _plain(local_store) == "sk_backed_up"
    # The superseded version 2 from another backup is still refused after the restore:
    _restore(local_store.engine, second)
    with pytest.raises(CredentialRollbackError):
        local_store.get("acme", "stripe")


def test_accepting_a_tampered_row_is_still_refused(local_store: LocalCredentialStore) -> None:
    local_store.put("acme", "stripe", {"api_key": "sk_1"})
    backup = raw_row(local_store.engine, "acme", "stripe")
    local_store.put("acme", "stripe", {"api_key": "sk_2"})
    _restore(local_store.engine, backup, version=2)  # old ciphertext relabelled as version 2
    with pytest.raises(DecryptionError):
        local_store.accept_restored("acme", "stripe")


def test_a_new_write_over_a_rolled_back_row_takes_a_fresh_version(
    local_store: LocalCredentialStore,
) -> None:
    local_store.put("acme", "stripe", {"api_key": "sk_1"})
    backup = raw_row(local_store.engine, "acme", "stripe")
    local_store.put("acme", "stripe", {"api_key": "sk_2"})
    _restore(local_store.engine, backup)
    assert local_store.put("acme", "stripe", {"api_key": "sk_3"}).version == 3
    assert _plain(local_store) == "sk_3"


def test_delete_keeps_the_mark_so_a_deleted_row_cannot_come_back(
    local_store: LocalCredentialStore,
) -> None:
    local_store.put("acme", "stripe", {"api_key": "sk_1"})
    local_store.put("acme", "stripe", {"api_key": "sk_2"})
    backup = raw_row(local_store.engine, "acme", "stripe")
    local_store.delete("acme", "stripe")
    assert local_store.put("acme", "stripe", {"api_key": "sk_after"}).version == 3
    _restore(local_store.engine, backup)
    with pytest.raises(CredentialRollbackError):
        local_store.get("acme", "stripe")


def _legacy_row(store: LocalCredentialStore, keyring: LocalKeyring, version: int) -> None:
    """A row written the way format 1 did (no version in the AAD), with no mark yet."""
    data_key, dk_id = new_data_key(), new_data_key_id()
    nonce, ciphertext = seal_payload(
        data_key, {"api_key": _secret("sk_legacy")}, payload_aad("acme", "stripe", dk_id, 1, 0)
    )
    wrapped = keyring.wrap(data_key, data_key_aad("acme", "stripe", dk_id, 1, 0))
    with store.engine.begin() as conn:
        conn.execute(
            store.table.insert().values(
                tenant="acme",
                connection="stripe",
                version=version,
                format_version=1,
                wrapper=wrapped.wrapper,
                key_id=wrapped.key_id,
                data_key_id=dk_id,
                wrapped_key=wrapped.blob,
                nonce=nonce,
                ciphertext=ciphertext,
            )
        )


def _secret(value: str):  # -> SecretStr
    from pydantic import SecretStr

    return SecretStr(value)


def test_format_1_rows_stay_readable_and_are_rebound_on_first_read(
    vault_engine: Engine, mem_keyring: LocalKeyring
) -> None:
    store = LocalCredentialStore(vault_engine, mem_keyring)
    _legacy_row(store, mem_keyring, version=5)
    legacy = raw_row(vault_engine, "acme", "stripe")

    payload, ref = store.get_with_ref("acme", "stripe")
    assert payload["api_key"].get_secret_value() == "sk_legacy"
    assert ref.version == 5
    upgraded = raw_row(vault_engine, "acme", "stripe")
    assert (upgraded["format_version"], upgraded["version"]) == (2, 5)
    assert upgraded["data_key_id"] != legacy["data_key_id"]
    assert _plain(store) == "sk_legacy"
    with vault_engine.connect() as conn:
        mark = conn.execute(sa.text("select version from canonry_credential_versions")).scalar()
    assert mark == 5
    # ... so the legacy row itself, put back, is now an old row:
    _restore(vault_engine, legacy, version=4)
    with pytest.raises(CredentialRollbackError):
        store.get("acme", "stripe")


def test_format_1_rows_are_rebound_on_the_next_write_too(
    vault_engine: Engine, mem_keyring: LocalKeyring
) -> None:
    store = LocalCredentialStore(vault_engine, mem_keyring)
    _legacy_row(store, mem_keyring, version=2)
    assert store.put("acme", "stripe", {"api_key": "sk_new"}, expected_version=2).version == 3
    assert raw_row(vault_engine, "acme", "stripe")["format_version"] == 2
    assert _plain(store) == "sk_new"


@pytest.mark.postgres
def test_rollback_is_refused_on_postgresql(postgres_url: str) -> None:
    from vault import make_engine

    engine = make_engine(postgres_url)
    try:
        store = LocalCredentialStore(engine, LocalKeyring.generate())
        store.put("acme", "stripe", {"api_key": "sk_1"})
        backup = raw_row(engine, "acme", "stripe")
        store.put("acme", "stripe", {"api_key": "sk_2"})
        _restore(engine, backup)
        with pytest.raises(CredentialRollbackError):
            store.get("acme", "stripe")
        assert store.accept_restored("acme", "stripe").version == 3
        assert _plain(store) == "sk_1"
    finally:
        engine.dispose()


def test_migration_0004_gives_existing_credentials_their_mark(tmp_path: object) -> None:
    from registry import create_engine, upgrade

    engine = create_engine(f"sqlite:///{tmp_path}/migrate.db")
    keyring = LocalKeyring.generate()
    try:
        upgrade(engine, "0003")  # a database from before the marks
        store = LocalCredentialStore(engine, keyring, create_table=False)
        with engine.begin() as conn:
            assert not sa.inspect(conn).has_table("canonry_credential_versions")
        _legacy_row(store, keyring, version=3)
        backup = raw_row(engine, "acme", "stripe")
        upgrade(engine)
        with engine.connect() as conn:
            marks = conn.execute(sa.text("select * from canonry_credential_versions")).all()
        assert [(m.tenant, m.connection, m.version) for m in marks] == [("acme", "stripe", 3)]
        assert _plain(store) == "sk_legacy"
        _restore(engine, backup, version=2)
        with pytest.raises(CredentialRollbackError):
            store.get("acme", "stripe")
    finally:
        engine.dispose()
