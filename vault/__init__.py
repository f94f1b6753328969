"""Credential storage: local envelope encryption and HashiCorp Vault backends."""

from vault._store import CredentialRef, CredentialStore, SecretPayload

__all__ = ["CredentialRef", "CredentialStore", "SecretPayload"]
