"""``canonry api-keys create|list|revoke``: keys of the unified API, per tenant."""

from __future__ import annotations

import dataclasses

import typer

from registry.cli._common import open_registry, print_json

__all__ = ["app"]

app = typer.Typer(help="API keys for the unified API (GET /v1/...): create, list, revoke.")

_JSON = typer.Option(False, "--json", help="Print JSON for scripts.")
_SCOPE = typer.Option(None, "--scope", help="Scope (repeatable); default records:read.")


@app.command("create")
def create_command(
    ctx: typer.Context,
    name: str = typer.Option(..., "--name", help="What the key is for (shown in lists)."),
    scope: list[str] | None = _SCOPE,
    rate: int = typer.Option(600, "--rate", min=1, help="Requests a minute allowed."),
    as_json: bool = _JSON,
) -> None:
    """Create a key; its full text is printed once, now: store it (only a hash is kept)."""
    with open_registry(ctx) as registry:
        scopes = tuple(scope) if scope else ("records:read",)
        key, secret = registry.api_keys.create(name, scopes=scopes, rate_per_minute=rate)
    if as_json:
        print_json({"id": key.id, "name": key.name, "scopes": list(key.scopes),
                    "key": secret.get_secret_value()})  # fmt: skip
        return
    typer.echo(secret.get_secret_value())
    typer.echo(
        f"key {key.id} ({key.name}, {' '.join(key.scopes)}): shown only now; "
        "use it as `Authorization: Bearer <key>`",
        err=True,
    )


@app.command("list")
def list_command(ctx: typer.Context, as_json: bool = _JSON) -> None:
    """The tenant's keys (never their secrets)."""
    with open_registry(ctx) as registry:
        keys = registry.api_keys.list_keys()
    if as_json:
        print_json([dataclasses.asdict(k) for k in keys])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "name", "scopes", "rate/min", "created", "revoked")
    for k in keys:
        revoked = k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else ""
        table.add_row(k.id, k.name, " ".join(k.scopes), str(k.rate_per_minute),
                      k.created_at.isoformat(timespec="seconds"), revoked)  # fmt: skip
    Console().print(table)


@app.command("revoke")
def revoke_command(
    ctx: typer.Context,
    key_id: str = typer.Argument(..., help="The key id (from `canonry api-keys list`)."),
) -> None:
    """Revoke a key: refused from its next request on (within a second)."""
    with open_registry(ctx) as registry:
        key = registry.api_keys.revoke(key_id)
    typer.echo(f"revoked {key.id} ({key.name})")
