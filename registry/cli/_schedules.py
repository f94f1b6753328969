"""``canonry schedules add|list|pause|resume|remove|run-now`` and ``canonry sync runs``.

Schedules are stored in the database and fired by DBOS's scheduler in ``canonry serve``
(embedded, SQLite) or ``canonry worker`` processes (PostgreSQL: any number of them).
``canonry sync`` stays the command that syncs now (``canonry sync CONNECTION STREAM``, or
``canonry sync run ...``); ``canonry sync runs [CONNECTION]`` is the history.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer
from typer._click.core import Context as _ClickContext
from typer.core import TyperGroup

from registry.cli import _sync
from registry.cli._common import ExitCode, fail, open_registry, print_json, state

if TYPE_CHECKING:
    from registry.schedules import Schedule, Schedules

__all__ = ["app", "sync_app"]

app = typer.Typer(
    help="Scheduled syncs of a connection's stream, run by `canonry serve` or `canonry worker`.",
    no_args_is_help=True,
)
_JSON = typer.Option(False, "--json", help="Print JSON for scripts.")
_CONNECTION = typer.Argument(..., help="Connection name or id.")
_STREAM = typer.Argument(..., help="Stream, e.g. customers or invoices.")
_EVERY = typer.Option(None, "--every", help="An interval: 30s, 15m, 6h, 1d.")
_CRON = typer.Option(
    None, "--cron", help='A cron expression in UTC: "*/15 * * * *" (or six fields, seconds first).'
)
_FULL_EVERY = typer.Option(
    None,
    "--full-every",
    help="A tick is a full sync (reconciling deletions) when the last full one is this old: 7d.",
)


@contextmanager
def _schedules(ctx: typer.Context) -> Iterator[Schedules]:
    from registry.schedules import Schedules
    from webhooks.jobs import JobSettings, dbos_client, prepare_dbos

    with open_registry(ctx) as registry:
        url = registry.engine.url.render_as_string(hide_password=False)
        schema = JobSettings.from_env(database_url=state(ctx).database_url).dbos_schema
        prepare_dbos(url, schema)
        yield Schedules(registry, dbos_client(registry.engine, schema))


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else "-"


def _print(schedules: list[Schedule], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("connection", "stream", "when", "full every", "status", "next run",
                  "last tick", title=title)  # fmt: skip
    for s in schedules:
        when = f"every {s.every}" if s.every else s.cron
        last = f"{s.last_tick_status} {_when(s.last_tick_at)}" if s.last_tick_status else "-"
        status = "running" if s.running and s.status == "active" else s.status
        table.add_row(s.connection, s.stream, when, s.full_every or "-", status,
                      _when(s.next_run_at), last)  # fmt: skip
    Console().print(table)


def _show(schedule: Schedule, as_json: bool, title: str) -> None:
    if as_json:
        print_json(schedule.model_dump(mode="json"))
    else:
        _print([schedule], title)


@app.command("add")
def add(
    ctx: typer.Context,
    connection: str = _CONNECTION,
    stream: str = _STREAM,
    every: str | None = _EVERY,
    cron: str | None = _CRON,
    full_every: str | None = _FULL_EVERY,
    as_json: bool = _JSON,
) -> None:
    """Schedule STREAM of CONNECTION (--every or --cron); one schedule per stream."""
    with _schedules(ctx) as book:
        added = book.add(connection, stream, every=every, cron=cron, full_every=full_every)
    _show(added, as_json, "schedule added")


@app.command("list")
def list_command(
    ctx: typer.Context,
    connection: str | None = typer.Option(None, "--connection", help="Only this connection."),
    as_json: bool = _JSON,
) -> None:
    """The tenant's schedules: when they fire, their status and last tick."""
    with _schedules(ctx) as book:
        found = book.list(connection)
    if as_json:
        print_json([s.model_dump(mode="json") for s in found])
    else:
        _print(found, f"schedules ({len(found)})")


@app.command("pause")
def pause(
    ctx: typer.Context, connection: str = _CONNECTION, stream: str = _STREAM, as_json: bool = _JSON
) -> None:
    """Stop firing the schedule (a run in progress finishes)."""
    with _schedules(ctx) as book:
        _show(book.pause(connection, stream), as_json, "schedule paused")


@app.command("resume")
def resume(
    ctx: typer.Context, connection: str = _CONNECTION, stream: str = _STREAM, as_json: bool = _JSON
) -> None:
    """Fire the schedule again."""
    with _schedules(ctx) as book:
        _show(book.resume(connection, stream), as_json, "schedule resumed")


@app.command("remove")
def remove(ctx: typer.Context, connection: str = _CONNECTION, stream: str = _STREAM) -> None:
    """Delete the schedule (its runs stay in `canonry sync runs`)."""
    with _schedules(ctx) as book:
        removed = book.remove(connection, stream)
    typer.echo(f"schedule of {removed.connection}/{removed.stream} removed")


@app.command("run-now")
def run_now(
    ctx: typer.Context,
    connection: str = _CONNECTION,
    stream: str = _STREAM,
    wait: bool = typer.Option(False, "--wait", help="Wait for the run and print its outcome."),
    timeout: float = typer.Option(3600.0, "--timeout", min=1, help="Seconds --wait waits."),
) -> None:
    """Run the schedule now (in a worker; skipped if a run of the stream is in progress)."""
    with _schedules(ctx) as book:
        tick = book.run_now(connection, stream)
        typer.echo(f"queued tick {tick}")
        if wait:
            _wait(book, tick, timeout)


def _wait(book: Schedules, tick: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        found = book.tick_status(tick)
        if found is not None and found[0] != "running":
            status, note = found
            typer.echo(f"{status}{': ' + note if note else ''}")
            if status != "succeeded":
                raise typer.Exit(int(ExitCode.FAILED))
            return
        if time.monotonic() > deadline:
            fail(f"the tick did not finish within {timeout:g} s",
                 "check that `canonry serve` or `canonry worker` is running")  # fmt: skip
        time.sleep(0.2)


class _SyncGroup(TyperGroup):
    """``canonry sync CONNECTION STREAM`` runs ``sync run``; ``sync runs`` is the history."""

    def parse_args(self, ctx: _ClickContext, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        result: list[str] = super().parse_args(ctx, args)
        return result


sync_app = typer.Typer(
    cls=_SyncGroup,
    no_args_is_help=True,
    help="Sync a stream now (`canonry sync CONNECTION STREAM`, the same as `sync run`), or "
    "show the sync history (`canonry sync runs [CONNECTION]`).",
)
sync_app.command("run")(_sync.sync)


def _took(entry: Any) -> str:
    if entry.finished_at is None:
        return "-"
    return f"{(entry.finished_at - entry.started_at).total_seconds():.1f}s"


def _history_table(entries: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("started", "stream", "trigger", "status", "read/changed/deleted", "took",
                  "error", title=f"sync runs ({len(entries)})")  # fmt: skip
    for e in entries:
        kind = f"{e.trigger}{' full' if e.full else ''}"
        counts = f"{e.records:,}/{e.changed:,}/{e.deleted:,}"
        table.add_row(_when(e.started_at), f"{e.connection}/{e.stream}", kind, e.status, counts,
                      _took(e), (e.error or "")[:80])  # fmt: skip
    Console().print(table)


@sync_app.command("runs")
def runs(
    ctx: typer.Context,
    connection: str | None = typer.Argument(None, help="Only this connection (name or id)."),
    limit: int = typer.Option(20, "--limit", min=1, max=10_000, help="Newest entries shown."),
    as_json: bool = _JSON,
) -> None:
    """The sync history: runs (manual and scheduled) and skipped ticks, newest first."""
    from registry.schedules import sync_history

    with open_registry(ctx) as registry:
        connection_id = registry.get_connection(connection).id if connection else None
        entries = sync_history(registry.engine, registry.tenant, connection_id=connection_id,
                               limit=limit)  # fmt: skip
    if as_json:
        print_json([e.model_dump(mode="json") for e in entries])
    else:
        _history_table(entries)
