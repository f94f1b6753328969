"""The Registry: adapters plus persisted, tenant-scoped connections, syncs and cursors."""

from registry._base import HttpFactory
from registry._engine import DEFAULT_DATABASE_URL, create_engine, database_url_from_env
from registry._migrate import current_revision, head_revision, migrated_metadata, upgrade
from registry._models import (
    AuditEntry,
    Connection,
    MappingVersion,
    SyncProgress,
    SyncRun,
    SyncState,
)
from registry._registry import Registry
from registry._tables import ConnectionStatus, MappingStatus, RunStatus

__all__ = [
    "DEFAULT_DATABASE_URL",
    "AuditEntry",
    "Connection",
    "ConnectionStatus",
    "HttpFactory",
    "MappingStatus",
    "MappingVersion",
    "Registry",
    "RunStatus",
    "SyncProgress",
    "SyncRun",
    "SyncState",
    "create_engine",
    "current_revision",
    "database_url_from_env",
    "head_revision",
    "migrated_metadata",
    "upgrade",
]
