"""``POST /webhooks/{connection_id}``: route, verify, split, store + enqueue, acknowledge.

Order matters: the body is read with a hard limit, the signature is verified before the
body is parsed, and the 2xx goes out only after the inbox rows and their jobs committed
in one transaction (written by the ``InboxWriter``, which group-commits concurrent
deliveries). Bad input is answered 4xx (counted, logged without body or secrets); only
an infrastructure failure (database down, credential store unreachable) is answered 503,
so the sender retries and nothing is acknowledged that was not stored.
"""

from __future__ import annotations

import functools
import logging
import time
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from canonical import WebhookVerificationError
from webhooks._inbox import NewInboxItem
from webhooks._metrics import EndpointMetrics
from webhooks._request import kept_headers, lower_headers, public_url, read_body, request_id
from webhooks._request import safe_id as _safe_id
from webhooks._schemes import COMMON_HEADERS, Delivery
from webhooks._settings import WebhookSettings
from webhooks._split import EventDraft
from webhooks._targets import Target, TargetResolver
from webhooks._writer import Enqueue, InboxWriter

__all__ = ["Enqueue", "WebhookEndpoint", "status_for"]

_log = logging.getLogger("canonry.webhooks")

_STATUS = {
    "not_found": 404,
    "method_not_allowed": 405,
    "body_too_large": 413,
    "stale_timestamp": 400,
    "future_timestamp": 400,
    "malformed_json": 400,
    "malformed_payload": 400,
    "client_disconnected": 400,
}
_REFRESH_AFTER = 1.0  # re-read a cached target at most this old when a signature fails


def status_for(reason: str) -> int:
    """The HTTP status for a rejection reason (signature problems: 401)."""
    return _STATUS.get(reason, 401)


class WebhookEndpoint:
    """The ASGI request handler behind ``POST /webhooks/{connection_id}``."""

    def __init__(
        self,
        settings: WebhookSettings,
        resolver: TargetResolver,
        writer: InboxWriter,
        metrics: EndpointMetrics,
    ) -> None:
        self.settings = settings
        self.resolver = resolver
        self.writer = writer
        self.metrics = metrics

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        headers = lower_headers(request)
        rid = request_id(headers)
        raw_id = request.path_params.get("connection_id")
        connection = _safe_id(raw_id if isinstance(raw_id, str) else None)
        try:
            response = await self._handle(request, headers, connection, rid)
            outcome = "accepted"
        except WebhookVerificationError as exc:
            response, outcome = self._reject(exc.reason, connection, rid), "rejected"
        except ClientDisconnect:
            response, outcome = self._reject("client_disconnected", connection, rid), "rejected"
        except Exception as exc:  # last resort: infrastructure failure, never a 500
            _log.error(
                "webhook delivery not stored, answered 503: %s (connection=%s request_id=%s)",
                type(exc).__name__,
                connection,
                rid,
            )
            self.metrics.rejected.labels(reason="unavailable").inc()
            response = JSONResponse({"error": "unavailable"}, 503, {"Retry-After": "5"})
            outcome = "error"
        response.headers["X-Request-Id"] = rid
        self.metrics.latency.labels(outcome=outcome).observe(time.perf_counter() - started)
        return response

    def _reject(self, reason: str, connection: str | None, rid: str) -> Response:
        status = status_for(reason)
        self.metrics.rejected.labels(reason=reason).inc()
        _log.warning(
            "webhook delivery rejected: reason=%s status=%d connection=%s request_id=%s",
            reason,
            status,
            connection or "<invalid>",
            rid,
        )
        headers = {"Allow": "POST"} if status == 405 else None
        return JSONResponse({"error": "not_found" if status == 404 else reason}, status, headers)

    async def _handle(
        self, request: Request, headers: dict[str, str], connection: str | None, rid: str
    ) -> Response:
        if request.method != "POST":
            raise WebhookVerificationError("only POST", reason="method_not_allowed")
        target = await self._target(connection)
        body = await read_body(request, self.settings.max_body_bytes, headers)
        delivery = Delivery("POST", public_url(request, headers, self.settings), headers, body)
        target = await self._verify(target, delivery)
        drafts = target.scheme.split(delivery)
        keep = kept_headers(headers, (*COMMON_HEADERS, *target.scheme.headers))
        received = datetime.now(UTC)
        items = [_item(target, draft, keep, received) for draft in drafts]
        new_ids = await self.writer.write(items)
        stored, duplicates = len(new_ids), len(items) - len(new_ids)
        self.metrics.accepted.labels(adapter=target.adapter).inc()
        self.metrics.events.labels(adapter=target.adapter).inc(stored)
        self.metrics.duplicates.labels(adapter=target.adapter).inc(duplicates)
        _log.debug(
            "webhook delivery accepted: connection=%s events=%d duplicates=%d request_id=%s",
            target.connection_id,
            stored,
            duplicates,
            rid,
        )
        return JSONResponse({"received": stored, "duplicates": duplicates})

    async def _target(self, connection: str | None) -> Target:
        if connection is None:
            raise WebhookVerificationError("unknown connection", reason="not_found")
        hit, target = self.resolver.cached(connection)
        if not hit:
            target = await run_in_threadpool(self.resolver.resolve, connection)
        if target is None:
            raise WebhookVerificationError("unknown connection", reason="not_found")
        return target

    async def _verify(self, target: Target, delivery: Delivery) -> Target:
        try:
            target.scheme.verify(delivery, target.secrets, target.config)
            return target
        except WebhookVerificationError as exc:
            age = self.resolver.age(target)
            if exc.reason not in ("bad_signature", "no_secret") or age < _REFRESH_AFTER:
                raise
        # a secret may have changed in the credential store since it was read: read it again
        fresh = await run_in_threadpool(
            functools.partial(self.resolver.resolve, target.connection_id, fresh=True)
        )
        if fresh is None:
            raise WebhookVerificationError("unknown connection", reason="not_found")
        fresh.scheme.verify(delivery, fresh.secrets, fresh.config)
        return fresh


def _item(
    target: Target, draft: EventDraft, headers: dict[str, str], received: datetime
) -> NewInboxItem:
    return NewInboxItem(
        tenant=target.tenant,
        connection_id=target.connection_id,
        adapter=target.adapter,
        vendor_event_id=draft.vendor_event_id,
        vendor_event_type=draft.vendor_event_type,
        object_type=draft.object_type,
        object_id=draft.object_id,
        occurred_at=draft.occurred_at,
        body=draft.body,
        headers=headers,
        received_at=received,
    )
