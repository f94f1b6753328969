"""What ``canonry sync`` shows: a live progress bar on a terminal, then a summary table."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from registry import SyncProgress
    from registry.cli._jsonl import JsonlSink

__all__ = ["live_progress", "print_dry_run", "print_summary"]

_HOW = {"new": "new file", "append": "appended", "resume": "resumed", "overwrite": "overwritten"}


@contextmanager
def live_progress(label: str) -> Iterator[Callable[[SyncProgress], None]]:
    """A progress callback that draws records, rate and pages on stderr (terminals only)."""
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
    with Progress(
        *columns, console=console, transient=True, disable=not console.is_terminal
    ) as bar:
        task = bar.add_task(label, total=None, rate=0.0, pages=0)

        def report(p: SyncProgress) -> None:
            rate = p.records / max(time.monotonic() - started, 1e-6)
            bar.update(task, completed=p.records, rate=rate, pages=p.pages)

        yield report


def _table(title: str, rows: dict[str, str]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("sync", "", show_header=False, title=title)
    for key, value in rows.items():
        table.add_row(key, value)
    Console().print(table)


def print_dry_run(counts: dict[str, int], elapsed: float) -> None:
    rows = {kind: f"{n:,}" for kind, n in sorted(counts.items())} or {"records": "0"}
    rows["seconds"] = f"{elapsed:.1f}"
    rows["saved"] = "nothing (dry run: no cursor, no file)"
    _table("dry run", rows)


def _out_text(out: Path | None, sink: JsonlSink | None) -> str:
    if out is None or sink is None:
        return "-"
    where = f" at byte {sink.plan.offset:,}" if sink.plan.mode in ("resume", "append") else ""
    return f"{out} ({_HOW[sink.plan.mode]}{where})"


def print_summary(run: object, elapsed: float, out: Path | None, sink: JsonlSink | None) -> None:
    from registry import SyncRun

    if not isinstance(run, SyncRun):
        return
    rows = {
        "run": run.id,
        "stream": run.stream,
        "status": run.status.value,
        "pages": str(run.pages),
        "records": f"{run.records:,}",
        "changed in the store": f"{run.changed:,}",
        "deleted (tombstones)": f"{run.deleted:,}",
        "kept without a refused field": f"{run.warned:,}",
        "seconds": f"{elapsed:.1f}",
        "records/s": f"{run.records / max(elapsed, 1e-6):,.0f}",
        "out": _out_text(out, sink),
    }
    _table("sync summary", rows)
