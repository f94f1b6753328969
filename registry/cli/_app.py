"""The root Typer app; each command group lives in its own module and registers here."""

from __future__ import annotations

from importlib.metadata import version

import typer

from registry.cli import _schema, _vault

__all__ = ["app", "main"]

app = typer.Typer(
    name="canonry",
    help="Canonry: integration connectors into canonical Customer / Invoice / Event models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"canonry {version('canonry')}")
        raise typer.Exit()


@app.callback()
def _root(
    show_version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Canonry admin CLI."""


app.add_typer(_schema.app, name="schema")
app.add_typer(_vault.app, name="vault")


def main() -> None:
    app()
