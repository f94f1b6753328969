"""``canonry webhooks send-test``: sign a realistic sample event and POST it to the server."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

from registry.cli._common import ExitCode, fail, open_registry

if TYPE_CHECKING:
    from pydantic import SecretStr

    from registry import Registry

__all__ = ["send_test"]


def send_test(
    ctx: typer.Context,
    connection: str = typer.Argument(..., help="Connection name or id."),
    event: str = typer.Option(
        ..., "--event", help="Vendor event type, e.g. invoice.paid or contact.creation."
    ),
    url: str = typer.Option(
        "http://127.0.0.1:8000", "--url", help="Base URL of the running `canonry serve`."
    ),
    timeout: float = typer.Option(10.0, "--timeout", min=0.1, help="Seconds to wait."),
) -> None:
    """Sign a sample event with the connection's webhook secret and POST it to the server."""
    import httpx

    from webhooks import build_test_delivery

    with open_registry(ctx) as registry:
        conn_id, scheme, secret = _signing(registry, connection)
    target = f"{url.rstrip('/')}/webhooks/{conn_id}"
    delivery = build_test_delivery(scheme, event, secret, url=target)
    try:
        response = httpx.post(
            target, content=delivery.body, headers=delivery.headers, timeout=timeout
        )
    except httpx.HTTPError as exc:
        fail(
            f"cannot reach {target} ({type(exc).__name__})",
            "start the server with `canonry serve`, or pass --url",
        )
    typer.echo(f"POST {target}")
    typer.echo(f"sent {event} ({', '.join(delivery.event_ids)})")
    typer.echo(f"{response.status_code} {_short(response)}")
    if not response.is_success:
        raise typer.Exit(int(ExitCode.FAILED))


def _signing(registry: Registry, connection: str) -> tuple[str, str, SecretStr]:
    """(connection id, scheme name, the current signing secret)."""
    from webhooks import declared_scheme

    conn = registry.get_connection(connection)
    scheme = declared_scheme(registry.catalog.get(conn.adapter))
    if scheme is None or scheme.third_party or scheme.name.endswith(":own"):
        fail(
            f"adapter {conn.adapter!r} has no built-in webhook scheme to sign a sample with",
            "send-test supports Stripe, HubSpot and Standard Webhooks connections",
            ExitCode.USAGE,
        )
    name = scheme.name
    stored = registry.credential_store.get(registry.tenant, conn.id)
    keys = scheme.secret_keys
    secret = next((stored[k] for k in keys if stored.get(k) is not None), None)
    if secret is None:
        fail(
            f"connection {conn.name!r} has no webhook signing secret ({keys[0]})",
            f"store it with `canonry credentials set {conn.name}`",
            ExitCode.USAGE,
        )
    return conn.id, name, secret


def _short(response: object) -> str:
    text = getattr(response, "text", "")
    try:
        return json.dumps(json.loads(text), sort_keys=True)
    except ValueError:
        return text[:200]
