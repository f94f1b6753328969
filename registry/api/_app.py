"""``create_api_app``: the unified API as an ASGI app (run it, mount it, or add its routes).

Routes: ``GET /v1/customers``, ``/v1/invoices``, ``/v1/events`` (cursor listings) and
``/v1/{collection}/{id}``; ``GET /openapi.json`` and ``/docs``; ``GET /healthz``,
``/readyz`` (the database answers) and ``/metrics`` (Prometheus) when run on its own.
``canonry serve`` adds ``api_routes`` to the webhook app, sharing its engine and metrics.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable

import anyio
import sqlalchemy as sa
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from registry._engine import create_engine
from registry.api._auth import KeyCache
from registry.api._metrics import api_metrics
from registry.api._openapi import openapi_document
from registry.api._ratelimit import RateLimiter
from registry.api._routes import RecordRoutes

__all__ = ["api_routes", "create_api_app"]

_DOCS = """<!doctype html>
<html><head><meta charset="utf-8"><title>Canonry unified API</title>
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
</head><body><div id="ui"></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/openapi.json", dom_id: "#ui"});</script>
<noscript>The API description is at <a href="/openapi.json">/openapi.json</a>.</noscript>
</body></html>
"""


def api_routes(
    engine: Engine,
    *,
    metrics_registry: CollectorRegistry,
    clock: Callable[[], float] = time.monotonic,
    key_cache_seconds: float = 1.0,
) -> list[BaseRoute]:
    """The API's routes over ``engine``: the records, ``/openapi.json`` and ``/docs``."""
    records = RecordRoutes(
        engine,
        KeyCache(engine, ttl=key_cache_seconds, clock=clock),
        RateLimiter(clock),
        api_metrics(metrics_registry),
    )
    document = json.dumps(openapi_document()).encode()

    async def openapi(_: Request) -> Response:
        return Response(document, media_type="application/json")

    async def docs(_: Request) -> Response:
        return HTMLResponse(_DOCS)

    return [
        *records.routes(),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/docs", docs, methods=["GET"]),
    ]


def create_api_app(
    engine: Engine | None = None,
    *,
    database_url: str | None = None,
    metrics_registry: CollectorRegistry | None = None,
    clock: Callable[[], float] = time.monotonic,
    key_cache_seconds: float = 1.0,
) -> Starlette:
    """The unified API on its own (``engine``, else one for ``database_url``/the env)."""
    owned = engine is None
    db = engine if engine is not None else create_engine(database_url)
    registry = metrics_registry if metrics_registry is not None else CollectorRegistry()

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        ok = await _database_answers(db)
        return JSONResponse({"status": "ready" if ok else "unavailable"}, 200 if ok else 503)

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        if owned:
            db.dispose()

    routes = api_routes(
        db, metrics_registry=registry, clock=clock, key_cache_seconds=key_cache_seconds
    )
    app = Starlette(
        routes=[
            *routes,
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    app.state.engine = db
    return app


async def _database_answers(engine: Engine) -> bool:
    def ping() -> None:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    try:
        with anyio.fail_after(3.0):
            await anyio.to_thread.run_sync(ping, abandon_on_cancel=True)
    except Exception:  # any failure means: not ready
        return False
    return True
