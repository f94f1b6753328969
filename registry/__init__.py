"""The Registry: adapters plus persisted, tenant-scoped connections, syncs and cursors.

Names load on first use (PEP 562), so ``canonry --help`` does not import SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from registry._api_keys import SCOPES as API_KEY_SCOPES
    from registry._api_keys import ApiKey, ApiKeys, KeyIdentity, authenticate
    from registry._base import HttpFactory
    from registry._connection_settings import ConnectionSettings
    from registry._engine import DEFAULT_DATABASE_URL, create_engine, database_url_from_env
    from registry._mapping_versions import MappingWorkflow
    from registry._migrate import migrated_metadata, upgrade
    from registry._models import (
        AuditEntry,
        Connection,
        MappingVersion,
        SyncProgress,
        SyncRun,
        SyncState,
    )
    from registry._records import FILTERS as RECORD_FILTERS
    from registry._records import RecordPage, RecordStore, record_filter
    from registry._registry import Registry
    from registry._resolver import ConnectionDisabledError, ConnectionResolver, ResolvedConnection
    from registry._revisions import current_revision, head_revision
    from registry._tables import ConnectionStatus, MappingStatus, RunStatus

__all__ = [
    "API_KEY_SCOPES",
    "DEFAULT_DATABASE_URL",
    "RECORD_FILTERS",
    "ApiKey",
    "ApiKeys",
    "AuditEntry",
    "Connection",
    "ConnectionDisabledError",
    "ConnectionResolver",
    "ConnectionSettings",
    "ConnectionStatus",
    "HttpFactory",
    "KeyIdentity",
    "MappingStatus",
    "MappingVersion",
    "MappingWorkflow",
    "RecordPage",
    "RecordStore",
    "Registry",
    "ResolvedConnection",
    "RunStatus",
    "SyncProgress",
    "SyncRun",
    "SyncState",
    "authenticate",
    "create_engine",
    "current_revision",
    "database_url_from_env",
    "head_revision",
    "migrated_metadata",
    "record_filter",
    "upgrade",
]

_HOMES = {
    "API_KEY_SCOPES": ("registry._api_keys", "SCOPES"),
    "ApiKey": "registry._api_keys",
    "ApiKeys": "registry._api_keys",
    "KeyIdentity": "registry._api_keys",
    "authenticate": "registry._api_keys",
    "RECORD_FILTERS": ("registry._records", "FILTERS"),
    "RecordPage": "registry._records",
    "RecordStore": "registry._records",
    "record_filter": "registry._records",
    "HttpFactory": "registry._base",
    "ConnectionSettings": "registry._connection_settings",
    "DEFAULT_DATABASE_URL": "registry._engine",
    "create_engine": "registry._engine",
    "database_url_from_env": "registry._engine",
    "current_revision": "registry._revisions",
    "head_revision": "registry._revisions",
    "migrated_metadata": "registry._migrate",
    "upgrade": "registry._migrate",
    "AuditEntry": "registry._models",
    "Connection": "registry._models",
    "MappingVersion": "registry._models",
    "MappingWorkflow": "registry._mapping_versions",
    "SyncProgress": "registry._models",
    "SyncRun": "registry._models",
    "SyncState": "registry._models",
    "Registry": "registry._registry",
    "ConnectionDisabledError": "registry._resolver",
    "ConnectionResolver": "registry._resolver",
    "ResolvedConnection": "registry._resolver",
    "ConnectionStatus": "registry._tables",
    "MappingStatus": "registry._tables",
    "RunStatus": "registry._tables",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'registry' has no attribute {name!r}")
    module, attr = home if isinstance(home, tuple) else (home, name)
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
