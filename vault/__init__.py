"""Credential storage: local envelope encryption and HashiCorp Vault backends."""

from vault._store import CredentialRef, CredentialStore, SecretPayload
from vault._wrapping import KeyWrapper, WrappedKey

__all__ = ["CredentialRef", "CredentialStore", "KeyWrapper", "SecretPayload", "WrappedKey"]
