"""``TenantCredentialStore``: a credential store bound to one tenant.

A tenant-bound object (a ``Registry``) hands out this view, never the store itself, so
nothing reachable from it reads or writes another tenant's credentials: another tenant's
credential behaves exactly like a missing one (``NotFoundInRegistry``), and writing one is
refused. Administration across tenants uses the store itself (``vault.store_from_env``).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping

from pydantic import SecretStr

from canonical import ConfigurationError, NotFoundInRegistry
from vault._store import CredentialRef, CredentialStore, SecretPayload

__all__ = ["TenantCredentialStore"]


class TenantCredentialStore(CredentialStore):
    """``store`` seen from ``tenant``: the same interface, other tenants out of reach."""

    def __init__(self, store: CredentialStore, tenant: str) -> None:
        self._store = store
        self.tenant = tenant
        self.backend = store.backend

    def __repr__(self) -> str:
        return f"TenantCredentialStore(tenant={self.tenant!r}, backend={self.backend!r})"

    def _readable(self, tenant: str, connection: str) -> None:
        if tenant != self.tenant:
            raise NotFoundInRegistry(
                f"no credential stored for tenant {tenant!r}, connection {connection!r}",
                hint=f"this store is bound to tenant {self.tenant!r}",
            )

    def put(
        self,
        tenant: str,
        connection: str,
        secrets: Mapping[str, SecretStr | str],
        *,
        expected_version: int | None = None,
    ) -> CredentialRef:
        if tenant != self.tenant:
            raise ConfigurationError(
                f"this credential store is bound to tenant {self.tenant!r} and cannot write "
                f"tenant {tenant!r}",
                hint="open a Registry for that tenant (--tenant)",
            )
        return self._store.put(tenant, connection, secrets, expected_version=expected_version)

    def get(self, tenant: str, connection: str) -> SecretPayload:
        self._readable(tenant, connection)
        return self._store.get(tenant, connection)

    def get_with_ref(self, tenant: str, connection: str) -> tuple[SecretPayload, CredentialRef]:
        self._readable(tenant, connection)
        return self._store.get_with_ref(tenant, connection)

    def delete(self, tenant: str, connection: str) -> None:
        self._readable(tenant, connection)
        self._store.delete(tenant, connection)

    def accept_restored(self, tenant: str, connection: str) -> CredentialRef:
        self._readable(tenant, connection)
        return self._store.accept_restored(tenant, connection)

    def list(self, tenant: str | None = None) -> builtins.list[CredentialRef]:
        """This tenant's references (``tenant=None`` means this tenant, not every tenant)."""
        if tenant is not None and tenant != self.tenant:
            return []
        return self._store.list(self.tenant)
