"""The ASGI application: ``create_app(settings)`` builds it; run it or mount it.

Routes: ``POST /webhooks/{connection_id}`` (deliveries), ``GET /healthz`` (the process is
up), ``GET /readyz`` (the database answers; 503 otherwise) and ``GET /metrics``
(Prometheus text format).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from functools import cache
from typing import TypeVar

import anyio
import sqlalchemy as sa
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters import Adapter
from canonical import ConfigurationError
from registry import ConnectionResolver
from vault import CredentialStore
from webhooks._endpoint import WebhookEndpoint
from webhooks._metrics import endpoint_metrics, render_metrics
from webhooks._settings import WebhookSettings
from webhooks._targets import TargetResolver
from webhooks._writer import Enqueue, InboxWriter

__all__ = ["create_app"]

_log = logging.getLogger("canonry.webhooks")
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_READY_TIMEOUT = 3.0
_T = TypeVar("_T")


def _default_enqueue() -> Enqueue:
    try:  # by name: the job side is built separately and may be absent in a slim install
        jobs = importlib.import_module("webhooks.jobs")
        found: Enqueue = jobs.enqueue_items
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(
            "the webhook job queue (webhooks.jobs) cannot be imported",
            hint="reinstall canonry, or pass enqueue= to create_app",
        ) from exc
    return found


def _installed_adapters() -> Mapping[str, type[Adapter]]:
    from plugins import load_adapters

    return dict(load_adapters().adapters)


def create_app(
    settings: WebhookSettings | None = None,
    *,
    engine: Engine | None = None,
    enqueue: Enqueue | None = None,
    credentials: CredentialStore | None = None,
    adapters: Mapping[str, type[Adapter]] | None = None,
    metrics_registry: CollectorRegistry | None = None,
    connections: ConnectionResolver | None = None,
) -> Starlette:
    """The webhook service as a Starlette app.

    Everything but ``settings`` is a seam with a production default: the engine from
    ``settings.database_url``, ``webhooks.jobs.enqueue_items``, the credential store from
    the environment (``CANONRY_VAULT``...), the installed adapters, and the process-wide
    ``METRICS_REGISTRY``; ``connections`` replaces the connection resolver built from them.
    """
    settings = settings or WebhookSettings.from_env()
    owned = engine is None
    if engine is None:
        from registry import create_engine

        engine = create_engine(settings.database_url)
    db = engine
    connections = connections or ConnectionResolver(
        db,
        _lazy(lambda: credentials or _store_from_env(db)),
        _lazy(lambda: dict(adapters) if adapters is not None else _installed_adapters()),
        max_age=settings.cache_seconds,
    )
    resolver = TargetResolver(connections)
    writer = InboxWriter(db, enqueue or _default_enqueue())
    endpoint = WebhookEndpoint(settings, resolver, writer, endpoint_metrics(metrics_registry))

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        ok = await _database_answers(db)
        return JSONResponse({"status": "ready" if ok else "unavailable"}, 200 if ok else 503)

    async def metrics(_: Request) -> Response:
        body = render_metrics(metrics_registry)
        return Response(body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        writer.close()
        if owned:
            db.dispose()

    app = Starlette(
        routes=[
            Route("/webhooks/{connection_id}", endpoint.handle, methods=_METHODS),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False  # "/webhooks/x/" is a 404, never a redirect
    app.state.settings = settings
    app.state.engine = db
    app.state.resolver = resolver
    app.state.writer = writer
    app.state.endpoint = endpoint
    return app


def _lazy(factory: Callable[[], _T]) -> Callable[[], _T]:
    return cache(factory)


def _store_from_env(engine: Engine) -> CredentialStore:
    import vault

    return vault.store_from_env(engine)


async def _database_answers(engine: Engine) -> bool:
    def ping() -> None:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    try:
        with anyio.fail_after(_READY_TIMEOUT):
            await anyio.to_thread.run_sync(ping, abandon_on_cancel=True)
    except Exception as exc:  # any failure means: not ready
        _log.warning("readiness check failed: %s", type(exc).__name__)
        return False
    return True
