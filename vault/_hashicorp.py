"""``HashiCorpStore``: credentials in HashiCorp Vault's KV version 2 secrets engine.

Each connection's payload is one KV v2 secret at ``<mount>/data/<prefix>/<tenant>/<connection>``.
Every ``put`` makes a new KV version (``CredentialRef.version`` is that version number);
``expected_version`` becomes KV's check-and-set (``cas``) option, so a writer that read an
older version gets ``ConflictError`` instead of silently overwriting. ``delete`` removes the
metadata and every version (permanent, not KV's soft delete).
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Mapping
from typing import Any

import requests
from pydantic import SecretStr

from canonical import ConfigurationError, NotFoundInRegistry
from vault._hashicorp_client import VaultClient
from vault._hashicorp_config import VaultSettings, validate_segment
from vault._store import CredentialRef, CredentialStore, SecretPayload, normalise_secrets

__all__ = ["HashiCorpStore"]


class HashiCorpStore(CredentialStore):
    """A ``CredentialStore`` on Vault KV v2 through the official ``hvac`` client."""

    backend = "hashicorp"

    def __init__(
        self,
        settings: VaultSettings,
        *,
        client: VaultClient | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.settings = settings
        self.client = client or VaultClient(settings, session=session)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HashiCorpStore:
        """A store configured from ``VAULT_*`` / ``CANONRY_VAULT_*`` variables."""
        return cls(VaultSettings.from_env(os.environ if environ is None else environ))

    def __repr__(self) -> str:
        return f"HashiCorpStore({self.client!r}, mount={self.settings.mount!r})"

    def close(self) -> None:
        """Close the HTTP session to Vault."""
        self.client.close()

    def path_for(self, tenant: str, connection: str) -> str:
        """The secret's path inside the mount (``<prefix>/<tenant>/<connection>``)."""
        tenant = validate_segment(tenant, "tenant")
        connection = validate_segment(connection, "connection")
        return f"{self.settings.prefix}/{tenant}/{connection}"

    def _where(self, path: str) -> str:
        return f"{self.settings.mount}/data/{path}"

    def put(
        self,
        tenant: str,
        connection: str,
        secrets: Mapping[str, SecretStr | str],
        *,
        expected_version: int | None = None,
    ) -> CredentialRef:
        path = self.path_for(tenant, connection)
        payload = {k: v.get_secret_value() for k, v in normalise_secrets(secrets).items()}
        response = self.client.call(
            self._where(path),
            lambda c: c.secrets.kv.v2.create_or_update_secret(
                path=path, secret=payload, cas=expected_version, mount_point=self.settings.mount
            ),
        )
        if not isinstance(response, dict) or "version" not in (response.get("data") or {}):
            raise ConfigurationError(
                f"the Vault mount {self.settings.mount!r} did not answer like KV version 2",
                hint="point CANONRY_VAULT_MOUNT at a KV v2 mount (vault secrets enable -version=2 "
                "kv), or upgrade the mount: vault kv enable-versioning <mount>",
            )
        version = int(response["data"]["version"])
        return CredentialRef(self.backend, tenant, connection, version)

    def get(self, tenant: str, connection: str) -> SecretPayload:
        return self.get_with_ref(tenant, connection)[0]

    def get_with_ref(self, tenant: str, connection: str) -> tuple[SecretPayload, CredentialRef]:
        path = self.path_for(tenant, connection)
        response = self.client.call(
            self._where(path),
            lambda c: c.secrets.kv.v2.read_secret_version(
                path=path, mount_point=self.settings.mount, raise_on_deleted_version=True
            ),
        )
        body: dict[str, Any] = response["data"]
        data = body.get("data") or {}
        payload = {str(k): SecretStr(str(v)) for k, v in data.items()}
        version = int(body["metadata"]["version"])
        return payload, CredentialRef(self.backend, tenant, connection, version)

    def delete(self, tenant: str, connection: str) -> None:
        """Remove the secret's metadata and all its versions; a missing secret is a no-op."""
        path = self.path_for(tenant, connection)
        self.client.call(
            f"{self.settings.mount}/metadata/{path}",
            lambda c: c.secrets.kv.v2.delete_metadata_and_all_versions(
                path=path, mount_point=self.settings.mount
            ),
        )

    def versions(self, tenant: str, connection: str) -> builtins.list[int]:
        """The KV versions Vault still holds for this connection, oldest first."""
        metadata = self._metadata(self.path_for(tenant, connection))
        return sorted(int(v) for v in metadata.get("versions", {}))

    def list(self, tenant: str | None = None) -> list[CredentialRef]:
        """References under the prefix (KV metadata LIST), each at its current version."""
        tenants = [validate_segment(tenant, "tenant")] if tenant else self._keys("")
        refs: list[CredentialRef] = []
        for name in tenants:
            for connection in self._keys(name):
                metadata = self._metadata(f"{self.settings.prefix}/{name}/{connection}")
                version = int(metadata["current_version"])
                refs.append(CredentialRef(self.backend, name, connection, version))
        return refs

    def _keys(self, sub: str) -> builtins.list[str]:
        path = f"{self.settings.prefix}/{sub}".rstrip("/")
        try:
            response = self.client.call(
                f"{self.settings.mount}/metadata/{path}",
                lambda c: c.secrets.kv.v2.list_secrets(path=path, mount_point=self.settings.mount),
            )
        except NotFoundInRegistry:
            return []
        keys = response["data"]["keys"]
        folders = not sub
        return sorted(k.rstrip("/") for k in keys if k.endswith("/") == folders)

    def _metadata(self, path: str) -> dict[str, Any]:
        response = self.client.call(
            f"{self.settings.mount}/metadata/{path}",
            lambda c: c.secrets.kv.v2.read_secret_metadata(
                path=path, mount_point=self.settings.mount
            ),
        )
        metadata: dict[str, Any] = response["data"]
        return metadata

    def check(self) -> builtins.list[str]:
        """Prove the credentials work: the token's policies (``auth/token/lookup-self``)."""
        data = self.client.lookup_self().get("data") or {}
        return [str(p) for p in data.get("policies") or []]
