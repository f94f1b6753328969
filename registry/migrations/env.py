"""Alembic environment: runs online against the engine passed in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from registry._migrate import VERSION_TABLE, migrated_metadata

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=migrated_metadata(),
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
