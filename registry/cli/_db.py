"""``canonry db ...``: database migrations (of an existing database: `canonry init` creates)."""

from __future__ import annotations

import typer

from registry.cli._common import require_database, state

__all__ = ["app"]

app = typer.Typer(help="The registry database: migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(
    ctx: typer.Context,
    revision: str = typer.Option("head", help="Target revision."),
) -> None:
    """Apply the migrations up to REVISION (default: the newest) to an existing database."""
    from alembic.util import CommandError

    from canonical import ConfigurationError
    from registry import Registry, create_engine, head_revision, upgrade

    url = require_database(ctx, migrated=False)
    engine = create_engine(url)
    try:
        before, after = upgrade(engine, revision)
    except CommandError as exc:  # an unknown or unreachable revision
        raise ConfigurationError(
            f"cannot migrate to revision {revision!r}: {str(exc).splitlines()[0]}",
            hint=f"use head or a revision up to {head_revision()} (`canonry db current`)",
        ) from None
    finally:
        engine.dispose()
    if before == after:
        typer.echo(f"already at revision {after}")
    else:
        typer.echo(f"migrated {before or 'empty'} -> {after}")
    if after != head_revision():
        return
    with Registry(url, tenant=state(ctx).tenant, adapters={}) as registry:
        registry.record_audit("db.upgrade", revision, migrated_from=before, migrated_to=after)


@app.command("current")
def current_command(ctx: typer.Context) -> None:
    """Print the revision the database is at, and the newest one available."""
    from registry import create_engine, current_revision, head_revision

    engine = create_engine(require_database(ctx, migrated=False))
    try:
        typer.echo(f"current: {current_revision(engine) or 'none'}  head: {head_revision()}")
    finally:
        engine.dispose()
