"""``canonry worker``: process webhook jobs from the shared DBOS queue until stopped."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer

from registry.cli._common import require_database

__all__ = ["worker"]

_HANDLERS = typer.Option(
    [],
    "--handlers",
    help="Handler module to import (module or module:attr); repeatable. Also CANONRY_HANDLERS "
    "(comma-separated) and the canonry.webhook_handlers entry points.",
    show_default=False,
)


def worker(
    ctx: typer.Context,
    concurrency: int | None = typer.Option(
        None, "--concurrency", min=1, max=1000, help="Jobs at once (CANONRY_WORKER_CONCURRENCY)."
    ),
    executor_id: str | None = typer.Option(
        None,
        "--executor-id",
        help="Stable id of this worker (CANONRY_EXECUTOR_ID; default: the host name). A "
        "restarted worker resumes its own unfinished jobs; give each worker its own.",
        show_default=False,
    ),
    handlers: list[str] = _HANDLERS,
    grace: float = typer.Option(
        30.0, "--grace", min=0, help="Seconds running jobs get to finish on SIGTERM/SIGINT."
    ),
    log_level: str = typer.Option("info", "--log-level", help="Log level (debug: every attempt)."),
    log_format: str | None = typer.Option(
        None,
        "--log-format",
        help="text or json (one JSON object a line); also CANONRY_LOG_FORMAT.",
        show_default=False,
    ),
) -> None:
    """Run webhook jobs: parse inbox items into canonical events and call the handlers.

    Runs until SIGTERM or SIGINT, then stops taking jobs and lets running ones finish
    (up to --grace seconds; unfinished ones resume on the next start or another worker).
    """
    from webhooks._logging import configure_logging, log_format_from_env
    from webhooks.handlers import DEFAULT_HANDLERS, load_handlers
    from webhooks.jobs import JobSettings, launch_dbos

    configure_logging(log_format or log_format_from_env(), log_level)
    # exists and is initialised, checked first: DBOS's launch would create a missing
    # PostgreSQL database (and SQLite would create a missing file)
    url = require_database(ctx)
    settings = JobSettings.from_env(
        database_url=url, concurrency=concurrency, executor_id=executor_id
    )
    load_handlers(handlers, registry=DEFAULT_HANDLERS)
    stop = threading.Event()
    _on_signals(stop)
    runtime = launch_dbos(url, role="worker", settings=settings, handlers=DEFAULT_HANDLERS)
    names = ", ".join(DEFAULT_HANDLERS.names()) or "none"
    typer.echo(
        f"canonry worker {settings.executor_id}: concurrency {settings.concurrency}, "
        f"handlers: {names}",
        err=True,
    )
    try:
        stop.wait()
    finally:
        typer.echo("canonry worker: stopping, letting running jobs finish", err=True)
        runtime.shutdown(timeout=grace)


def _on_signals(stop: threading.Event) -> None:
    def handle(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
