"""``canonry credentials set|rotate|restore``: secrets from a hidden prompt or stdin, never argv."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from registry.cli._common import open_registry
from registry.cli._input import read_secrets_stdin

if TYPE_CHECKING:
    from registry import Registry

__all__ = ["app"]

app = typer.Typer(help="A connection's credentials: set, rotate or restore (never printed).")

_STDIN = typer.Option(False, "--stdin", help="Read the credentials as a JSON object from stdin.")


def _interactive() -> bool:
    """A terminal to prompt on (hidden input needs one; the tests replace this)."""
    return sys.stdin.isatty()


def _prompt(registry: Registry, connection: str) -> dict[str, str]:
    from canonical import ConfigurationError

    conn = registry.get_connection(connection)
    if not _interactive():
        raise ConfigurationError(
            "no terminal to prompt for the credentials on",
            hint=f"pipe them as a JSON object with --stdin, e.g. "
            f"`canonry credentials set {conn.name} --stdin < creds.json`",
        )
    model = registry.catalog.get(conn.adapter).credentials_model
    if not model.model_fields:
        raise ConfigurationError(
            f"adapter {conn.adapter!r} takes no credentials", hint="nothing to set"
        )
    values: dict[str, str] = {}
    for name, info in model.model_fields.items():
        label = name if info.is_required() else f"{name} (optional, Enter to skip)"
        value = typer.prompt(
            label,
            hide_input=True,
            default="" if not info.is_required() else None,
            show_default=False,
        )
        if value:
            values[name] = value
    return values


def _secrets(registry: Registry, connection: str, stdin: bool) -> dict[str, str]:
    return read_secrets_stdin() if stdin else _prompt(registry, connection)


@app.command("set")
def set_command(
    ctx: typer.Context,
    connection: str = typer.Argument(..., help="Connection name or id."),
    stdin: bool = _STDIN,
) -> None:
    """Store (replace) the connection's credentials, validated by the adapter's model."""
    with open_registry(ctx) as registry:
        conn = registry.set_credentials(connection, _secrets(registry, connection, stdin))
    typer.echo(f"credentials of {conn.name} stored as {conn.credential_ref}")


@app.command("rotate")
def rotate_command(
    ctx: typer.Context,
    connection: str = typer.Argument(..., help="Connection name or id."),
    stdin: bool = _STDIN,
) -> None:
    """Replace existing credentials with new values (fails if they changed meanwhile)."""
    with open_registry(ctx) as registry:
        conn = registry.rotate_credentials(connection, _secrets(registry, connection, stdin))
    typer.echo(f"credentials of {conn.name} rotated to {conn.credential_ref}")


@app.command("restore")
def restore_command(
    ctx: typer.Context,
    connection: str = typer.Argument(..., help="Connection name or id."),
) -> None:
    """Accept a credential restored from a backup on purpose (reads refuse an older row)."""
    with open_registry(ctx) as registry:
        conn = registry.restore_credentials(connection)
    typer.echo(f"credentials of {conn.name} accepted as restored, now {conn.credential_ref}")
