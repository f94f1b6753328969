"""The registry package's public surface, the migrations and the CLI's light start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import registry
from canonical import ConfigurationError
from registry import create_engine, current_revision, head_revision, migrated_metadata, upgrade
from registry._migrate import VERSION_TABLE

EXPORTS = {
    "DEFAULT_DATABASE_URL", "AuditEntry", "Connection", "ConnectionDisabledError",
    "ConnectionResolver", "ConnectionStatus", "HttpFactory", "ResolvedConnection",
    "MappingStatus", "MappingVersion", "MappingWorkflow", "Registry", "RunStatus",
    "SyncProgress", "SyncRun",
    "SyncState", "create_engine", "current_revision", "database_url_from_env", "head_revision",
    "migrated_metadata", "upgrade",
    "API_KEY_SCOPES", "RECORD_FILTERS", "ApiKey", "ApiKeys", "KeyIdentity", "RecordPage",
    "RecordStore", "authenticate", "record_filter", "ConnectionSettings",
}  # fmt: skip


def test_exported_names_are_pinned_and_resolve() -> None:
    assert set(registry.__all__) == EXPORTS
    for name in EXPORTS:
        assert getattr(registry, name) is not None
    with pytest.raises(AttributeError):
        registry.Nope  # noqa: B018


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_migrations_match_the_models(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'm.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    engine = create_engine(url)
    assert current_revision(engine) is None
    assert upgrade(engine) == (None, head_revision())
    assert upgrade(engine) == (head_revision(), head_revision())  # idempotent
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE, "compare_type": True}
        )
        assert compare_metadata(context, migrated_metadata()) == []
        tables = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    assert {"connections", "sync_state", "sync_runs", "mapping_versions", "audit_log"} <= tables
    assert {"tenants", "canonry_credentials", VERSION_TABLE} <= tables


def test_sqlite_engine_settings(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("pragma foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("pragma busy_timeout").scalar() == 30000
    engine.dispose()
    assert create_engine("postgresql://u@127.0.0.1/db").url.drivername == "postgresql+psycopg"
    with pytest.raises(ConfigurationError, match="unsupported database 'mysql'"):
        create_engine("mysql://u@h/db")


@pytest.mark.slow
def test_cli_help_does_not_import_sqlalchemy() -> None:
    code = "import sys, registry.cli; print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
