"""Credential storage: local envelope encryption and HashiCorp Vault backends.

Names load on first use (PEP 562), so importing ``vault`` for one name does not import
``hvac`` or the OAuth client; ``TYPE_CHECKING`` imports keep them visible to type checkers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vault._config import store_from_env, wrapper_from_env
    from vault._db import ENGINE_LOGGING_NAME, make_engine, private_sql_logging
    from vault._hashicorp import HashiCorpStore
    from vault._hashicorp_client import VaultClient
    from vault._hashicorp_config import VaultSettings
    from vault._hashicorp_policy import minimal_policy
    from vault._keyring import LocalKeyring, default_key_file, init_local_keyring
    from vault._local import LocalCredentialStore
    from vault._locks import ConnectionLock, ThreadConnectionLock
    from vault._locks_sql import SqlConnectionLock
    from vault._masterkeys import parse_master_keys
    from vault._oauth import OAuthRefresher
    from vault._oauth_http import TokenEndpoint
    from vault._oauth_token import OAuthToken, load_token, save_token
    from vault._rotation import RotationProgress, RotationReport, retire_key, rotate
    from vault._scoped import TenantCredentialStore
    from vault._store import CredentialRef, CredentialRollbackError, CredentialStore, SecretPayload
    from vault._tables import CredentialRow, CredentialVersionRow
    from vault._transit import TransitKeyWrapper
    from vault._wrapping import KeyWrapper, WrappedKey

__all__ = [
    "ENGINE_LOGGING_NAME",
    "ConnectionLock",
    "CredentialRef",
    "CredentialRollbackError",
    "CredentialRow",
    "CredentialStore",
    "CredentialVersionRow",
    "HashiCorpStore",
    "KeyWrapper",
    "LocalCredentialStore",
    "LocalKeyring",
    "OAuthRefresher",
    "OAuthToken",
    "RotationProgress",
    "RotationReport",
    "SecretPayload",
    "SqlConnectionLock",
    "TenantCredentialStore",
    "ThreadConnectionLock",
    "TokenEndpoint",
    "TransitKeyWrapper",
    "VaultClient",
    "VaultSettings",
    "WrappedKey",
    "default_key_file",
    "init_local_keyring",
    "load_token",
    "make_engine",
    "minimal_policy",
    "parse_master_keys",
    "private_sql_logging",
    "retire_key",
    "rotate",
    "save_token",
    "store_from_env",
    "wrapper_from_env",
]

_HOMES = {
    "store_from_env": "vault._config",
    "wrapper_from_env": "vault._config",
    "ENGINE_LOGGING_NAME": "vault._db",
    "make_engine": "vault._db",
    "private_sql_logging": "vault._db",
    "HashiCorpStore": "vault._hashicorp",
    "VaultClient": "vault._hashicorp_client",
    "VaultSettings": "vault._hashicorp_config",
    "minimal_policy": "vault._hashicorp_policy",
    "LocalKeyring": "vault._keyring",
    "default_key_file": "vault._keyring",
    "init_local_keyring": "vault._keyring",
    "LocalCredentialStore": "vault._local",
    "ConnectionLock": "vault._locks",
    "ThreadConnectionLock": "vault._locks",
    "SqlConnectionLock": "vault._locks_sql",
    "parse_master_keys": "vault._masterkeys",
    "OAuthRefresher": "vault._oauth",
    "TokenEndpoint": "vault._oauth_http",
    "OAuthToken": "vault._oauth_token",
    "load_token": "vault._oauth_token",
    "save_token": "vault._oauth_token",
    "RotationProgress": "vault._rotation",
    "RotationReport": "vault._rotation",
    "retire_key": "vault._rotation",
    "rotate": "vault._rotation",
    "TenantCredentialStore": "vault._scoped",
    "CredentialRef": "vault._store",
    "CredentialRollbackError": "vault._store",
    "CredentialStore": "vault._store",
    "SecretPayload": "vault._store",
    "CredentialRow": "vault._tables",
    "CredentialVersionRow": "vault._tables",
    "TransitKeyWrapper": "vault._transit",
    "KeyWrapper": "vault._wrapping",
    "WrappedKey": "vault._wrapping",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'vault' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
