"""``canonry sync CONNECTION STREAM``: a checkpointed sync into a file, on purpose nowhere, or
a dry run; with a live progress bar.

A destination is required: records read and checkpointed without being kept would be
skipped by every later run, so throwing them away takes ``--discard``.
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


def _check_destination(out: Path | None, discard: bool, dry_run: bool, overwrite: bool) -> None:
    chosen = [
        name for name, on in (("--out", out), ("--discard", discard), ("--dry-run", dry_run)) if on
    ]
    if not chosen:
        fail(
            "sync needs a destination for the records",
            "pass --out FILE to write them as JSON lines, or --discard to advance the cursor "
            "without keeping them (--dry-run only counts them)",
            ExitCode.USAGE,
        )
    if len(chosen) > 1:
        fail(f"{' and '.join(chosen)} exclude each other", "choose one of them", ExitCode.USAGE)
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
    discard: bool = typer.Option(
        False, "--discard", help="Keep no records, but advance the cursor past them."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Read and map, report counts; save no cursor, write nothing."
    ),
) -> None:
    """Sync STREAM of CONNECTION, resuming from the last checkpoint unless --full."""
    _check_destination(out, discard, dry_run, overwrite)
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
