"""The ``Registry``: one tenant's connections, credentials, mappings, sync state and audit."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr
from sqlmodel import Session, col, select

from adapters import Adapter
from canonical import ConfigurationError, NotFoundInRegistry
from registry._base import new_id
from registry._connection_settings import parse_settings
from registry._mappings import (
    add_version,
    find_version,
    parse_override,
    set_version_status,
    version_rows,
)
from registry._models import AuditEntry, Connection, MappingVersion, SyncRun, SyncState
from registry._queries import (
    connection_rows,
    ensure_tenant,
    find_connection,
    find_connection_or_none,
    find_state,
    latest_runs,
)
from registry._registry_records import RecordsMixin
from registry._tables import AuditRow, ConnectionRow, ConnectionStatus, MappingStatus, utcnow
from registry._validation import custom_base_urls, validate_config, validate_credentials
from vault import CredentialRef

__all__ = ["Registry"]

Secrets = Mapping[str, str | SecretStr]


class Registry(RecordsMixin):
    """Connections, credentials, syncs and the audit log of one tenant.

    Every query is scoped by ``tenant``: another tenant's connection behaves exactly like a
    missing one (``NotFoundInRegistry``). Admin actions are written to the audit log.
    """

    @classmethod
    def from_env(cls, *, tenant: str | None = None, **kwargs: Any) -> Registry:
        """``CANONRY_DATABASE_URL`` and ``CANONRY_TENANT`` (default ``default``)."""
        chosen = tenant or os.environ.get("CANONRY_TENANT") or "default"
        return cls(os.environ.get("CANONRY_DATABASE_URL"), tenant=chosen, **kwargs)

    # connections ------------------------------------------------------------------
    def add_connection(
        self,
        name: str,
        adapter: str,
        config: Mapping[str, Any] | None = None,
        credentials: Secrets | None = None,
        *,
        settings: Mapping[str, Any] | None = None,
    ) -> Connection:
        """Validate and store a connection (and its credential, encrypted by the store);
        ``settings`` are Canonry's own (``ConnectionSettings``: what the replica keeps)."""
        _check_name(name)
        clean_settings = parse_settings(settings).model_dump()
        cls = self.catalog.get(adapter)
        clean_config = validate_config(cls, config)
        payload = validate_credentials(cls, credentials) if credentials is not None else None
        row = ConnectionRow(
            id=new_id(),
            tenant=self.tenant,
            name=name,
            adapter=adapter,
            adapter_version=cls.version,
            config=clean_config,
            settings=clean_settings,
        )
        with self._tx() as session:
            if find_connection_or_none(session, self.tenant, name) is not None:
                raise ConfigurationError(
                    f"a connection named {name!r} already exists in tenant {self.tenant!r}",
                    hint="choose another name or remove the existing connection first",
                )
        if payload is not None:
            row.credential_ref = str(self.credential_store.put(self.tenant, row.id, payload))
        try:
            with self._tx() as session:
                ensure_tenant(session, self.tenant)
                session.add(row)
                self._audit(session, "connection.add", name, adapter=adapter, id=row.id)
                self._audit_base_urls(session, cls, row)
        except BaseException:
            if payload is not None:
                self.credential_store.delete(self.tenant, row.id)
            raise
        return Connection.from_row(row)

    def get_connection(self, name_or_id: str) -> Connection:
        return Connection.from_row(self._row(name_or_id))

    def list_connections(self) -> list[Connection]:
        with self._tx() as session:
            return [Connection.from_row(r) for r in connection_rows(session, self.tenant)]

    def update_connection(
        self,
        name_or_id: str,
        *,
        name: str | None = None,
        config: Mapping[str, Any] | None = None,
        status: ConnectionStatus | str | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> Connection:
        """Rename, replace the config (validated again), change the status, or change
        some of Canonry's settings (the others keep their values)."""
        with self._tx() as session:
            row = find_connection(session, self.tenant, name_or_id)
            changed: list[str] = []
            if name is not None and name != row.name:
                _check_name(name)
                if find_connection_or_none(session, self.tenant, name) is not None:
                    raise ConfigurationError(
                        f"a connection named {name!r} already exists", hint="choose another name"
                    )
                row.name = name
                changed.append("name")
            if config is not None:
                cls = self.catalog.get(row.adapter)
                row.config = validate_config(cls, config)
                changed.append("config")
            if status is not None:
                row.status = _status(status).value
                changed.append("status")
            if settings is not None:
                row.settings = parse_settings({**(row.settings or {}), **settings}).model_dump()
                changed.append("settings")
            row.updated_at = utcnow()
            session.add(row)
            self._audit(session, "connection.update", row.name, changed=changed)
            if config is not None:
                self._audit_base_urls(session, cls, row)
        return Connection.from_row(row)

    def remove_connection(self, name_or_id: str) -> Connection:
        """Delete the connection, its credential, cursors, runs and mapping versions."""
        row = self._row(name_or_id)
        if row.credential_ref is not None:
            with contextlib.suppress(NotFoundInRegistry):
                self.credential_store.delete(self.tenant, row.id)
        with self._tx() as session:
            fresh = find_connection(session, self.tenant, row.id)
            session.delete(fresh)
            self._audit(session, "connection.remove", row.name, id=row.id)
        return Connection.from_row(row)

    # credentials ------------------------------------------------------------------
    def set_credentials(
        self, name_or_id: str, credentials: Secrets, *, expected_version: int | None = None
    ) -> Connection:
        """Replace the connection's credential (check-and-set with ``expected_version``)."""
        row = self._row(name_or_id)
        payload = validate_credentials(self.catalog.get(row.adapter), credentials)
        ref = self.credential_store.put(
            self.tenant, row.id, payload, expected_version=expected_version
        )
        action = "credentials.set" if expected_version is None else "credentials.rotate"
        return self._record_credential(row, ref, action, fields=sorted(payload))

    def restore_credentials(self, name_or_id: str) -> Connection:
        """Accept the connection's stored credential as current after restoring it from a
        backup on purpose. Reads refuse a credential older than the newest one stored
        (``vault.CredentialRollbackError``); this seals it again as a newer version."""
        row = self._row(name_or_id)
        if row.credential_ref is None:
            raise NotFoundInRegistry(
                f"connection {row.name!r} has no credential to restore",
                hint=f"set one with `canonry credentials set {row.name}`",
            )
        ref = self.credential_store.accept_restored(self.tenant, row.id)
        return self._record_credential(row, ref, "credentials.restore")

    def _record_credential(
        self, row: ConnectionRow, ref: CredentialRef, action: str, **details: Any
    ) -> Connection:
        with self._tx() as session:
            fresh = find_connection(session, self.tenant, row.id)
            fresh.credential_ref = str(ref)
            if fresh.status in (ConnectionStatus.NEEDS_REAUTH.value, ConnectionStatus.ERROR.value):
                fresh.status = ConnectionStatus.ACTIVE.value
            fresh.updated_at = utcnow()
            session.add(fresh)
            self._audit(session, action, row.name, version=ref.version, **details)
        return Connection.from_row(fresh)

    def rotate_credentials(self, name_or_id: str, credentials: Secrets) -> Connection:
        """Replace an existing credential; fails with ``ConflictError`` if it changed meanwhile."""
        row = self._row(name_or_id)
        if row.credential_ref is None:
            raise NotFoundInRegistry(
                f"connection {row.name!r} has no credential to rotate",
                hint=f"set one with `canonry credentials set {row.name}`",
            )
        _payload, ref = self.credential_store.get_with_ref(self.tenant, row.id)
        return self.set_credentials(row.id, credentials, expected_version=ref.version)

    # sync state -------------------------------------------------------------------
    def sync_state(self, connection: str, stream: str) -> SyncState | None:
        with self._tx() as session:
            row = find_connection(session, self.tenant, connection)
            state = find_state(session, self.tenant, row.id, stream)
            return SyncState.from_row(state) if state else None

    def sync_runs(self, connection: str, *, limit: int = 20) -> list[SyncRun]:
        with self._tx() as session:
            row = find_connection(session, self.tenant, connection)
            return [SyncRun.from_row(r) for r in latest_runs(session, self.tenant, row.id, limit)]

    # mapping versions -------------------------------------------------------------
    def add_mapping_version(
        self, connection: str, model: str, mapping: str, *, created_by: str | None = None
    ) -> MappingVersion:
        """Store a mapping override (YAML/JSON text) as the next draft version.

        The text must parse as a ``mapping.MappingOverride`` (``MappingError`` otherwise) and
        ``model`` must be a model one of the adapter's streams produces.
        """
        row = self._row(connection)
        models = sorted({s.model for s in self.catalog.get(row.adapter).streams})
        if model not in models:
            raise ConfigurationError(
                f"adapter {row.adapter!r} produces no {model!r} objects",
                hint=f"use one of: {', '.join(models) or 'none'}",
            )
        parse_override(mapping)
        with self._tx() as session:
            row = find_connection(session, self.tenant, row.id)
            version = add_version(
                session, self.tenant, row.id, model, mapping, created_by or self.actor
            )
            self._audit(session, "mapping.add", row.name, model=model, version=version.version)
        return MappingVersion.from_row(version)

    def set_mapping_status(
        self, connection: str, model: str, version: int, status: MappingStatus | str
    ) -> MappingVersion:
        """Approve, activate (retiring the previous active one), reject or retire a version."""
        wanted = MappingStatus(status)
        with self._tx() as session:
            row = find_connection(session, self.tenant, connection)
            found = find_version(session, self.tenant, row.id, model, version, name=row.name)
            set_version_status(session, found, wanted)
            self._audit(session, f"mapping.{wanted.value}", row.name, model=model, version=version)
        return MappingVersion.from_row(found)

    def list_mapping_versions(
        self, connection: str, model: str | None = None
    ) -> list[MappingVersion]:
        with self._tx() as session:
            row = find_connection(session, self.tenant, connection)
            rows = version_rows(session, self.tenant, row.id, model)
            return [MappingVersion.from_row(r) for r in rows]

    # audit ------------------------------------------------------------------------
    def audit_log(self, *, limit: int = 50) -> list[AuditEntry]:
        """The tenant's most recent audit entries, newest first."""
        query = (
            select(AuditRow)
            .where(col(AuditRow.tenant) == self.tenant)
            .order_by(col(AuditRow.id).desc())
            .limit(limit)
        )
        with self._tx() as session:
            return [AuditEntry.from_row(r) for r in session.exec(query).all()]

    def _audit_base_urls(self, session: Session, cls: type[Adapter], row: ConnectionRow) -> None:
        """An audit entry per vendor base URL the operator allowed instead of the vendor's."""
        for name, url in custom_base_urls(cls, row.config).items():
            self._audit(session, "connection.custom_base_url", row.name, field=name, url=url)

    def record_audit(self, action: str, target: str, **details: Any) -> None:
        """Write an audit entry for an admin action done outside the Registry's methods."""
        with self._tx() as session:
            self._audit(session, action, target, **details)


def _check_name(name: str) -> None:
    if not name or len(name) > 200 or name != name.strip():
        raise ConfigurationError(
            f"invalid connection name {name!r}",
            hint="use 1-200 characters without leading or trailing spaces",
        )


def _status(value: ConnectionStatus | str) -> ConnectionStatus:
    try:
        return ConnectionStatus(value)
    except ValueError:
        known = ", ".join(s.value for s in ConnectionStatus)
        raise ConfigurationError(f"unknown status {value!r}", hint=f"use one of {known}") from None
