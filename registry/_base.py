"""The Registry's core: engine, tenant scope, adapter construction and checks."""

from __future__ import annotations

import getpass
import os
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Self

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from adapters import Adapter, CheckResult
from canonical import (
    ConfigurationError,
    NotFoundInRegistry,
    ReauthorizationRequired,
)
from registry._catalog import AdapterCatalog
from registry._database import check_opened
from registry._engine import create_engine, database_errors
from registry._mappings import RecordMapper, active_version, compile_mapper
from registry._models import Connection
from registry._outbox import NEEDS_REAUTH, add_event
from registry._queries import find_connection, write_audit
from registry._resolver import ConnectionResolver, ResolvedConnection
from registry._tables import ConnectionRow, ConnectionStatus, utcnow

if TYPE_CHECKING:  # the vault loads when credentials are first needed (fast list commands)
    from vault import CredentialStore

__all__ = ["HttpFactory", "RegistryBase", "new_id"]

HttpFactory = Callable[[Connection], httpx.Client | None]
"""Builds the HTTP client an adapter gets for a connection (the transport seam)."""

_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def _check_tenant(tenant: str) -> str:
    if not _TENANT.match(tenant):
        raise ConfigurationError(
            f"invalid tenant {tenant!r}",
            hint="use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return tenant


class RegistryBase:
    """Engine, tenant, adapters, credentials and the helpers the public methods share."""

    def __init__(
        self,
        database_url: str | None = None,
        *,
        tenant: str,
        adapters: Mapping[str, type[Adapter]] | None = None,
        credentials: CredentialStore | None = None,
        http_factory: HttpFactory | None = None,
        actor: str | None = None,
    ) -> None:
        self.tenant = _check_tenant(tenant)
        self.engine: Engine = create_engine(database_url)
        check_opened(self.engine)
        self.catalog = AdapterCatalog(adapters)
        self._credentials = credentials
        self._scoped: CredentialStore | None = None
        self._http_factory = http_factory
        self._resolver: ConnectionResolver | None = None
        self.actor = actor or os.environ.get("CANONRY_ACTOR") or _user()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        url = self.engine.url.render_as_string(hide_password=True)
        return f"<Registry tenant={self.tenant!r} database={url!r}>"

    # plumbing ---------------------------------------------------------------------
    @property
    def credential_store(self) -> CredentialStore:
        """The credential store bound to this registry's tenant (other tenants are out of
        reach); cross-tenant administration uses the store itself (``vault.store_from_env``)."""
        if self._scoped is None:
            import vault

            if self._credentials is None:
                # the schema belongs to the migrations (`canonry init`), not to the store
                self._credentials = vault.store_from_env(
                    self.engine, os.environ, create_table=False
                )
            self._scoped = vault.TenantCredentialStore(self._credentials, self.tenant)
        return self._scoped

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with (
            database_errors(),
            Session(self.engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    def _row(self, name_or_id: str) -> ConnectionRow:
        with self._tx() as session:
            return find_connection(session, self.tenant, name_or_id)

    def _audit(self, session: Session, action: str, target: str, **details: Any) -> None:
        write_audit(
            session,
            actor=self.actor,
            tenant=self.tenant,
            action=action,
            target=target,
            details=details,
        )

    def _set_status(self, row: ConnectionRow, status: ConnectionStatus, reason: str) -> None:
        """Set the connection's status; becoming ``needs_reauth`` is announced (outbox)."""
        with self._tx() as session:
            fresh = find_connection(session, self.tenant, row.id)
            before = fresh.status
            fresh.status, fresh.updated_at = status.value, utcnow()
            session.add(fresh)
            self._audit(session, "connection.status", row.name, status=status.value, reason=reason)
            if status is ConnectionStatus.NEEDS_REAUTH and before != status.value:
                add_event(
                    session.connection(),
                    tenant=self.tenant,
                    kind=NEEDS_REAUTH,
                    connection_id=row.id,
                    data={"reason": reason},
                )

    @property
    def resolver(self) -> ConnectionResolver:
        """The connection resolver (rules and caching: ``registry._resolver``), shared by
        this Registry's own calls, the webhook jobs and anything that holds connection ids."""
        if self._resolver is None:
            self._resolver = ConnectionResolver(
                self.engine, lambda: self.credential_store, self.catalog.all
            )
        return self._resolver

    def _adapter(self, row: ConnectionRow) -> Adapter:
        try:
            resolved = self.resolver.load(row.id)
        except ReauthorizationRequired:
            self._set_status(row, ConnectionStatus.NEEDS_REAUTH, "credential refresh refused")
            raise
        if resolved is None:
            raise NotFoundInRegistry(
                f"connection {row.name!r} was removed",
                hint="list them with `canonry connections list`",
            )
        return self._build(resolved, row)

    def _build(self, resolved: ResolvedConnection, row: ConnectionRow | None = None) -> Adapter:
        resolved.require_enabled()
        http = None
        if self._http_factory is not None:
            http = self._http_factory(Connection.from_row(row or self._row(resolved.id)))
        try:
            return self.resolver.adapter(resolved, http)
        except BaseException:
            if http is not None:
                http.close()
            raise

    def adapter_for(self, connection_id: str) -> Adapter:
        """A ready adapter for connection ``connection_id`` of this tenant (config, decrypted
        credentials), for callers that drive it themselves; ``release_adapter`` it when done.
        Resolved through the cached resolver: a change applies within about a second."""
        return self._build(self.resolver.resolve(connection_id, tenant=self.tenant))

    def mapper_for(
        self, adapter: Adapter, stream: str, *, keep_remote_data: bool = False
    ) -> RecordMapper:
        """The active mapping of ``stream`` for ``adapter``'s connection (the default one
        with the active override version, if any), compiled: vendor record -> object."""
        spec = adapter.stream(stream)
        with self._tx() as session:
            version = active_version(session, self.tenant, adapter.connection_id, spec.model)
        override = version.mapping if version is not None else None
        return compile_mapper(adapter, stream, override, keep_remote_data=keep_remote_data)

    def release_adapter(self, adapter: Adapter) -> None:
        """Close an adapter from ``adapter_for`` (and the HTTP client made for it)."""
        self._release(adapter)

    def _release(self, adapter: Adapter) -> None:
        """Close what the adapter opened, and the HTTP client the factory made for it."""
        try:
            adapter.close()
        finally:
            if self._http_factory is not None and adapter.http is not None:
                adapter.http.close()

    @contextmanager
    def _watch_reauth(self, row: ConnectionRow) -> Iterator[None]:
        try:
            yield
        except ReauthorizationRequired:
            self._set_status(row, ConnectionStatus.NEEDS_REAUTH, "the provider refused the token")
            raise

    # checks and syncs -------------------------------------------------------------
    def test_connection(self, name_or_id: str) -> CheckResult:
        """Call the adapter's ``check()`` with the stored config and credentials."""
        row = self._row(name_or_id)
        with self._watch_reauth(row):
            adapter = self._adapter(row)
            try:
                result = adapter.check()
            finally:
                self._release(adapter)
        with self._tx() as session:
            self._audit(session, "connection.test", row.name, ok=result.ok)
        return result


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def new_id() -> str:
    return str(uuid.uuid4())
