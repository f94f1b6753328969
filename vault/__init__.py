"""Credential storage: local envelope encryption and HashiCorp Vault backends."""

from vault._config import store_from_env, wrapper_from_env
from vault._db import make_engine
from vault._hashicorp import HashiCorpStore
from vault._hashicorp_config import VaultSettings
from vault._keyring import LocalKeyring, default_key_file, init_local_keyring
from vault._local import LocalCredentialStore
from vault._masterkeys import parse_master_keys
from vault._rotation import RotationProgress, RotationReport, retire_key, rotate
from vault._store import CredentialRef, CredentialStore, SecretPayload
from vault._tables import CredentialRow
from vault._transit import TransitKeyWrapper
from vault._wrapping import KeyWrapper, WrappedKey

__all__ = [
    "CredentialRef",
    "CredentialRow",
    "CredentialStore",
    "HashiCorpStore",
    "KeyWrapper",
    "LocalCredentialStore",
    "LocalKeyring",
    "RotationProgress",
    "RotationReport",
    "SecretPayload",
    "TransitKeyWrapper",
    "VaultSettings",
    "WrappedKey",
    "default_key_file",
    "init_local_keyring",
    "make_engine",
    "parse_master_keys",
    "retire_key",
    "rotate",
    "store_from_env",
    "wrapper_from_env",
]
