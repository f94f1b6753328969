"""Attempts of deliveries: send, record what happened, schedule what comes next.

Each outcome is written in one transaction with the next attempt's enqueue (after the
round's next backoff delay, or the endpoint's ``Retry-After`` if longer), and only if the
delivery is still at this attempt: an attempt run twice (a worker crashed after sending)
sends twice at most, and records once. Receivers deduplicate on ``webhook-id``. After the
last attempt of the round the delivery is ``dead`` (the dead-letter list) until replayed.

New deliveries to one endpoint go in batches, one after the other over one connection.
When the endpoint cannot be reached (no answer at all), the rest of the batch is not
tried now: each gets its first attempt after the same delay, on its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from webhooks.notify._enqueue import enqueue_attempt
from webhooks.notify._metrics import notify_metrics
from webhooks.notify._runtime import NotifyRuntime
from webhooks.notify._sender import Attempt
from webhooks.notify._tables import DeliveryRow, DeliveryStatus, EndpointRow, EventRow

__all__ = ["run_attempt", "run_batch"]

_DELIVERIES: sa.Table = DeliveryRow.__table__  # type: ignore[attr-defined]
_ENDPOINTS: sa.Table = EndpointRow.__table__  # type: ignore[attr-defined]
_EVENTS: sa.Table = EventRow.__table__  # type: ignore[attr-defined]
_MAX_RETRY_AFTER = 86400.0


def _load(conn: Connection, delivery_ids: list[str]) -> dict[str, Any]:
    query = (
        sa.select(_DELIVERIES, _ENDPOINTS.c.url, _ENDPOINTS.c.disabled, _EVENTS.c.body)
        .join(_ENDPOINTS, _ENDPOINTS.c.id == _DELIVERIES.c.endpoint_id)
        .join(_EVENTS, _EVENTS.c.id == _DELIVERIES.c.event_id)
        .where(_DELIVERIES.c.id.in_(delivery_ids))
    )
    return {row.id: row for row in conn.execute(query)}


def _outcome(result: Attempt) -> str:
    if result.ok:
        return "ok"
    if result.refused:
        return "refused"
    return "http_error" if result.status_code is not None else "network_error"


def _delay(runtime: NotifyRuntime, attempt: int, result: Attempt) -> float | None:
    """Seconds before the next attempt; None: this was the round's last attempt."""
    schedule = runtime.settings.retry_schedule
    if attempt > len(schedule):
        return None
    wanted = min(result.retry_after or 0.0, _MAX_RETRY_AFTER)
    return max(schedule[attempt - 1], wanted)


def _record(
    conn: Connection, runtime: NotifyRuntime, row: Any, attempt: int, result: Attempt,
    now: datetime,
) -> str:  # fmt: skip
    delay = None if result.ok else _delay(runtime, attempt, result)
    status = DeliveryStatus.DELIVERED if result.ok else (
        DeliveryStatus.RETRYING if delay is not None else DeliveryStatus.DEAD
    )  # fmt: skip
    values: dict[str, Any] = {
        "status": status.value, "attempts": _DELIVERIES.c.attempts + 1,
        "round_attempts": attempt, "last_attempt_at": now,
        "last_status_code": result.status_code, "last_error": (result.error or None),
        "last_response": result.response,
        "next_attempt_at": now + timedelta(seconds=delay) if delay is not None else None,
        "delivered_at": now if result.ok else None,
    }  # fmt: skip
    if values["last_error"] is not None:
        values["last_error"] = values["last_error"][:500]
    written = conn.execute(
        sa.update(_DELIVERIES)
        .where(_DELIVERIES.c.id == row.id, _DELIVERIES.c.round == row.round,
               _DELIVERIES.c.round_attempts == attempt - 1)
        .values(**values)
    )  # fmt: skip
    if written.rowcount == 1 and delay is not None:
        enqueue_attempt(conn, runtime.client, delivery_ids=[row.id], endpoint_id=row.endpoint_id,
                        round_=row.round, attempt=attempt + 1, delay=delay)  # fmt: skip
    return status.value


def run_attempt(
    runtime: NotifyRuntime, row: Any, round_: int, attempt: int
) -> tuple[str, Attempt | None]:
    """Attempt ``attempt`` of round ``round_`` of delivery ``row`` (as loaded); its status
    after it (``skipped`` when it is gone or has moved past this attempt) and what the
    attempt got."""
    if row is None or row.round != round_ or row.round_attempts != attempt - 1:
        return "skipped", None
    if row.disabled:
        result = Attempt(ok=False, error="the endpoint is disabled", refused=True)
    else:
        secret = runtime.secret(row.tenant, row.endpoint_id)
        result = runtime.sender.send(row.url, row.body.encode(), secret, msg_id=row.event_id)
    metrics = notify_metrics()
    metrics.attempts.labels(_outcome(result)).inc()
    metrics.seconds.observe(result.seconds)
    with runtime.engine.begin() as conn:
        return _record(conn, runtime, row, attempt, result, runtime.clock()), result


def _postpone(runtime: NotifyRuntime, delivery_ids: list[str], round_: int, delay: float) -> None:
    """The first attempt of each of these, on its own, after ``delay`` seconds."""
    now = runtime.clock()
    with runtime.engine.begin() as conn:
        rows = _load(conn, delivery_ids)
        for delivery_id in delivery_ids:
            row = rows.get(delivery_id)
            if row is None or row.round != round_ or row.round_attempts != 0:
                continue
            conn.execute(
                sa.update(_DELIVERIES).where(_DELIVERIES.c.id == delivery_id)
                .values(next_attempt_at=now + timedelta(seconds=delay))
            )  # fmt: skip
            enqueue_attempt(conn, runtime.client, delivery_ids=[delivery_id],
                            endpoint_id=row.endpoint_id, round_=round_, attempt=1,
                            delay=delay)  # fmt: skip


def run_batch(runtime: NotifyRuntime, delivery_ids: list[str], round_: int, attempt: int) -> str:
    """Attempt each delivery in order; stop at an endpoint that does not answer (the rest
    are postponed). A summary: ``3 delivered, 1 retrying``."""
    counts: dict[str, int] = {}
    with runtime.engine.connect() as conn:
        rows = _load(conn, delivery_ids)
    for i, delivery_id in enumerate(delivery_ids):
        status, result = run_attempt(runtime, rows.get(delivery_id), round_, attempt)
        counts[status] = counts.get(status, 0) + 1
        unreachable = result is not None and not result.ok and result.status_code is None
        rest = delivery_ids[i + 1 :]
        if unreachable and rest and attempt == 1:
            _postpone(runtime, rest, round_, runtime.settings.retry_schedule[0]
                      if runtime.settings.retry_schedule else 0.0)  # fmt: skip
            counts["postponed"] = len(rest)
            break
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
