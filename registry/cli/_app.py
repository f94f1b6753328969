"""The root Typer app; each command group lives in its own module and registers here."""

from __future__ import annotations

import typer

from registry.cli import (
    _adapters,
    _api_keys,
    _audit,
    _connections,
    _credentials,
    _db,
    _dev,
    _init,
    _mapping,
    _notify,
    _records,
    _schedules,
    _schema,
    _serve,
    _vault,
    _webhooks,
    _worker,
)
from registry.cli._common import CanonryGroup, CliState

__all__ = ["app", "main"]

app = typer.Typer(
    name="canonry",
    help="Canonry: integration connectors into canonical Customer / Invoice / Event models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=CanonryGroup,
    epilog="Exit codes: 0 ok; 1 the operation failed or a service is unavailable; 2 bad "
    "usage, input or configuration; 3 not found in this tenant; 4 credentials refused "
    "(`canonry credentials set NAME`). Errors are one line: error: <what> — <what to do>.",
)


def _version(value: bool) -> None:
    from importlib.metadata import version

    if value:
        typer.echo(f"canonry {version('canonry')}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    show_version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    tenant: str = typer.Option(
        "default", "--tenant", envvar="CANONRY_TENANT", help="The tenant to act for."
    ),
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        envvar="CANONRY_DATABASE_URL",
        help="SQLAlchemy URL of the registry database (default sqlite:///canonry.db).",
        show_default=False,
    ),
) -> None:
    """Canonry admin CLI (exit codes: see below, and the README's table)."""
    ctx.obj = CliState(tenant=tenant, database_url=database_url)


app.add_typer(_schema.app, name="schema")
app.add_typer(_vault.app, name="vault")
app.command("init")(_init.init)
app.add_typer(_db.app, name="db")
app.add_typer(_adapters.app, name="adapters")
app.add_typer(_connections.app, name="connections")
app.add_typer(_credentials.app, name="credentials")
app.add_typer(_mapping.app, name="mapping")
app.add_typer(_schedules.sync_app, name="sync")  # sync CONNECTION STREAM | sync runs
app.add_typer(_schedules.app, name="schedules")
app.add_typer(_notify.app, name="notify")
app.command("audit")(_audit.audit)
app.command("serve")(_serve.serve)
app.command("worker")(_worker.worker)
app.add_typer(_webhooks.app, name="webhooks")
app.add_typer(_records.app, name="records")
app.add_typer(_api_keys.app, name="api-keys")
app.add_typer(_dev.app, name="dev")


def main() -> None:
    app()
