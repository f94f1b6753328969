"""Public, read-only views of registry rows (what the SDK returns; never holds a secret)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from registry._connection_settings import ConnectionSettings, parse_settings
from registry._tables import (
    AuditRow,
    ConnectionRow,
    ConnectionStatus,
    MappingStatus,
    MappingVersionRow,
    RunStatus,
    SyncRunRow,
    SyncStateRow,
)

__all__ = [
    "AuditEntry",
    "Connection",
    "MappingVersion",
    "SyncProgress",
    "SyncRun",
    "SyncState",
    "as_utc",
]


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class Connection(_View):
    """A persisted connection: which adapter, its config and where its credential lives."""

    id: str
    tenant: str
    name: str
    adapter: str
    adapter_version: str
    config: dict[str, Any]
    credential_ref: str | None
    settings: ConnectionSettings
    status: ConnectionStatus
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: ConnectionRow) -> Connection:
        return cls(
            id=row.id,
            tenant=row.tenant,
            name=row.name,
            adapter=row.adapter,
            adapter_version=row.adapter_version,
            config=dict(row.config or {}),
            credential_ref=row.credential_ref,
            settings=parse_settings(row.settings),
            status=ConnectionStatus(row.status),
            created_at=as_utc(row.created_at),
            updated_at=as_utc(row.updated_at),
        )


class SyncState(_View):
    """The checkpoint of one stream: the cursor to resume after and what the consumer saved."""

    connection_id: str
    stream: str
    cursor: dict[str, Any] | None
    consumer_state: dict[str, Any] | None
    records_synced: int
    last_status: RunStatus
    updated_at: datetime

    @classmethod
    def from_row(cls, row: SyncStateRow) -> SyncState:
        return cls(
            connection_id=row.connection_id,
            stream=row.stream,
            cursor=row.cursor,
            consumer_state=row.consumer_state,
            records_synced=row.records_synced,
            last_status=RunStatus(row.last_status),
            updated_at=as_utc(row.updated_at),
        )


class SyncRun(_View):
    id: str
    connection_id: str
    stream: str
    started_at: datetime
    finished_at: datetime | None
    status: RunStatus
    pages: int
    records: int
    changed: int
    """Records whose stored content changed (new, updated or tombstoned)."""
    deleted: int
    """Records tombstoned: deletions read, or reconciled after a full listing."""
    warned: int = 0
    """Records kept without a field the canonical model refused (``field_errors=lenient``;
    their raw vendor objects are kept in ``remote_data``)."""
    full: bool
    error: str | None

    @classmethod
    def from_row(cls, row: SyncRunRow) -> SyncRun:
        return cls(
            id=row.id,
            connection_id=row.connection_id,
            stream=row.stream,
            started_at=as_utc(row.started_at),
            finished_at=as_utc(row.finished_at) if row.finished_at else None,
            status=RunStatus(row.status),
            pages=row.pages,
            records=row.records,
            changed=row.changed,
            deleted=row.deleted,
            warned=row.warned,
            full=row.full,
            error=row.error,
        )


class MappingVersion(_View):
    id: str
    connection_id: str
    model: str
    version: int
    status: MappingStatus
    mapping: str
    created_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: MappingVersionRow) -> MappingVersion:
        return cls(
            id=row.id,
            connection_id=row.connection_id,
            model=row.model,
            version=row.version,
            status=MappingStatus(row.status),
            mapping=row.mapping,
            created_by=row.created_by,
            created_at=as_utc(row.created_at),
            updated_at=as_utc(row.updated_at),
        )


class AuditEntry(_View):
    id: int
    ts: datetime
    actor: str
    tenant: str
    action: str
    target: str
    details: dict[str, Any]

    @classmethod
    def from_row(cls, row: AuditRow) -> AuditEntry:
        return cls(
            id=row.id or 0,
            ts=as_utc(row.ts),
            actor=row.actor,
            tenant=row.tenant,
            action=row.action,
            target=row.target,
            details=dict(row.details or {}),
        )


@dataclass(frozen=True)
class SyncProgress:
    """Reported to a sync's progress callback after each checkpointed page."""

    run_id: str
    pages: int
    records: int
    done: bool = False
