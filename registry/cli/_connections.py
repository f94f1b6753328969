"""``canonry connections add|list|show|test|remove``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from registry.cli._common import ExitCode, exit_code_for_check, fail, open_registry, print_json
from registry.cli._input import read_config, read_secrets_stdin

if TYPE_CHECKING:
    from registry import Connection, Registry

__all__ = ["app"]

app = typer.Typer(help="Connections of the tenant: add, list, show, update, test, remove.")

_JSON = typer.Option(False, "--json", help="Print JSON for scripts.")
_KEEP_REMOTE = typer.Option(
    None,
    "--keep-remote-data/--no-remote-data",
    help="Keep each record's raw vendor object in the replica (default: no).",
    show_default=False,
)
_REMOTE_DAYS = typer.Option(
    None, "--remote-data-days", min=0, help="Drop raw objects older than N days (0: never)."
)
_FIELD_ERRORS = typer.Option(
    None,
    "--field-errors",
    help="A value the canonical model refuses in an optional field: lenient (the default: "
    "keep the record without it, and its raw object) or strict (refuse the record).",
    show_default=False,
)


def _summary(conn: Connection) -> dict[str, Any]:
    return conn.model_dump(mode="json")


def _print_connection(conn: Connection) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("field", "value", show_header=False)
    for key, value in _summary(conn).items():
        table.add_row(key, str(value))
    Console().print(table)


@app.command("add")
def add_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="A name unique in the tenant."),
    adapter: str = typer.Option(
        ..., "--adapter", help="Adapter key (see `canonry adapters list`)."
    ),
    config: str | None = typer.Option(None, "--config", help="Config as a JSON object."),
    config_file: Annotated[
        Path | None, typer.Option("--config-file", help="Config JSON file.")
    ] = None,
    credentials_stdin: bool = typer.Option(
        False, "--credentials-stdin", help="Read the credentials as a JSON object from stdin."
    ),
    as_json: bool = _JSON,
) -> None:
    """Add a connection; its config is validated against the adapter's config model."""
    values = read_config(config, config_file)
    secrets = read_secrets_stdin() if credentials_stdin else None
    with open_registry(ctx) as registry:
        conn = registry.add_connection(name, adapter, values, secrets)
    if as_json:
        print_json(_summary(conn))
        return
    typer.echo(f"added connection {conn.name} ({conn.adapter}) id={conn.id}")
    if conn.credential_ref is None:
        typer.echo(f"next: set its credentials with `canonry credentials set {conn.name}`")


@app.command("list")
def list_command(ctx: typer.Context, as_json: bool = _JSON) -> None:
    """The tenant's connections."""
    with open_registry(ctx) as registry:
        connections = registry.list_connections()
    if as_json:
        print_json([_summary(c) for c in connections])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("name", "adapter", "status", "credential", "id", "updated")
    for c in connections:
        table.add_row(
            c.name, c.adapter, c.status.value, c.credential_ref or "-", c.id, str(c.updated_at)
        )
    Console().print(table)


def _details(registry: Registry, conn: Connection) -> dict[str, Any]:
    runs = registry.sync_runs(conn.id, limit=10)
    streams = sorted({r.stream for r in runs})
    states = [registry.sync_state(conn.id, s) for s in streams]
    return {
        "connection": _summary(conn),
        "sync_state": [s.model_dump(mode="json") for s in states if s is not None],
        "recent_runs": [r.model_dump(mode="json") for r in runs],
    }


@app.command("show")
def show_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Connection name or id."),
    as_json: bool = _JSON,
) -> None:
    """A connection, its sync state per stream and its recent runs."""
    with open_registry(ctx) as registry:
        conn = registry.get_connection(name)
        details = _details(registry, conn)
    if as_json:
        print_json(details)
        return
    from rich.console import Console
    from rich.table import Table

    _print_connection(conn)
    runs = Table("run", "stream", "status", "pages", "records", "started", "error", title="runs")
    for r in details["recent_runs"]:
        runs.add_row(
            r["id"][:8],
            r["stream"],
            r["status"],
            str(r["pages"]),
            str(r["records"]),
            r["started_at"],
            r["error"] or "",
        )
    Console().print(runs)


@app.command("update")
def update_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Connection name or id."),
    rename: str | None = typer.Option(None, "--rename", help="A new name."),
    config: str | None = typer.Option(None, "--config", help="New config as a JSON object."),
    config_file: Annotated[
        Path | None, typer.Option("--config-file", help="New config JSON file.")
    ] = None,
    status: str | None = typer.Option(
        None, "--status", help="active, disabled, needs_reauth or error."
    ),
    keep_remote_data: bool | None = _KEEP_REMOTE,
    remote_data_days: int | None = _REMOTE_DAYS,
    field_errors: str | None = _FIELD_ERRORS,
    as_json: bool = _JSON,
) -> None:
    """Rename a connection, replace its config (validated again), change its status, or
    what the replica keeps of it (raw vendor objects and for how long, records with a
    refused field)."""
    values = read_config(config, config_file) if config or config_file else None
    settings: dict[str, Any] = {}
    if keep_remote_data is not None:
        settings["keep_remote_data"] = keep_remote_data
    if remote_data_days is not None:
        settings["remote_data_days"] = remote_data_days or None
    if field_errors is not None:
        settings["field_errors"] = field_errors
    with open_registry(ctx) as registry:
        conn = registry.update_connection(
            name, name=rename, config=values, status=status, settings=settings or None
        )
    if as_json:
        print_json(_summary(conn))
        return
    typer.echo(f"updated connection {conn.name} ({conn.status.value})")


@app.command("test")
def check_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Connection name or id."),
    as_json: bool = _JSON,
) -> None:
    """Call the adapter's check with the stored config and credentials (exit 4 if the
    credentials were refused, 1 if the check failed otherwise)."""
    with open_registry(ctx) as registry:
        result = registry.test_connection(name)
    if as_json:
        print_json({"ok": result.ok, "message": result.message, "details": result.details})
    elif result.ok:
        typer.echo(f"ok: {result.message}")
    if result.ok:
        return
    code = exit_code_for_check(result.details)
    if not as_json:
        hint = result.details.get("hint") or (
            f"set new credentials with `canonry credentials set {name}`"
            if code is ExitCode.NEEDS_REAUTH
            else "check the connection's config (`canonry connections show`) and retry"
        )
        typer.echo(f"error: {result.message} — {hint}", err=True)
    raise typer.Exit(int(code))


@app.command("remove")
def remove_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Connection name or id."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Remove a connection with its credential, cursors, runs and mapping versions."""
    with open_registry(ctx) as registry:
        conn = registry.get_connection(name)
        if not yes and not typer.confirm(
            f"remove connection {conn.name} and its credential and sync state?"
        ):
            fail("not removed", "confirm, or pass --yes", ExitCode.FAILED)
        registry.remove_connection(conn.id)
    typer.echo(f"removed connection {conn.name}")
