"""SQLModel tables of the registry: tenants, connections, sync state and runs, mappings, audit.

Every row that belongs to a tenant carries its ``tenant`` so each query can be scoped by it.
Times are stored as UTC; credentials are stored only as a reference string, never a secret.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

__all__ = [
    "AuditRow",
    "ConnectionRow",
    "ConnectionStatus",
    "MappingStatus",
    "MappingVersionRow",
    "RunStatus",
    "SyncRunRow",
    "SyncStateRow",
    "TenantRow",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class ConnectionStatus(StrEnum):
    ACTIVE = "active"
    NEEDS_REAUTH = "needs_reauth"
    DISABLED = "disabled"
    ERROR = "error"


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


class MappingStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    ACTIVE = "active"
    REJECTED = "rejected"
    RETIRED = "retired"


def _fk_connection() -> Any:
    return Field(
        sa_column_args=[sa.ForeignKey("connections.id", ondelete="CASCADE")],
        max_length=36,
        index=True,
    )


class TenantRow(SQLModel, table=True):
    __tablename__ = "tenants"

    id: str = Field(primary_key=True, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class ConnectionRow(SQLModel, table=True):
    __tablename__ = "connections"
    __table_args__ = (sa.UniqueConstraint("tenant", "name", name="uq_connections_tenant_name"),)

    id: str = Field(primary_key=True, max_length=36)
    tenant: str = Field(foreign_key="tenants.id", max_length=100, index=True)
    name: str = Field(max_length=200)
    adapter: str = Field(max_length=100)
    adapter_version: str = Field(max_length=50)
    config: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    credential_ref: str | None = Field(default=None, max_length=300)
    settings: dict[str, Any] = Field(
        default_factory=dict, sa_type=sa.JSON, sa_column_kwargs={"server_default": "{}"}
    )
    """Canonry's own per-connection settings (``registry.ConnectionSettings``)."""
    status: str = Field(default=ConnectionStatus.ACTIVE.value, max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class SyncStateRow(SQLModel, table=True):
    """The checkpoint of one stream of one connection (written with each page)."""

    __tablename__ = "sync_state"

    connection_id: str = Field(
        primary_key=True,
        max_length=36,
        sa_column_args=[sa.ForeignKey("connections.id", ondelete="CASCADE")],
    )
    stream: str = Field(primary_key=True, max_length=100)
    tenant: str = Field(max_length=100, index=True)
    cursor: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    consumer_state: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    records_synced: int = 0
    last_status: str = Field(default=RunStatus.RUNNING.value, max_length=20)
    run_id: str | None = Field(default=None, max_length=36)
    snapshot: str | None = Field(default=None, max_length=64)
    """The full listing (snapshot) in progress, reconciled into the store when it completes."""
    snapshot_seq: int | None = Field(default=None, sa_type=sa.BigInteger)
    """The tenant's change sequence when that listing began."""
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class SyncRunRow(SQLModel, table=True):
    __tablename__ = "sync_runs"

    id: str = Field(primary_key=True, max_length=36)
    tenant: str = Field(max_length=100, index=True)
    connection_id: str = _fk_connection()
    stream: str = Field(max_length=100)
    started_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    status: str = Field(default=RunStatus.RUNNING.value, max_length=20)
    pages: int = 0
    records: int = 0
    changed: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Records whose stored canonical content changed (new, updated or tombstoned)."""
    deleted: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Records this run tombstoned (deletions read, or reconciled after a full listing)."""
    warned: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Records kept without a field the canonical model refused (``field_errors``)."""
    full: bool = False
    error: str | None = Field(default=None, sa_type=sa.Text)


class MappingVersionRow(SQLModel, table=True):
    """A tenant's mapping override for one connection and canonical model, versioned."""

    __tablename__ = "mapping_versions"
    __table_args__ = (
        sa.UniqueConstraint(
            "connection_id", "model", "version", name="uq_mapping_versions_conn_model_version"
        ),
    )

    id: str = Field(primary_key=True, max_length=36)
    tenant: str = Field(max_length=100, index=True)
    connection_id: str = _fk_connection()
    model: str = Field(max_length=50)
    version: int
    status: str = Field(default=MappingStatus.DRAFT.value, max_length=20)
    mapping: str = Field(sa_type=sa.Text)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class AuditRow(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    ts: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True), index=True)
    actor: str = Field(max_length=200)
    tenant: str = Field(max_length=100, index=True)
    action: str = Field(max_length=100)
    target: str = Field(max_length=300)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
