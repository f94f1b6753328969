"""The ``CredentialStore`` interface: secrets for one (tenant, connection) pair."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import SecretStr

__all__ = ["CredentialRef", "CredentialStore", "SecretPayload"]

SecretPayload = dict[str, SecretStr]
"""A credential: named secret values, never plain ``str`` outside the store."""


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
