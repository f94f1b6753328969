"""Deliveries of a tenant: list them (the dead-letter list is ``status="dead"``), replay
them, and send a test event to an endpoint now."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict

from canonical import NotFoundInRegistry, ValidationFailed
from registry._models import as_utc
from registry._tables import utcnow
from webhooks.notify._dispatch import Target, store_events
from webhooks.notify._endpoints import Endpoint, Endpoints
from webhooks.notify._enqueue import enqueue_batches
from webhooks.notify._events import TEST_EVENT, NewEvent, build_body, new_event_id
from webhooks.notify._sender import Attempt, Sender
from webhooks.notify._tables import DeliveryRow, DeliveryStatus, EndpointRow, EventRow

__all__ = ["Delivery", "list_deliveries", "replay_deliveries", "send_test"]

_DELIVERIES: sa.Table = DeliveryRow.__table__  # type: ignore[attr-defined]
_ENDPOINTS: sa.Table = EndpointRow.__table__  # type: ignore[attr-defined]
_EVENTS: sa.Table = EventRow.__table__  # type: ignore[attr-defined]
_STATUSES = tuple(s.value for s in DeliveryStatus)


class Delivery(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    endpoint_id: str
    url: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    round: int
    last_status_code: int | None
    last_error: str | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Delivery:
        def when(value: datetime | None) -> datetime | None:
            return as_utc(value) if value is not None else None

        return cls(
            id=row.id, endpoint_id=row.endpoint_id, url=row.url, event_id=row.event_id,
            event_type=row.type, status=row.status, attempts=row.attempts, round=row.round,
            last_status_code=row.last_status_code, last_error=row.last_error,
            last_attempt_at=when(row.last_attempt_at), next_attempt_at=when(row.next_attempt_at),
            delivered_at=when(row.delivered_at), created_at=as_utc(row.created_at),
        )  # fmt: skip


def _query(tenant: str) -> sa.Select[Any]:
    return (
        sa.select(_DELIVERIES, _ENDPOINTS.c.url, _EVENTS.c.type)
        .join(_ENDPOINTS, _ENDPOINTS.c.id == _DELIVERIES.c.endpoint_id)
        .join(_EVENTS, _EVENTS.c.id == _DELIVERIES.c.event_id)
        .where(_DELIVERIES.c.tenant == tenant)
    )


def list_deliveries(
    engine: sa.Engine, tenant: str, *, status: str | None = None,
    endpoint_id: str | None = None, limit: int = 50,
) -> list[Delivery]:  # fmt: skip
    """The tenant's deliveries, newest first; ``status="dead"`` is the dead-letter list."""
    if status is not None and status not in _STATUSES:
        raise ValidationFailed(f"unknown delivery status {status!r}",
                               hint=f"use one of {', '.join(_STATUSES)}")  # fmt: skip
    query = _query(tenant).order_by(_DELIVERIES.c.created_at.desc(), _DELIVERIES.c.id)
    if status is not None:
        query = query.where(_DELIVERIES.c.status == status)
    if endpoint_id is not None:
        query = query.where(_DELIVERIES.c.endpoint_id == endpoint_id)
    with engine.connect() as conn:
        return [Delivery.from_row(r) for r in conn.execute(query.limit(limit))]


def _find(conn: sa.Connection, tenant: str, delivery_id: str) -> Any:
    exact = conn.execute(_query(tenant).where(_DELIVERIES.c.id == delivery_id)).all()
    found = (
        exact
        or conn.execute(
            _query(tenant).where(_DELIVERIES.c.id.startswith(delivery_id)).limit(2)
        ).all()
    )
    if len(found) != 1 or (len(delivery_id) < 6 and not exact):
        raise NotFoundInRegistry(f"no single delivery {delivery_id!r} in tenant {tenant!r}",
                                 hint="see `canonry notify deliveries`")  # fmt: skip
    return found[0]


def replay_deliveries(
    engine: sa.Engine, client: Any, tenant: str, delivery_ids: Sequence[str],
    *, now: datetime | None = None,
) -> list[Delivery]:  # fmt: skip
    """Start a new round of attempts for each delivery now (a round in progress is
    superseded: its scheduled attempts find the delivery moved on and do nothing)."""
    replayed: dict[str, list[str]] = {}
    rounds: dict[str, int] = {}
    with engine.begin() as conn:
        for delivery_id in delivery_ids:
            row = _find(conn, tenant, delivery_id)
            conn.execute(
                sa.update(_DELIVERIES).where(_DELIVERIES.c.id == row.id).values(
                    round=row.round + 1, round_attempts=0, status=DeliveryStatus.PENDING.value,
                    next_attempt_at=now or utcnow())
            )  # fmt: skip
            rounds[row.id] = row.round + 1
            replayed.setdefault(row.endpoint_id, []).append(row.id)
        for endpoint_id, ids in replayed.items():
            for next_round in sorted({rounds[i] for i in ids}):
                same = [i for i in ids if rounds[i] == next_round]
                enqueue_batches(conn, client, {endpoint_id: same}, round_=next_round)
    wanted = set(rounds)
    return [d for d in list_deliveries(engine, tenant, limit=100_000) if d.id in wanted]


def send_test(
    endpoints: Endpoints, endpoint: Endpoint, sender: Sender, *, now: datetime | None = None
) -> Attempt:
    """Send a ``canonry.test`` event to ``endpoint`` now, from this process, and record it
    as a delivery (delivered, or dead: a test is not retried)."""
    when = now or utcnow()
    registry = endpoints.registry
    data = {"tenant": registry.tenant, "endpoint_id": endpoint.id, "message": "test"}
    body = build_body(TEST_EVENT, data, when)
    event = NewEvent(new_event_id(), registry.tenant, TEST_EVENT, body)
    result = sender.send(endpoint.url, event.body.encode(), endpoints.secret(endpoint.id),
                         msg_id=event.id)  # fmt: skip
    status = DeliveryStatus.DELIVERED if result.ok else DeliveryStatus.DEAD
    with registry.engine.begin() as conn:
        [delivery_id] = store_events(conn, None, [(event, [Target(endpoint.id, frozenset())])],
                                     when, enqueue=False)  # fmt: skip
        conn.execute(
            sa.update(_DELIVERIES).where(_DELIVERIES.c.id == delivery_id).values(
                status=status.value, attempts=1, round_attempts=1, last_attempt_at=when,
                last_status_code=result.status_code, last_error=(result.error or None),
                last_response=result.response, next_attempt_at=None,
                delivered_at=when if result.ok else None)
        )  # fmt: skip
    return result
