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
from webhooks.notify._enqueue import enqueue_attempt
from webhooks.notify._events import NewEvent, events_from_outbox
from webhooks.notify._tables import DeliveryRow, DeliveryStatus, EndpointRow, EventRow

__all__ = ["Target", "dispatch", "store_event"]

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


def store_event(
    conn: Connection,
    client: Any,
    event: NewEvent,
    targets: Sequence[Target],
    now: datetime,
    *,
    enqueue: bool = True,
) -> list[str]:
    """Store ``event`` and a delivery to each of ``targets``, enqueue their first attempts
    (unless ``enqueue`` is false: the caller sends it itself); the delivery ids."""
    conn.execute(_EVENTS.insert().values(id=event.id, tenant=event.tenant, type=event.type,
                                         body=event.body, created_at=now))  # fmt: skip
    rows: list[dict[str, Any]] = [
        {"id": str(uuid.uuid4()), "tenant": event.tenant, "endpoint_id": t.id,
         "event_id": event.id, "status": DeliveryStatus.PENDING.value, "attempts": 0,
         "round": 0, "round_attempts": 0, "next_attempt_at": now, "created_at": now}
        for t in targets
    ]  # fmt: skip
    conn.execute(_DELIVERIES.insert(), rows)
    for row in rows if enqueue else ():
        enqueue_attempt(conn, client, delivery_id=row["id"], endpoint_id=row["endpoint_id"],
                        round_=0, attempt=1)  # fmt: skip
    return [str(row["id"]) for row in rows]


def dispatch(engine: Engine, client: Any, *, limit: int, now: datetime) -> int:
    """Turn up to ``limit`` outbox rows into deliveries; the number of rows taken."""
    with engine.begin() as conn:
        entries = claim_outbox(conn, limit)
        if not entries:
            return 0
        names = _names(conn, (e.connection_id for e in entries))
        targets = _targets(conn, (e.tenant for e in entries))
        for event in events_from_outbox(entries, names, now):
            chosen = [t for t in targets.get(event.tenant, []) if event.type in t.events]
            if chosen:
                store_event(conn, client, event, chosen, now)
    return len(entries)
