"""Credential storage: local envelope encryption and HashiCorp Vault backends."""

from vault._hashicorp import HashiCorpStore
from vault._hashicorp_config import VaultSettings
from vault._store import CredentialRef, CredentialStore, SecretPayload
from vault._transit import TransitKeyWrapper
from vault._wrapping import KeyWrapper, WrappedKey

__all__ = [
    "CredentialRef",
    "CredentialStore",
    "HashiCorpStore",
    "KeyWrapper",
    "SecretPayload",
    "TransitKeyWrapper",
    "VaultSettings",
    "WrappedKey",
]
