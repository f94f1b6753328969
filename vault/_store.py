"""The ``CredentialStore`` interface: secrets for one (tenant, connection) pair."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import SecretStr

from canonical import ValidationFailed

__all__ = ["CredentialRef", "CredentialStore", "SecretPayload", "normalise_secrets"]

SecretPayload = dict[str, SecretStr]
"""A credential: named secret values, never plain ``str`` outside the store."""


def normalise_secrets(secrets: Mapping[str, SecretStr | str]) -> dict[str, SecretStr]:
    """Check names and wrap plain values in ``SecretStr`` (messages name fields, never values)."""
    if not secrets:
        raise ValidationFailed("a credential needs at least one named secret value")
    out: dict[str, SecretStr] = {}
    for name, value in secrets.items():
        if not isinstance(name, str) or not name:
            raise ValidationFailed("secret names must be non-empty strings")
        if isinstance(value, SecretStr):
            out[name] = value
        elif isinstance(value, str):
            out[name] = SecretStr(value)
        else:
            raise ValidationFailed(
                f"secret {name!r} must be a string or SecretStr, not {type(value).__name__}"
            )
    return out


@dataclass(frozen=True)
class CredentialRef:
    """Where a connection's credential lives; safe to store and print (holds no secret)."""

    backend: str
    tenant: str
    connection: str
    version: int = 1

    def __str__(self) -> str:
        return f"{self.backend}:{self.tenant}/{self.connection}@v{self.version}"


class CredentialStore(ABC):
    """Put, get, delete and list the credentials of (tenant, connection) pairs.

    ``put`` replaces the whole payload and returns the new reference. ``expected_version``
    makes the write check-and-set: it fails with ``ConflictError`` when another writer
    stored a newer version first. Every method raises ``CredentialError`` subclasses.
    """

    backend: str

    @abstractmethod
    def put(
        self,
        tenant: str,
        connection: str,
        secrets: Mapping[str, SecretStr | str],
        *,
        expected_version: int | None = None,
    ) -> CredentialRef: ...

    @abstractmethod
    def get(self, tenant: str, connection: str) -> SecretPayload:
        """The stored payload; ``NotFoundInRegistry`` when there is none."""

    @abstractmethod
    def get_with_ref(self, tenant: str, connection: str) -> tuple[SecretPayload, CredentialRef]:
        """The payload with the reference (and so the version) it was read at."""

    @abstractmethod
    def delete(self, tenant: str, connection: str) -> None: ...

    @abstractmethod
    def list(self, tenant: str | None = None) -> list[CredentialRef]: ...
