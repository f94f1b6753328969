"""The local store's public names stay importable from the ``vault`` package."""

from __future__ import annotations

import vault

LOCAL_API = {
    "CredentialRow",
    "LocalCredentialStore",
    "LocalKeyring",
    "RotationProgress",
    "RotationReport",
    "default_key_file",
    "init_local_keyring",
    "make_engine",
    "parse_master_keys",
    "retire_key",
    "rotate",
    "store_from_env",
    "wrapper_from_env",
}


def test_local_store_api_is_exported() -> None:
    assert set(vault.__all__) >= LOCAL_API
    assert all(getattr(vault, name) is not None for name in LOCAL_API)


def test_the_credentials_table_is_on_sqlmodel_metadata() -> None:
    from sqlmodel import SQLModel

    table = SQLModel.metadata.tables["canonry_credentials"]
    assert {c.name for c in table.columns} >= {
        "tenant",
        "connection",
        "version",
        "format_version",
        "wrapper",
        "key_id",
        "data_key_id",
        "wrapped_key",
        "nonce",
        "ciphertext",
        "created_at",
        "updated_at",
    }
