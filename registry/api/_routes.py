"""The record routes: ``GET /v1/{collection}`` and ``GET /v1/{collection}/{id}``.

Each request does its blocking work (key check, rate limit, query, body) in one step
(``_blocking``). Every refusal is a problem document; another tenant's record is exactly as
absent as one that never existed (404), and any key fault is the same 401.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from canonical import CanonryError, NotFoundInRegistry
from registry._records import RecordStore
from registry.api._auth import KeyCache, bearer_token
from registry.api._bodies import list_body, record_text
from registry.api._metrics import ApiMetrics
from registry.api._params import COLLECTIONS, check_text, parse_listing, parse_single
from registry.api._problems import ApiProblem, problem_response
from registry.api._ratelimit import RateLimiter

__all__ = ["RecordRoutes"]

_SCOPE = "records:read"
_JSON = "application/json"
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class RecordRoutes:
    engine: Engine
    keys: KeyCache
    limiter: RateLimiter
    metrics: ApiMetrics

    async def _blocking(self, work: Callable[[], Response]) -> Response:
        """Run a request's database work: in a worker thread on PostgreSQL (a round trip
        must not hold the event loop), inline on SQLite, where a page's read takes a few
        hundred microseconds in-process and never waits on a writer (WAL), and the thread
        hop would cost more than it saves."""
        if self.engine.dialect.name == "sqlite":
            return work()
        return await anyio.to_thread.run_sync(work)

    def routes(self) -> list[BaseRoute]:
        return [
            Route(
                "/v1/{collection}", self._timed("/v1/{collection}", self._list), methods=_METHODS
            ),
            Route(
                "/v1/{collection}/{id}",
                self._timed("/v1/{collection}/{id}", self._one),
                methods=_METHODS,
            ),
            Route("/v1/{rest:path}", self._timed("/v1/*", self._unknown), methods=_METHODS),
        ]

    def _timed(self, route: str, handler: Handler) -> Handler:
        async def timed(request: Request) -> Response:
            started = time.perf_counter()
            try:
                response = await self._guarded(request, handler)
            finally:
                self.metrics.latency.labels(route).observe(time.perf_counter() - started)
            self.metrics.requests.labels(route, str(response.status_code)).inc()
            return response

        return timed

    async def _guarded(self, request: Request, handler: Handler) -> Response:
        try:
            if request.method not in ("GET", "HEAD"):
                raise ApiProblem(
                    405,
                    "method_not_allowed",
                    "the unified API is read-only: use GET",
                    {"Allow": "GET, HEAD"},
                )
            return await handler(request)
        except ApiProblem as problem:
            return problem_response(
                problem.status,
                problem.code,
                problem.detail,
                instance=request.url.path,
                headers=problem.headers,
            )
        except CanonryError as exc:  # the database (or the store) failed: retry later
            status = 503 if exc.retryable else 500
            return problem_response(
                status,
                "unavailable",
                exc.message,
                headers={"Retry-After": "1"} if status == 503 else None,
            )

    def _authorise(self, request: Request) -> RecordStore:
        identity = self.keys.identify(bearer_token(request.headers.get("authorization")), _SCOPE)
        wait = self.limiter.take(identity.key_id, identity.rate_per_minute)
        if wait is not None:
            raise ApiProblem(
                429,
                "rate_limited",
                "this API key sent too many requests",
                {"Retry-After": self.limiter.retry_after(wait)},
            )
        return RecordStore(self.engine, identity.tenant)

    @staticmethod
    def _collection(request: Request) -> str:
        collection = str(request.path_params["collection"])
        if collection not in COLLECTIONS:
            raise ApiProblem(
                404, "not_found", f"no collection {collection!r}; use {', '.join(COLLECTIONS)}"
            )
        return collection

    async def _list(self, request: Request) -> Response:
        def work() -> Response:
            store = self._authorise(request)
            collection = self._collection(request)
            listing = parse_listing(collection, request.query_params)
            rows, more = store.rows(listing.spec, listing.limit, remote_data=listing.remote_data)
            customers = None
            if listing.expand_customer:
                wanted = sorted({r.customer_id for r in rows if r.customer_id})
                customers = store.data_by_id("customer", wanted)
            texts = [
                record_text(r, remote_data=listing.remote_data, customers=customers) for r in rows
            ]
            cursor = listing.spec.next_cursor(rows[-1].seq if rows else None, more)
            return Response(list_body(texts, cursor, more), media_type=_JSON)

        return await self._blocking(work)

    async def _one(self, request: Request) -> Response:
        def work() -> Response:
            store = self._authorise(request)
            collection = self._collection(request)
            options = parse_single(collection, request.query_params)
            record_id = str(request.path_params["id"])
            check_text("id", record_id)
            try:
                row = store.row(collection, record_id, remote_data=options.remote_data)
            except NotFoundInRegistry:
                raise ApiProblem(404, "not_found", f"no record {record_id!r}") from None
            customers = None
            if options.expand_customer:
                customers = store.data_by_id(
                    "customer", [row.customer_id] if row.customer_id else []
                )
            etag = _etag(row.content_hash, options.remote_data, customers)
            if etag in _tags(request.headers.get("if-none-match")):
                return Response(status_code=304, headers={"ETag": etag})
            text = record_text(row, remote_data=options.remote_data, customers=customers)
            return Response(text, media_type=_JSON, headers={"ETag": etag})

        return await self._blocking(work)

    async def _unknown(self, request: Request) -> Response:
        raise ApiProblem(404, "not_found", "no such route; see /openapi.json")


def _etag(content_hash: str, remote_data: bool, customers: dict[str, str] | None) -> str:
    if not remote_data and customers is None:
        return f'"{content_hash}"'
    parts: list[Any] = [content_hash, remote_data, sorted((customers or {}).items())]
    return '"' + hashlib.sha256(json.dumps(parts).encode()).hexdigest() + '"'


def _tags(header: str | None) -> set[str]:
    if not header:
        return set()
    return {part.strip().removeprefix("W/") for part in header.split(",")}
