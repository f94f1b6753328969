"""The ``CredentialStore`` interface: secrets for one (tenant, connection) pair."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import SecretStr

from canonical import DecryptionError, ValidationFailed

__all__ = [
    "CredentialRef",
    "CredentialRollbackError",
    "CredentialStore",
    "SecretPayload",
    "normalise_secrets",
]

SecretPayload = dict[str, SecretStr]
"""A credential: named secret values, never plain ``str`` outside the store."""


def normalise_secrets(secrets: Mapping[str, SecretStr | str]) -> dict[str, SecretStr]:
    """Check names and values and wrap plain values in ``SecretStr``.

    Every value must hold something other than whitespace: an empty API key is always a
    mistake (a prompt answered with Enter, ``{"api_key": ""}`` on stdin) and would only fail
    later, at the vendor. Messages name fields, never values.
    """
    if not secrets:
        raise ValidationFailed("a credential needs at least one named secret value")
    out: dict[str, SecretStr] = {}
    for name, value in secrets.items():
        if not isinstance(name, str) or not name:
            raise ValidationFailed("secret names must be non-empty strings")
        if isinstance(value, str):
            value = SecretStr(value)
        if not isinstance(value, SecretStr):
            raise ValidationFailed(
                f"secret {name!r} must be a string or SecretStr, not {type(value).__name__}"
            )
        if not value.get_secret_value().strip():
            raise ValidationFailed(
                f"secret {name!r} is empty",
                hint="give it a value, or leave an optional field out entirely",
            )
        out[name] = value
    return out


class CredentialRollbackError(DecryptionError):
    """The stored credential is older than the newest version its owner ever stored.

    The row was restored from a backup or replayed by someone with write access to the
    database. It is refused until it is accepted explicitly (``accept_restored``, or
    ``canonry credentials restore``) or replaced by a new write.
    """

    def __init__(self, tenant: str, connection: str, version: int, newest: int) -> None:
        super().__init__(
            f"the credential of tenant {tenant!r}, connection {connection!r} is version "
            f"{version}, but version {newest} was stored before: it was restored from an "
            "older backup or replayed",
            hint="if you restored it on purpose, accept it with `canonry credentials restore "
            "CONNECTION`; otherwise set the credential again",
        )
        self.tenant, self.connection = tenant, connection
        self.version, self.newest = version, newest


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

    def accept_restored(self, tenant: str, connection: str) -> CredentialRef:
        """Accept the credential stored now (e.g. restored from a backup) as current.

        Stores its payload again as a new version (check-and-set on the version read).
        Stores that keep version high-water marks (the local store) override this to accept
        a row older than its mark, which ``get`` refuses with ``CredentialRollbackError``.
        """
        payload, ref = self.get_with_ref(tenant, connection)
        return self.put(tenant, connection, payload, expected_version=ref.version)

    @abstractmethod
    def list(self, tenant: str | None = None) -> list[CredentialRef]: ...
