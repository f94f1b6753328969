"""``canonry sync CONNECTION STREAM``: a checkpointed sync into the record store (and, with
``--out``, a JSON-lines file too), or a dry run; with a live progress bar.

Every record a run checkpoints is kept in the record store (``canonry records``, the unified
API), in the same transaction as the cursor, so no run can advance past records it did not
keep.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from registry.cli._common import ExitCode, fail, open_registry
from registry.cli._sync_report import live_progress, print_dry_run, print_summary

if TYPE_CHECKING:
    from canonical import CanonicalModel
    from registry import Registry
    from registry.cli._jsonl import JsonlSink

__all__ = ["sync"]

_OUT = typer.Option(
    "--out",
    help="Write the canonical objects as JSON lines to this file: new runs append, an "
    "interrupted run resumes exactly; a non-empty file this sync did not write is refused.",
)


def _check_options(out: Path | None, dry_run: bool, overwrite: bool) -> None:
    if out is not None and dry_run:
        fail("--out and --dry-run exclude each other", "choose one of them", ExitCode.USAGE)
    if overwrite and out is None:
        fail("--overwrite needs --out FILE", "add --out, or drop --overwrite", ExitCode.USAGE)


def _open_sink(
    registry: Registry, connection: str, stream: str, out: Path, overwrite: bool
) -> JsonlSink:
    from registry.cli._jsonl import JsonlSink, plan_output

    path = out.resolve()
    state = registry.sync_state(connection, stream)
    return JsonlSink(path, plan_output(path, state, overwrite=overwrite))


def _drain(objects: Iterator[CanonicalModel], sink: JsonlSink | None) -> None:
    try:
        for obj in objects:
            if sink is not None:
                sink.write(obj)
    finally:
        if sink is not None:
            sink.close()


def sync(
    ctx: typer.Context,
    connection: str = typer.Argument(..., help="Connection name or id."),
    stream: str = typer.Argument(..., help="Stream, e.g. customers or invoices."),
    full: bool = typer.Option(
        False, "--full", help="Ignore the saved cursor; resync from scratch."
    ),
    out: Annotated[Path | None, _OUT] = None,
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace the contents of the --out file, whoever wrote it."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Read and map, report counts; save no cursor, write nothing."
    ),
) -> None:
    """Sync STREAM of CONNECTION into the record store, resuming from the last checkpoint
    unless --full (a full run also turns records that vanished into tombstones)."""
    _check_options(out, dry_run, overwrite)
    started = time.monotonic()
    with open_registry(ctx) as registry, live_progress(f"{connection}/{stream}") as report:
        if dry_run:
            counted = _count(registry.preview(connection, stream, full=full, progress=report))
            print_dry_run(counted, time.monotonic() - started)
            return
        sink = _open_sink(registry, connection, stream, out, overwrite) if out else None
        objects = registry.sync(
            connection,
            stream,
            full=full,
            progress=report,
            on_checkpoint=sink.checkpoint if sink else None,
        )
        _drain(objects, sink)
        runs = registry.sync_runs(connection, limit=1)
    print_summary(runs[0] if runs else None, time.monotonic() - started, out, sink)


def _count(objects: Iterator[CanonicalModel]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for obj in objects:
        kind = type(obj).__name__
        counts[kind] = counts.get(kind, 0) + 1
        if getattr(obj, "remote_was_deleted", False):
            counts["deleted"] = counts.get("deleted", 0) + 1
    return counts
