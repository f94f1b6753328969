"""One resolver for connections: the webhook endpoint, the jobs and the Registry use it.

``ConnectionResolver.resolve(connection_id)`` answers with a ``ResolvedConnection`` (tenant,
adapter class, config, decrypted secrets) under one set of rules:

- a connection that does not exist, or belongs to another tenant when one is given, is
  ``NotFoundInRegistry`` (a removed connection too);
- a disabled connection is ``ConnectionDisabledError`` (it receives and processes nothing);
- a connection that needs re-authorisation still resolves (its webhook secrets are valid;
  vendor calls fail with the vendor's ``AuthenticationError`` until it is re-authorised);
- an adapter that is not installed is an ``AdapterNotInstalledError`` (a
  ``ConfigurationError``; a misconfigured credential store raises its own errors, which
  callers must not mistake for these two).

Answers are cached, and a cached answer never outlives a change: every ``recheck`` seconds
(1 s by default) a lookup reads the connection's version (its ``updated_at``, status,
credential reference and newest mapping change: one indexed query) and reloads when it
moved, so ``connections update``, ``credentials set|rotate``, disable and remove take effect
within about a second. Secrets changed in Vault behind Canonry's back are read again after
``max_age`` seconds (30 by default). "No such connection" is cached for ``recheck`` seconds.
A database failure is a ``CanonryError`` (``retryable`` when it is an operational one).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from adapters import Adapter
from canonical import ConfigurationError, NotFoundInRegistry
from registry._engine import database_errors
from registry._tables import ConnectionRow, ConnectionStatus, MappingVersionRow
from registry._validation import credentials_model_for
from vault import CredentialStore

__all__ = [
    "AdapterNotInstalledError",
    "ConnectionDisabledError",
    "ConnectionResolver",
    "ResolvedConnection",
]

_C: sa.Table = ConnectionRow.__table__  # type: ignore[attr-defined]
_M: sa.Table = MappingVersionRow.__table__  # type: ignore[attr-defined]
_URL_FIELDS = ("base_url", "api_base", "url")


class ConnectionDisabledError(ConfigurationError):
    """The connection is disabled: it receives and processes nothing until enabled."""


class AdapterNotInstalledError(ConfigurationError):
    """The connection's adapter is not installed in this process."""


@dataclass(frozen=True)
class ResolvedConnection:
    """A connection as the resolver found it (``secrets`` never appear in its repr)."""

    id: str
    tenant: str
    name: str
    adapter: str
    adapter_cls: type[Adapter]
    status: str
    config: dict[str, Any]
    version: str
    secrets: Mapping[str, SecretStr] = field(repr=False)
    credential_missing: bool = False
    """A credential is referenced but the store has none (it was deleted there)."""
    loaded_at: float = 0.0

    @property
    def vendor(self) -> str:
        """The vendor API the connection calls: adapter key, plus the host of a configured
        base URL (connections of one adapter on one host share it)."""
        for name in _URL_FIELDS:
            value = self.config.get(name)
            if isinstance(value, str) and value:
                return f"{self.adapter}@{urlsplit(value).netloc or value}"
        return self.adapter

    def require_enabled(self) -> ResolvedConnection:
        if self.status == ConnectionStatus.DISABLED.value:
            raise ConnectionDisabledError(
                f"connection {self.name!r} is disabled",
                hint=f"enable it with `canonry connections update {self.name} --status active`",
            )
        return self


@dataclass
class _Entry:
    value: ResolvedConnection | None
    checked_at: float


def _version_query() -> sa.Select[Any]:
    newest_mapping = (
        sa.select(sa.func.max(_M.c.updated_at)).where(_M.c.connection_id == _C.c.id)
    ).scalar_subquery()
    return sa.select(
        _C.c.updated_at, _C.c.status, _C.c.credential_ref, newest_mapping.label("mapping")
    ).where(_C.c.id == sa.bindparam("id"))


_VERSION = _version_query()
_ROW = sa.select(_C).where(_C.c.id == sa.bindparam("id"))


def _version(row: Any) -> str:
    return f"{row.updated_at}|{row.status}|{row.credential_ref}|{row.mapping}"


class ConnectionResolver:
    """Connection id -> ``ResolvedConnection``, cached until the connection changes."""

    def __init__(
        self,
        engine: Engine,
        credentials: Callable[[], CredentialStore],
        adapters: Callable[[], Mapping[str, type[Adapter]]],
        *,
        recheck: float = 1.0,
        max_age: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 10_000,
    ) -> None:
        self.engine = engine
        self._credentials = credentials
        self._adapters = adapters
        self.recheck = recheck
        self.max_age = max_age
        self._clock = clock
        self._max = max_entries
        self._cache: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    # lookups ----------------------------------------------------------------------
    def peek(self, connection_id: str) -> tuple[bool, ResolvedConnection | None]:
        """(known, connection) from the cache without I/O: known only while the cached
        answer was checked less than ``recheck`` seconds ago (None: no such connection)."""
        entry = self._cache.get(connection_id)
        if entry is None or self._clock() - entry.checked_at >= self.recheck:
            return False, None
        return True, entry.value

    def resolve(
        self, connection_id: str, *, tenant: str | None = None, fresh: bool = False
    ) -> ResolvedConnection:
        """The connection, under the module's rules (blocking: may read the database and
        the credential store). ``fresh``: reload even if nothing seems to have changed."""
        found = self._lookup(connection_id, fresh)
        if found is None or (tenant is not None and found.tenant != tenant):
            raise NotFoundInRegistry(
                f"no connection with id {connection_id!r}"
                + (f" in tenant {tenant!r}" if tenant is not None else ""),
                hint="list connections and their ids with `canonry connections list`",
            )
        return found.require_enabled()

    def age(self, resolved: ResolvedConnection) -> float:
        """Seconds since ``resolved`` was read from the database."""
        return self._clock() - resolved.loaded_at

    def invalidate(self, connection_id: str | None = None) -> None:
        with self._lock:
            if connection_id is None:
                self._cache.clear()
            else:
                self._cache.pop(connection_id, None)

    def adapter(self, resolved: ResolvedConnection, http: httpx.Client | None = None) -> Adapter:
        """A new adapter for ``resolved`` (config, decrypted credentials, ``http`` seam)."""
        resolved.require_enabled()
        if resolved.credential_missing:
            raise NotFoundInRegistry(
                f"the credential of connection {resolved.name!r} is missing from the store",
                hint=f"set it again with `canonry credentials set {resolved.name}`",
            )
        cls = resolved.adapter_cls
        fields = cls.credentials_model.model_fields.values()
        if not resolved.secrets and any(f.is_required() for f in fields):
            raise NotFoundInRegistry(
                f"connection {resolved.name!r} has no credentials yet",
                hint=f"run `canonry credentials set {resolved.name}`",
            )
        credentials = credentials_model_for(cls, resolved.secrets)
        return cls(resolved.config, credentials, connection_id=resolved.id, http=http)

    # loading ----------------------------------------------------------------------
    def _lookup(self, connection_id: str, fresh: bool) -> ResolvedConnection | None:
        now = self._clock()
        entry = self._cache.get(connection_id)
        if not fresh and entry is not None and now - entry.checked_at < self.recheck:
            return entry.value
        with database_errors(), self.engine.connect() as conn:
            current = conn.execute(_VERSION, {"id": connection_id}).first()
        if current is None:
            self._store(connection_id, None, now)
            return None
        cached = entry.value if entry is not None else None
        if (
            not fresh
            and cached is not None
            and cached.version == _version(current)
            and now - cached.loaded_at < self.max_age
        ):
            self._store(connection_id, cached, now)
            return cached
        loaded = self.load(connection_id)
        self._store(connection_id, loaded, now)
        return loaded

    def load(self, connection_id: str) -> ResolvedConnection | None:
        """Read the connection and its secrets now (no cache; None: no such connection)."""
        with database_errors(), self.engine.connect() as conn:
            row = conn.execute(_ROW, {"id": connection_id}).mappings().first()
            current = conn.execute(_VERSION, {"id": connection_id}).first()
        if row is None or current is None:
            return None
        cls = self._adapter_class(row["adapter"], row["name"])
        secrets, missing = self._secrets(row["tenant"], row["id"], row["credential_ref"])
        return ResolvedConnection(
            id=row["id"],
            tenant=row["tenant"],
            name=row["name"],
            adapter=row["adapter"],
            adapter_cls=cls,
            status=row["status"],
            config=dict(row["config"] or {}),
            version=_version(current),
            secrets=secrets,
            credential_missing=missing,
            loaded_at=self._clock(),
        )

    def _adapter_class(self, key: str, name: str) -> type[Adapter]:
        adapters = self._adapters()
        cls = adapters.get(key)
        if cls is None:
            known = ", ".join(sorted(adapters)) or "none"
            raise AdapterNotInstalledError(
                f"connection {name!r} uses adapter {key!r}, which is not installed",
                hint=f"install the plugin that provides it (installed adapters: {known})",
            )
        return cls

    def _secrets(
        self, tenant: str, connection_id: str, ref: str | None
    ) -> tuple[dict[str, SecretStr], bool]:
        if ref is None:
            return {}, False
        try:
            return dict(self._credentials().get(tenant, connection_id)), False
        except NotFoundInRegistry:
            return {}, True

    def _store(self, connection_id: str, value: ResolvedConnection | None, now: float) -> None:
        with self._lock:
            if len(self._cache) >= self._max and connection_id not in self._cache:
                self._cache.clear()
            self._cache[connection_id] = _Entry(value, now)
