"""``canonry notify add|list|remove|test|deliveries|replay``: signed change notifications.

Endpoints get ``records.changed``, ``sync.failed`` and ``connection.needs_reauth`` events
signed with Standard Webhooks; ``canonry serve`` / ``canonry worker`` deliver them with
retries over about a day, then ``deliveries --status dead`` lists what needs a ``replay``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

import typer

from registry.cli._common import ExitCode, fail, open_registry, print_json, state

if TYPE_CHECKING:
    from webhooks.notify import Delivery, Endpoint, Endpoints

__all__ = ["app"]

app = typer.Typer(
    help="Change notifications to your app's endpoints (Standard Webhooks, signed).",
    no_args_is_help=True,
)
_JSON = typer.Option(False, "--json", help="Print JSON for scripts.")
_ENDPOINT = typer.Argument(..., help="Endpoint id (or a unique prefix of 6+ characters).")
_IDS = typer.Argument(None, help="Delivery ids (or unique prefixes).")
_EVENTS = typer.Option(
    None,
    "--events",
    help="Comma-separated: records.changed,sync.failed,connection.needs_reauth (default all).",
)


@contextmanager
def _endpoints(ctx: typer.Context) -> Iterator[Endpoints]:
    from webhooks.notify import Endpoints

    with open_registry(ctx) as registry:
        yield Endpoints(registry)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else "-"


def _endpoint_json(endpoint: Endpoint) -> dict[str, object]:
    return endpoint.model_dump(mode="json")


@app.command("add")
def add(
    ctx: typer.Context,
    url: str = typer.Argument(..., help="The https URL that receives notifications."),
    events: str | None = _EVENTS,
    description: str | None = typer.Option(None, "--description", help="What it is for."),
    as_json: bool = _JSON,
) -> None:
    """Register URL; its signing secret (whsec_...) is printed once, now: store it."""
    chosen = [e for e in (events or "").split(",") if e.strip()] or None
    with _endpoints(ctx) as book:
        endpoint, secret = book.add(url, events=chosen, description=description)
    if as_json:
        print_json({**_endpoint_json(endpoint), "secret": secret.get_secret_value()})
        return
    typer.echo(secret.get_secret_value())
    typer.echo(
        f"endpoint {endpoint.id} ({', '.join(endpoint.events)}): the signing secret above is "
        "shown only now; verify deliveries with it (Standard Webhooks)",
        err=True,
    )


@app.command("list")
def list_command(ctx: typer.Context, as_json: bool = _JSON) -> None:
    """The tenant's endpoints (never their secrets)."""
    with _endpoints(ctx) as book:
        found = book.list()
    if as_json:
        print_json([_endpoint_json(e) for e in found])
        return
    from rich.console import Console
    from rich.table import Table

    title = f"endpoints ({len(found)})"
    table = Table("id", "url", "events", "description", "created", title=title)
    for e in found:
        table.add_row(e.id, e.url, " ".join(e.events), e.description or "", _when(e.created_at))
    Console().print(table)


@app.command("remove")
def remove(ctx: typer.Context, endpoint_id: str = _ENDPOINT) -> None:
    """Delete the endpoint, its deliveries and its secret."""
    with _endpoints(ctx) as book:
        removed = book.remove(endpoint_id)
    typer.echo(f"endpoint {removed.id} ({removed.url}) removed")


@app.command("test")
def send_test_command(ctx: typer.Context, endpoint_id: str = _ENDPOINT) -> None:
    """Send a signed canonry.test event to the endpoint now, from this machine."""
    from webhooks.notify import Sender, send_test

    with _endpoints(ctx) as book:
        endpoint = book.get(endpoint_id)
        sender = Sender(book.settings)
        try:
            result = send_test(book, endpoint, sender)
        finally:
            sender.close()
    if not result.ok:
        hint = "check that the endpoint is up and answers 2xx; see `canonry notify deliveries`"
        fail(f"{endpoint.url}: {result.error}", hint)
    typer.echo(f"{endpoint.url}: {result.status_code} in {result.seconds * 1000:.0f} ms")


def _print_deliveries(found: list[Delivery]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "event", "url", "status", "attempts", "last", "next attempt", "error",
                  title=f"deliveries ({len(found)})")  # fmt: skip
    for d in found:
        table.add_row(d.id, d.event_type, d.url, d.status, str(d.attempts),
                      str(d.last_status_code or "-"), _when(d.next_attempt_at),
                      (d.last_error or "")[:60])  # fmt: skip
    Console().print(table)


@app.command("deliveries")
def deliveries(
    ctx: typer.Context,
    status: str | None = typer.Option(
        None, "--status", help="pending, retrying, delivered or dead (the dead-letter list)."
    ),
    endpoint_id: str | None = typer.Option(None, "--endpoint", help="Only this endpoint."),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000),
    as_json: bool = _JSON,
) -> None:
    """Deliveries, newest first: status, attempts, the last answer or error."""
    from webhooks.notify import list_deliveries

    with _endpoints(ctx) as book:
        chosen = book.get(endpoint_id).id if endpoint_id else None
        found = list_deliveries(book.registry.engine, book.tenant, status=status,
                                endpoint_id=chosen, limit=limit)  # fmt: skip
    if as_json:
        print_json([d.model_dump(mode="json") for d in found])
    else:
        _print_deliveries(found)


@app.command("replay")
def replay(
    ctx: typer.Context,
    delivery_ids: list[str] | None = _IDS,
    dead: bool = typer.Option(False, "--dead", help="Replay every dead delivery."),
    endpoint_id: str | None = typer.Option(None, "--endpoint", help="With --dead: only these."),
) -> None:
    """Deliver again now, with a fresh round of retries (after fixing the endpoint)."""
    from webhooks.jobs import JobSettings, dbos_client, prepare_dbos
    from webhooks.notify import list_deliveries, replay_deliveries

    if not delivery_ids and not dead:
        fail("name deliveries to replay, or pass --dead", "see `canonry notify deliveries`",
             ExitCode.USAGE)  # fmt: skip
    with _endpoints(ctx) as book:
        engine = book.registry.engine
        ids = list(delivery_ids or [])
        if dead:
            chosen = book.get(endpoint_id).id if endpoint_id else None
            ids += [d.id for d in list_deliveries(engine, book.tenant, status="dead",
                                                  endpoint_id=chosen, limit=100_000)]  # fmt: skip
        schema = JobSettings.from_env(database_url=state(ctx).database_url).dbos_schema
        prepare_dbos(engine.url.render_as_string(hide_password=False), schema)
        done = replay_deliveries(engine, dbos_client(engine, schema), book.tenant, ids)
    typer.echo(f"{len(done)} deliver{'y' if len(done) == 1 else 'ies'} queued again")
