"""``canonry db ...``: database migrations."""

from __future__ import annotations

import typer

from registry.cli._common import state

__all__ = ["app"]

app = typer.Typer(help="The registry database: migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(
    ctx: typer.Context,
    revision: str = typer.Option("head", help="Target revision."),
) -> None:
    """Apply the migrations up to REVISION (default: the newest)."""
    from registry import Registry, create_engine, database_url_from_env, head_revision, upgrade

    current = state(ctx)
    url = current.database_url or database_url_from_env()
    engine = create_engine(url)
    try:
        before, after = upgrade(engine, revision)
    finally:
        engine.dispose()
    if before == after:
        typer.echo(f"already at revision {after}")
    else:
        typer.echo(f"migrated {before or 'empty'} -> {after}")
    if after != head_revision():
        return
    with Registry(url, tenant=current.tenant, adapters={}) as registry:
        registry.record_audit("db.upgrade", revision, migrated_from=before, migrated_to=after)


@app.command("current")
def current_command(ctx: typer.Context) -> None:
    """Print the revision the database is at, and the newest one available."""
    from registry import create_engine, current_revision, database_url_from_env, head_revision

    url = state(ctx).database_url or database_url_from_env()
    engine = create_engine(url)
    try:
        typer.echo(f"current: {current_revision(engine) or 'none'}  head: {head_revision()}")
    finally:
        engine.dispose()
