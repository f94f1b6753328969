"""Ordering and bookkeeping of one inbox item: the stale check and the final status.

Events about one object run one at a time (one queue partition per object), so reading
the object's high-water mark before the handlers and raising it afterwards cannot race.
An event older than the newest one admitted for its object is ``stale``: its handlers do
not run. Equal times (Stripe's are whole seconds) are admitted.

The statements are built once per dialect (building an upsert costs more than running it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from webhooks._inbox import INBOX, InboxItem, InboxStatus
from webhooks.jobs._tables import OBJECT_STATE, utcnow

__all__ = ["Loaded", "finish", "load"]

_MAX_ERROR = 2000
_STATE_KEY = ("connection_id", "object_type", "object_id")


@dataclass(frozen=True)
class Loaded:
    """An inbox item and its object's high-water mark (None: no event admitted yet)."""

    item: InboxItem
    mark: datetime | None

    @property
    def stale(self) -> bool:
        """Was a newer event about the same object already admitted?"""
        return self.mark is not None and self.item.occurred_at < self.mark


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@cache
def _select() -> sa.Select[Any]:
    joined = INBOX.outerjoin(
        OBJECT_STATE, sa.and_(*(OBJECT_STATE.c[k] == INBOX.c[k] for k in _STATE_KEY))
    )
    mark = OBJECT_STATE.c.occurred_at.label("mark_occurred_at")
    return sa.select(INBOX, mark).select_from(joined).where(INBOX.c.id == sa.bindparam("id"))


def load(engine: Engine, item_id: str) -> Loaded | None:
    """The item ``item_id`` with its object's mark, in one query (None: no such item)."""
    with engine.connect() as conn:
        row = conn.execute(_select(), {"id": item_id}).mappings().first()
    if row is None:
        return None
    mark = row["mark_occurred_at"]
    return Loaded(InboxItem.from_mapping(row), _utc(mark) if mark is not None else None)


@cache
def _upsert(dialect: str) -> Any:
    insert = (sqlite if dialect == "sqlite" else postgresql).insert(OBJECT_STATE)
    names = (*_STATE_KEY, "occurred_at", "item_id", "updated_at")
    return insert.values({n: sa.bindparam(n) for n in names}).on_conflict_do_update(
        index_elements=list(_STATE_KEY),
        set_={k: insert.excluded[k] for k in ("occurred_at", "item_id", "updated_at")},
        where=OBJECT_STATE.c.occurred_at < insert.excluded.occurred_at,
    )


_UNFINISHED = (InboxStatus.RECEIVED.value, InboxStatus.PROCESSING.value)


@cache
def _update() -> sa.Update:
    return (
        INBOX.update()
        .where(INBOX.c.id == sa.bindparam("item_id"), INBOX.c.status.in_(_UNFINISHED))
        .values(
            status=sa.bindparam("status"),
            last_error=sa.bindparam("last_error"),
            attempts=INBOX.c.attempts + sa.bindparam("attempts"),
            processed_at=sa.bindparam("processed_at"),
        )
    )


def finish(
    engine: Engine,
    item: InboxItem,
    status: InboxStatus,
    *,
    error: str | None = None,
    attempts: int = 0,
) -> bool:
    """Record the outcome of an unfinished item; an applied event (done or dead) raises its
    object's mark. False: the item was already finished (by another run), nothing changed."""
    now = utcnow()
    with engine.begin() as conn:
        updated = conn.execute(
            _update(),
            {
                "item_id": item.id,
                "status": status.value,
                "last_error": error[:_MAX_ERROR] if error else None,
                "attempts": attempts,
                "processed_at": now,
            },
        )
        if updated.rowcount != 1:
            return False
        if item.object_id is not None and status in (InboxStatus.DONE, InboxStatus.DEAD):
            mark = {k: getattr(item, k) for k in _STATE_KEY}
            mark |= {"occurred_at": item.occurred_at, "item_id": item.id, "updated_at": now}
            conn.execute(_upsert(conn.dialect.name), mark)
    return True
