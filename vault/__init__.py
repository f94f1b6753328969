"""Credential storage: local envelope encryption and HashiCorp Vault backends."""

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
