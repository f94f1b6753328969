"""Tenant-scoped queries. Every lookup filters on the tenant: another tenant's row is missing."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from canonical import NotFoundInRegistry
from registry._tables import AuditRow, ConnectionRow, SyncRunRow, SyncStateRow, TenantRow

__all__ = [
    "connection_rows",
    "ensure_tenant",
    "find_connection",
    "find_connection_or_none",
    "find_state",
    "latest_runs",
    "write_audit",
]


def ensure_tenant(session: Session, tenant: str) -> None:
    if session.get(TenantRow, tenant) is None:
        session.add(TenantRow(id=tenant))
        session.flush()


def find_connection_or_none(session: Session, tenant: str, name_or_id: str) -> ConnectionRow | None:
    by_id = select(ConnectionRow).where(
        col(ConnectionRow.tenant) == tenant, col(ConnectionRow.id) == name_or_id
    )
    row = session.exec(by_id).first()
    if row is not None:
        return row
    by_name = select(ConnectionRow).where(
        col(ConnectionRow.tenant) == tenant, col(ConnectionRow.name) == name_or_id
    )
    return session.exec(by_name).first()


def find_connection(session: Session, tenant: str, name_or_id: str) -> ConnectionRow:
    row = find_connection_or_none(session, tenant, name_or_id)
    if row is None:
        raise NotFoundInRegistry(
            f"no connection {name_or_id!r} in tenant {tenant!r}",
            hint="list them with `canonry connections list` (check --tenant)",
        )
    return row


def connection_rows(session: Session, tenant: str) -> list[ConnectionRow]:
    query = (
        select(ConnectionRow)
        .where(col(ConnectionRow.tenant) == tenant)
        .order_by(col(ConnectionRow.name))
    )
    return list(session.exec(query).all())


def find_state(
    session: Session, tenant: str, connection_id: str, stream: str
) -> SyncStateRow | None:
    query = select(SyncStateRow).where(
        col(SyncStateRow.tenant) == tenant,
        col(SyncStateRow.connection_id) == connection_id,
        col(SyncStateRow.stream) == stream,
    )
    return session.exec(query).first()


def latest_runs(session: Session, tenant: str, connection_id: str, limit: int) -> list[SyncRunRow]:
    query = (
        select(SyncRunRow)
        .where(col(SyncRunRow.tenant) == tenant, col(SyncRunRow.connection_id) == connection_id)
        .order_by(col(SyncRunRow.started_at).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


def write_audit(
    session: Session,
    *,
    actor: str,
    tenant: str,
    action: str,
    target: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an audit entry to the session's transaction (``details`` must hold no secret)."""
    session.add(
        AuditRow(actor=actor, tenant=tenant, action=action, target=target, details=details or {})
    )
