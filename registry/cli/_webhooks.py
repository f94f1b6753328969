"""``canonry webhooks list|show|replay|dead-letters|purge|send-test``: the inbox and its jobs."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import typer

from registry.cli import _webhooks_replay, _webhooks_send
from registry.cli._common import (
    ExitCode,
    fail,
    open_registry,
    print_json,
    require_database,
    state,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from webhooks import InboxItem, InboxSummary

    Listed = InboxItem | InboxSummary

__all__ = ["app", "parse_age"]

app = typer.Typer(help="Webhook deliveries: the inbox, dead letters, replay and purge.")
app.command("send-test")(_webhooks_send.send_test)
app.command("replay")(_webhooks_replay.replay)

_JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")
_CONNECTION = typer.Option(None, "--connection", help="Only this connection (name or id).")
_PURGE_STATUS = typer.Option(["done", "stale"], "--status", help="Statuses to purge (repeatable).")
_AGE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_age(text: str) -> timedelta:
    """``30d``, ``12h``, ``90m``, ``45s``, ``2w`` as a timedelta."""
    match = _AGE.match(text.strip().lower())
    if match is None:
        fail(f"cannot read the age {text!r}", "write it like 30d, 12h, 90m or 2w", ExitCode.USAGE)
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@contextmanager
def _engine(ctx: typer.Context) -> Iterator[Engine]:
    from registry import create_engine

    engine = create_engine(require_database(ctx))
    try:
        yield engine
    finally:
        engine.dispose()


def _connection_id(ctx: typer.Context, connection: str | None) -> str | None:
    if connection is None:
        return None
    with open_registry(ctx) as registry:
        return registry.get_connection(connection).id


def _running(engine: Engine, items: Sequence[Listed]) -> set[str]:
    """Received items whose job runs now (shown as ``processing``); empty if DBOS's tables
    cannot be read (not created yet): the items then show as stored. DBOS is imported
    only when some item waits (a fast `webhooks list` otherwise)."""
    from webhooks import InboxStatus

    waiting = [i.id for i in items if i.status is InboxStatus.RECEIVED]
    if not waiting:
        return set()
    from webhooks.jobs import JobSettings, running_items

    try:
        return running_items(engine, waiting, JobSettings.from_env().dbos_schema)
    except Exception:  # only the annotation is lost
        return set()


def _status(item: Listed, running: AbstractSet[str]) -> str:
    if item.id in running:
        return "processing"
    return "retrying" if item.retrying else item.status.value


def _summary(item: Listed, running: AbstractSet[str] = frozenset()) -> dict[str, Any]:
    return {
        "id": item.id,
        "status": _status(item, running),
        "connection_id": item.connection_id,
        "adapter": item.adapter,
        "event_type": item.vendor_event_type,
        "event_id": item.vendor_event_id,
        "object": f"{item.object_type}:{item.object_id or '-'}",
        "occurred_at": item.occurred_at.isoformat(),
        "received_at": item.received_at.isoformat(),
        "attempts": item.attempts,
        "last_error": item.last_error,
    }


def _table(items: Sequence[Listed], title: str, running: AbstractSet[str] = frozenset()) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in ("id", "status", "event", "object", "received", "attempts", "error"):
        table.add_column(column, overflow="fold")
    for item in items:
        table.add_row(
            item.id,
            _status(item, running),
            item.vendor_event_type,
            f"{item.object_type}:{item.object_id or '-'}",
            item.received_at.strftime("%Y-%m-%d %H:%M:%S"),
            str(item.attempts),
            (item.last_error or "")[:80],
        )
    Console().print(table)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: str | None = typer.Option(
        None,
        "--status",
        help="received (queued), processing (its job runs now), done, stale, dead or failed.",
    ),
    connection: str | None = _CONNECTION,
    limit: int = typer.Option(50, "--limit", min=1, max=10_000),
    as_json: bool = _JSON,
) -> None:
    """The tenant's newest inbox items."""
    from webhooks import InboxStatus, list_summaries

    if status is not None and status not in {s.value for s in InboxStatus}:
        known = ", ".join(s.value for s in InboxStatus)
        fail(f"unknown status {status!r}", f"use one of {known}", ExitCode.USAGE)
    connection_id = _connection_id(ctx, connection)
    stored = "received" if status == "processing" else status
    with _engine(ctx) as engine:
        with engine.connect() as conn:
            items = list_summaries(
                conn, state(ctx).tenant, stored, limit, connection_id=connection_id
            )
        running = _running(engine, items)
    if status in ("processing", "received"):  # received: queued, not yet started
        items = [i for i in items if (i.id in running) == (status == "processing")]
    if as_json:
        print_json([_summary(i, running) for i in items])
    else:
        _table(items, f"webhook items ({len(items)})", running)


@app.command("show")
def show(
    ctx: typer.Context,
    item_id: str = typer.Argument(..., metavar="ID", help="Inbox item id (or a unique prefix)."),
    body: bool = typer.Option(False, "--body", help="Also print the stored body."),
    as_json: bool = _JSON,
) -> None:
    """One item: status, attempts, error and the headers that matter (body on request)."""
    from webhooks import get_item
    from webhooks.jobs import find_item_id

    with _engine(ctx) as engine:
        full_id = find_item_id(engine, state(ctx).tenant, item_id)
        with engine.connect() as conn:
            item = get_item(conn, full_id, tenant=state(ctx).tenant)
        running = _running(engine, [item]) if item is not None else set()
    if item is None or item.tenant != state(ctx).tenant:
        fail(
            f"no webhook item {item_id!r}",
            "list items with `canonry webhooks list`",
            ExitCode.NOT_FOUND,
        )
    data = {**_summary(item, running), "headers": item.headers}
    if item.next_attempt_at is not None and item.retrying:
        data["next_attempt_at"] = item.next_attempt_at.isoformat()
    if item.processed_at is not None:
        data["processed_at"] = item.processed_at.isoformat()
    if body:
        data["body"] = item.body.decode("utf-8", errors="replace")
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        typer.echo(f"{key}: {value}")


@app.command("dead-letters")
def dead_letters(
    ctx: typer.Context,
    connection: str | None = _CONNECTION,
    limit: int = typer.Option(50, "--limit", min=1, max=10_000),
    as_json: bool = _JSON,
) -> None:
    """Items whose handlers failed every attempt, and items that could not be parsed."""
    from webhooks.jobs import dead_letters as find_dead

    connection_id = _connection_id(ctx, connection)
    with _engine(ctx) as engine:
        items = find_dead(engine, state(ctx).tenant, connection_id=connection_id, limit=limit)
    if as_json:
        print_json([_summary(i) for i in items])
    else:
        _table(items, f"dead letters ({len(items)}) — `canonry webhooks replay ID` after a fix")


@app.command("purge")
def purge(
    ctx: typer.Context,
    older_than: str = typer.Option(..., "--older-than", help="Age, e.g. 30d, 12h, 2w."),
    status: list[str] = _PURGE_STATUS,
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Delete old processed items (and their finished jobs) from the inbox."""
    from webhooks import InboxStatus
    from webhooks.jobs import JobSettings
    from webhooks.jobs import purge as purge_items

    age = parse_age(older_than)
    if any(s in ("received", "processing") for s in status):
        fail(
            "items still waiting for processing cannot be purged",
            "purge done, stale, dead or failed items",
            ExitCode.USAGE,
        )
    wanted = [InboxStatus(s) for s in status if s in {x.value for x in InboxStatus}]
    if len(wanted) != len(status):
        fail(f"unknown status in {status}", "use done, stale, dead or failed", ExitCode.USAGE)
    if not yes:
        typer.confirm(
            f"Delete {', '.join(status)} items older than {older_than} "
            f"of tenant {state(ctx).tenant!r}?",
            abort=True,
        )
    schema = JobSettings.from_env().dbos_schema
    with _engine(ctx) as engine:
        count = purge_items(
            engine, state(ctx).tenant, older_than=age, statuses=wanted, schema=schema
        )
    typer.echo(f"purged {count} item(s)")
