"""``canonry sync CONNECTION STREAM``: a checkpointed sync with a live progress bar."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from registry.cli._common import open_registry

if TYPE_CHECKING:
    from registry import Registry, SyncProgress
    from registry.cli._jsonl import JsonlSink

__all__ = ["sync"]


def _open_sink(
    registry: Registry, connection: str, stream: str, out: Path, full: bool
) -> JsonlSink:
    from registry.cli._jsonl import JsonlSink, resume_offset

    path = out.resolve()
    return JsonlSink(path, resume_offset(path, registry.sync_state(connection, stream), full))


def sync(
    ctx: typer.Context,
    connection: str = typer.Argument(..., help="Connection name or id."),
    stream: str = typer.Argument(..., help="Stream, e.g. customers or invoices."),
    full: bool = typer.Option(
        False, "--full", help="Ignore the saved cursor; resync from scratch."
    ),
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the canonical objects as JSON lines to this file."),
    ] = None,
) -> None:
    """Sync STREAM of CONNECTION, resuming from the last checkpoint unless --full."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,.0f} records"),
        TextColumn("{task.fields[rate]:,.0f} records/s"),
        TextColumn("{task.fields[pages]} pages"),
        TimeElapsedColumn(),
    )
    started = time.monotonic()
    with open_registry(ctx) as registry:
        sink = _open_sink(registry, connection, stream, out, full) if out else None
        live = console.is_terminal
        with Progress(*columns, console=console, transient=True, disable=not live) as bar:
            task = bar.add_task(f"{connection}/{stream}", total=None, rate=0.0, pages=0)

            def report(p: SyncProgress) -> None:
                rate = p.records / max(time.monotonic() - started, 1e-6)
                bar.update(task, completed=p.records, rate=rate, pages=p.pages)

            try:
                objects = registry.sync(
                    connection,
                    stream,
                    full=full,
                    progress=report,
                    on_checkpoint=sink.checkpoint if sink else None,
                )
                for obj in objects:
                    if sink is not None:
                        sink.write(obj)
            finally:
                if sink is not None:
                    sink.close()
        runs = registry.sync_runs(connection, limit=1)
    _summary(runs[0] if runs else None, time.monotonic() - started, out, sink)


def _summary(run: object, elapsed: float, out: Path | None, sink: JsonlSink | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from registry import SyncRun

    if not isinstance(run, SyncRun):
        return
    table = Table("sync", "", show_header=False, title="sync summary")
    resumed = f" (resumed at byte {sink.resumed_at})" if sink and sink.resumed_at else ""
    rows = {
        "run": run.id,
        "stream": run.stream,
        "status": run.status.value,
        "pages": str(run.pages),
        "records": f"{run.records:,}",
        "seconds": f"{elapsed:.1f}",
        "records/s": f"{run.records / max(elapsed, 1e-6):,.0f}",
        "out": f"{out}{resumed}" if out else "-",
    }
    for key, value in rows.items():
        table.add_row(key, value)
    Console().print(table)
