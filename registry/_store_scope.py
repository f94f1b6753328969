"""Tenant scope of the store's SQL: PostgreSQL row-level security and dialect upserts.

On PostgreSQL, the store's tables refuse every row whose tenant is not the session's
``canonry.tenant`` setting (policies created by migration 0005, forced for the owner too);
``scope_tenant`` sets it for the current transaction only (``set_config(..., true)``), so a
pooled connection never carries a tenant into the next transaction. On SQLite the same
isolation comes from the one query layer: every statement filters on the tenant.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

__all__ = ["TENANT_SETTING", "driver_time", "scope_tenant", "sqlite_time", "upsert_statement"]

TENANT_SETTING = "canonry.tenant"


def scope_tenant(conn: Connection, tenant: str) -> None:
    """Make this transaction see only ``tenant``'s store rows (PostgreSQL; no-op on SQLite)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.set_config(TENANT_SETTING, tenant, True)))


def upsert_statement(conn: Connection, table: sa.Table) -> Any:
    """The dialect's ``INSERT`` (PostgreSQL or SQLite), which has ``on_conflict_do_update``."""
    module: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    return module.insert(table)


def sqlite_time(value: datetime) -> str:
    """SQLAlchemy's SQLite storage text for a DateTime (UTC, naive, microseconds)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _as_is(value: datetime) -> datetime:
    return value


def driver_time(conn: Connection) -> Callable[[datetime], Any]:
    """How a datetime goes to the driver in raw SQL: PostgreSQL takes it as is; SQLite gets
    the text SQLAlchemy stores (UTC, naive, microseconds), which sorts as the time does."""
    return _as_is if conn.dialect.name == "postgresql" else sqlite_time
