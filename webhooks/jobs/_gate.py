"""Ordering and bookkeeping of one inbox item: the stale check and the final status.

Events about one object run one at a time (one queue partition per object), so reading
the object's high-water mark before the handlers and raising it afterwards cannot race.
An event older than the newest one admitted for its object is ``stale``: its handlers do
not run. Equal times (Stripe's are whole seconds) are admitted.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from webhooks._inbox import INBOX, InboxItem, InboxStatus, get_item
from webhooks.jobs._tables import OBJECT_STATE, utcnow

__all__ = ["finish", "is_stale", "load_item"]

_MAX_ERROR = 2000


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def load_item(engine: Engine, item_id: str) -> InboxItem | None:
    with engine.connect() as conn:
        return get_item(conn, item_id)


def _mark(conn: sa.Connection, item: InboxItem) -> datetime | None:
    row = conn.execute(
        sa.select(OBJECT_STATE.c.occurred_at).where(
            OBJECT_STATE.c.connection_id == item.connection_id,
            OBJECT_STATE.c.object_type == item.object_type,
            OBJECT_STATE.c.object_id == item.object_id,
        )
    ).first()
    return _utc(row[0]) if row is not None else None


def is_stale(engine: Engine, item: InboxItem) -> bool:
    """Was a newer event about the same object already admitted?"""
    if item.object_id is None:
        return False
    with engine.connect() as conn:
        mark = _mark(conn, item)
    return mark is not None and item.occurred_at < mark


def _raise_mark(conn: sa.Connection, item: InboxItem) -> None:
    values = {
        "connection_id": item.connection_id,
        "object_type": item.object_type,
        "object_id": item.object_id,
        "occurred_at": item.occurred_at,
        "item_id": item.id,
        "updated_at": utcnow(),
    }
    insert = (sqlite if conn.dialect.name == "sqlite" else postgresql).insert(OBJECT_STATE)
    statement = insert.values(values).on_conflict_do_update(
        index_elements=["connection_id", "object_type", "object_id"],
        set_={k: insert.excluded[k] for k in ("occurred_at", "item_id", "updated_at")},
        where=OBJECT_STATE.c.occurred_at < insert.excluded.occurred_at,
    )
    conn.execute(statement)


def finish(
    engine: Engine,
    item: InboxItem,
    status: InboxStatus,
    *,
    error: str | None = None,
    attempts: int = 0,
) -> None:
    """Record the outcome; an admitted event (done or dead) raises its object's mark."""
    with engine.begin() as conn:
        if item.object_id is not None and status in (InboxStatus.DONE, InboxStatus.DEAD):
            _raise_mark(conn, item)
        conn.execute(
            INBOX.update()
            .where(INBOX.c.id == item.id)
            .values(
                status=status.value,
                last_error=error[:_MAX_ERROR] if error else None,
                attempts=INBOX.c.attempts + attempts,
                processed_at=utcnow(),
            )
        )
