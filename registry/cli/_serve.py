"""``canonry serve``: the webhook endpoint under uvicorn, with the job processing in-process."""

from __future__ import annotations

from typing import Any

import typer

from registry.cli._common import state
from registry.cli._listen import listen_socket

__all__ = ["serve"]

_LOG_FORMAT = typer.Option(
    None,
    "--log-format",
    help="text or json (one JSON object a line); also CANONRY_LOG_FORMAT.",
    show_default=False,
)
_WORKERS = typer.Option(
    None,
    "--workers-in-process/--no-workers",
    help="Process webhook jobs in this process too (default: yes on SQLite, no on "
    "PostgreSQL, where `canonry worker` processes share the queue).",
    show_default=False,
)


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    workers_in_process: bool | None = _WORKERS,
    public_url: str | None = typer.Option(
        None,
        "--public-url",
        envvar="CANONRY_PUBLIC_URL",
        help="Public URL vendors call: scheme://host or scheme://host/prefix (HubSpot signs it).",
        show_default=False,
    ),
    log_level: str = typer.Option("info", "--log-level", help="Log level (debug: every attempt)."),
    log_format: str | None = _LOG_FORMAT,
    access_log: bool = typer.Option(False, "--access-log", help="Log every request."),
    grace: float = typer.Option(
        30.0, "--grace", min=0, help="Seconds running jobs get to finish on SIGTERM/SIGINT."
    ),
    max_header_bytes: int | None = typer.Option(
        None,
        "--max-header-bytes",
        help="Request line + headers limit, else 431 (CANONRY_MAX_HEADER_BYTES; 16384).",
        show_default=False,
    ),
    max_headers: int | None = typer.Option(
        None,
        "--max-headers",
        help="Header count limit, else 431 (CANONRY_MAX_HEADERS; 100).",
        show_default=False,
    ),
    header_timeout: float | None = typer.Option(
        None,
        "--header-timeout",
        help="Seconds to send the headers, else 408 (CANONRY_HEADER_TIMEOUT; 10).",
        show_default=False,
    ),
) -> None:
    """Receive webhooks: POST /webhooks/{connection_id}, GET /healthz, /readyz, /metrics.

    Behind a proxy or tunnel set --public-url (HubSpot's v3 signature covers the URL it
    called), or CANONRY_TRUST_FORWARDED=1 when the proxy sets X-Forwarded-Proto/Host.
    CANONRY_WEBHOOK_MAX_BODY caps bodies (default 1 MiB). SIGTERM/SIGINT stop taking
    requests, let running jobs finish (up to --grace seconds) and exit 0.
    """
    import uvicorn

    from registry import database_url_from_env
    from registry._database import require_database as check_database
    from webhooks import WebhookSettings, create_app
    from webhooks._logging import configure_logging, log_format_from_env
    from webhooks._server import GracefulServer, HeadLimits, limited_protocol

    log_format = log_format or log_format_from_env()
    settings = WebhookSettings.from_env(
        database_url=state(ctx).database_url,
        public_base_url=public_url,
        max_header_bytes=max_header_bytes,
        max_headers=max_headers,
        header_timeout=header_timeout,
    )
    url = settings.database_url or database_url_from_env()
    check_database(url)  # exists and initialised: nothing is created implicitly
    configure_logging(log_format, log_level)
    sock = listen_socket(host, port)  # before DBOS starts: a taken port fails fast
    runtime = _launch_jobs(url, workers_in_process)
    try:
        app = create_app(settings)
        _add_unified_api(app)
        where = "in this process" if runtime.processing else "by `canonry worker` processes"
        typer.echo(
            f"canonry serve: http://{host}:{port}/webhooks/<connection-id>; jobs run {where}; "
            f"unified API at http://{host}:{port}/v1/ (docs: /docs)"
        )
        limits = HeadLimits(
            settings.max_header_bytes, settings.max_headers, settings.header_timeout
        )
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level=log_level,
            access_log=access_log,
            log_config=None,
            http=limited_protocol(limits),
        )
        GracefulServer(config).run(sockets=[sock])
    finally:
        sock.close()
        runtime.shutdown(timeout=grace)


def _add_unified_api(app: Any) -> None:
    """The unified API's routes on the webhook app: one server, engine and /metrics."""
    from registry.api import api_routes
    from webhooks import METRICS_REGISTRY

    routes = api_routes(app.state.engine, metrics_registry=METRICS_REGISTRY)
    app.router.routes[0:0] = routes


def _launch_jobs(url: str, process: bool | None) -> Any:
    """DBOS for enqueueing (always) and processing (when ``process``); see webhooks.jobs."""
    import importlib

    from canonical import ConfigurationError

    try:
        launch = importlib.import_module("webhooks.jobs").launch_dbos
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(
            "the webhook job runtime (webhooks.jobs) is not available",
            hint="reinstall canonry with its dbos dependency",
        ) from exc
    return launch(url, role="serve", process=process)
