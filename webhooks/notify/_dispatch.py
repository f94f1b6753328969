"""From the outbox to deliveries: one transaction takes rows out of the outbox, stores the
events and one delivery per subscribed endpoint, and enqueues their first attempts.

Rows leave the outbox only if that transaction commits, and the attempts are enqueued in
it (``enqueue_in_transaction``), so a crash loses and duplicates nothing. Several
processes may dispatch at once: each takes disjoint rows (``claim_outbox``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from registry._outbox import claim_outbox
from registry._tables import ConnectionRow
from webhooks.notify._enqueue import enqueue_batches
from webhooks.notify._events import NewEvent, events_from_outbox
from webhooks.notify._tables import DeliveryRow, DeliveryStatus, EndpointRow, EventRow

__all__ = ["Target", "dispatch", "store_events"]

_ENDPOINTS: sa.Table = EndpointRow.__table__  # type: ignore[attr-defined]
_EVENTS: sa.Table = EventRow.__table__  # type: ignore[attr-defined]
_DELIVERIES: sa.Table = DeliveryRow.__table__  # type: ignore[attr-defined]
_CONNECTIONS: sa.Table = ConnectionRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Target:
    id: str
    events: frozenset[str]


def _names(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    query = sa.select(_CONNECTIONS.c.id, _CONNECTIONS.c.name).where(_CONNECTIONS.c.id.in_(wanted))
    return {str(r.id): str(r.name) for r in conn.execute(query)}


def _targets(conn: Connection, tenants: Iterable[str]) -> dict[str, list[Target]]:
    query = sa.select(_ENDPOINTS.c.id, _ENDPOINTS.c.tenant, _ENDPOINTS.c.events).where(
        _ENDPOINTS.c.tenant.in_(sorted(set(tenants))), _ENDPOINTS.c.disabled.is_(False)
    )
    found: dict[str, list[Target]] = {}
    for row in conn.execute(query):
        found.setdefault(row.tenant, []).append(Target(row.id, frozenset(row.events.split())))
    return found


def store_events(
    conn: Connection,
    client: Any,
    events: Sequence[tuple[NewEvent, Sequence[Target]]],
    now: datetime,
    *,
    enqueue: bool = True,
) -> list[str]:
    """Store each event and a delivery to each of its targets, and enqueue their first
    attempts in batches per endpoint (unless ``enqueue`` is false: the caller sends them
    itself); the delivery ids."""
    conn.execute(_EVENTS.insert(), [
        {"id": e.id, "tenant": e.tenant, "type": e.type, "body": e.body, "created_at": now}
        for e, _targets in events
    ])  # fmt: skip
    rows: list[dict[str, Any]] = [
        {"id": str(uuid.uuid4()), "tenant": event.tenant, "endpoint_id": t.id,
         "event_id": event.id, "status": DeliveryStatus.PENDING.value, "attempts": 0,
         "round": 0, "round_attempts": 0, "next_attempt_at": now, "created_at": now}
        for event, targets in events for t in targets
    ]  # fmt: skip
    conn.execute(_DELIVERIES.insert(), rows)
    if enqueue:
        by_endpoint: dict[str, list[str]] = {}
        for row in rows:
            by_endpoint.setdefault(row["endpoint_id"], []).append(row["id"])
        enqueue_batches(conn, client, by_endpoint, round_=0)
    return [str(row["id"]) for row in rows]


def dispatch(engine: Engine, client: Any, *, limit: int, now: datetime) -> int:
    """Turn up to ``limit`` outbox rows into deliveries; the number of rows taken."""
    with engine.begin() as conn:
        entries = claim_outbox(conn, limit)
        if not entries:
            return 0
        names = _names(conn, (e.connection_id for e in entries))
        targets = _targets(conn, (e.tenant for e in entries))
        chosen = [
            (event, [t for t in targets.get(event.tenant, []) if event.type in t.events])
            for event in events_from_outbox(entries, names, now)
        ]
        chosen = [(event, found) for event, found in chosen if found]
        if chosen:
            store_events(conn, client, chosen, now)
    return len(entries)
