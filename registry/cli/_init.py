"""``canonry init``: create and migrate the database and the local key file (idempotent)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from registry.cli._common import state

__all__ = ["init"]


def init(
    ctx: typer.Context,
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file", help="Where to create the local key file [default: the vault's]."
        ),
    ] = None,
) -> None:
    """Create the database, apply migrations and create the local encryption key file."""
    import vault
    from registry import Registry, create_engine, database_url_from_env, upgrade
    from webhooks.jobs import JobSettings, prepare_dbos

    current = state(ctx)
    url = current.database_url or database_url_from_env()
    engine = create_engine(url)
    try:
        before, after = upgrade(engine)
    finally:
        engine.dispose()
    shown = engine.url.render_as_string(hide_password=True)
    if before == after:
        typer.echo(f"database {shown}: already at revision {after}")
    else:
        typer.echo(f"database {shown}: migrated {before or 'empty'} -> {after}")
    jobs = JobSettings.from_env(database_url=url)
    prepare_dbos(url, jobs.dbos_schema)
    typer.echo(f"webhook job queue (DBOS tables, schema {jobs.dbos_schema}): ready")
    path, created = vault.init_local_keyring(key_file)
    typer.echo(f"key file {path}: {'created (mode 0600)' if created else 'exists, kept'}")
    with Registry(url, tenant=current.tenant, adapters={}) as registry:
        registry.record_audit(
            "init", shown, migrated_from=before, migrated_to=after, key_file_created=created
        )
