"""Alembic migrations, configured in code: no alembic.ini, scripts shipped inside the package."""

from __future__ import annotations

import importlib
from types import ModuleType

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from registry._revisions import SCRIPTS, VERSION_TABLE, current_revision, head_revision

__all__ = [
    "VERSION_TABLE",
    "alembic_config",
    "current_revision",
    "head_revision",
    "migrated_metadata",
    "upgrade",
]

_SCRIPTS = SCRIPTS
_TABLE_MODULES = (
    "registry._tables",
    "registry._store_tables",
    "vault._tables",
    "webhooks._inbox",
    "webhooks.jobs._tables",
    "registry._outbox",
    "registry.schedules._tables",
    "webhooks.notify._tables",
)
# named, not imported: the tables whose migrations ship here (webhooks' only by name)


def _tables_of(module: ModuleType) -> list[sa.Table]:
    tables: list[sa.Table] = []
    for value in vars(module).values():
        table = getattr(value, "__table__", None)
        if (
            isinstance(value, type)
            and issubclass(value, SQLModel)
            and isinstance(table, sa.Table)
            and value.__module__ == module.__name__
        ):
            tables.append(table)
    return tables


def migrated_metadata() -> sa.MetaData:
    """The tables Canonry's migrations own (registry and vault), as one MetaData."""
    metadata = sa.MetaData()
    for name in _TABLE_MODULES:
        for table in _tables_of(importlib.import_module(name)):
            table.to_metadata(metadata)
    return metadata


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to ``engine`` (the env script reads it from attributes)."""
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.set_main_option("version_table", VERSION_TABLE)
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate to ``revision``; returns (revision before, revision after)."""
    before = current_revision(engine)
    command.upgrade(alembic_config(engine), revision)
    return before, current_revision(engine)
