"""The job's reads and writes of its inbox item: load, record the outcome, schedule a retry.

``load`` reads the item, its object's high-water mark and whether an older event about the
same object is still unfinished, in one query. ``record_outcome`` is the one place a job's
final status is written (and where the object's mark rises, and where the event and its
object reach the record store: ``registry._event_store``). ``schedule_run`` writes a
retry (or a deferral) and enqueues the run that carries it on, in one transaction.

Each run of a job carries the item's ``run_round``; a write succeeds only while the row
still has that round and is unfinished, so when two runs of one job race (a run recovered
while the first still goes, or a retry already handed on), the first to write wins and the
others change nothing.

The statements are built once per dialect (building an upsert costs more than running it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from registry._event_store import ReplicaWrite, store_event
from webhooks._inbox import INBOX, InboxItem, InboxItemRef, InboxStatus
from webhooks.jobs._enqueue import enqueue_workflow
from webhooks.jobs._progress import Progress
from webhooks.jobs._tables import OBJECT_STATE, utcnow

__all__ = ["Loaded", "Outcome", "Retry", "as_ref", "load", "record_outcome", "schedule_run"]

_MAX_ERROR = 2000
_STATE_KEY = ("connection_id", "object_type", "object_id")
_UNFINISHED = (InboxStatus.RECEIVED.value, InboxStatus.PROCESSING.value)


@dataclass(frozen=True)
class Loaded:
    """An inbox item, its object's high-water mark, and an older unfinished event about the
    same object (``blocker``: its id, and when its scheduled retry runs, if it waits)."""

    item: InboxItem
    mark: datetime | None
    blocker: str | None = None
    blocker_due: datetime | None = None

    @property
    def stale(self) -> bool:
        """Was a newer event about the same object already admitted?"""
        return self.mark is not None and self.item.occurred_at < self.mark


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@cache
def _select() -> sa.Select[Any]:
    joined = INBOX.outerjoin(
        OBJECT_STATE, sa.and_(*(OBJECT_STATE.c[k] == INBOX.c[k] for k in _STATE_KEY))
    )
    older = INBOX.alias("older")
    before = sa.or_(
        older.c.occurred_at < INBOX.c.occurred_at,
        sa.and_(
            older.c.occurred_at == INBOX.c.occurred_at,
            sa.or_(
                older.c.received_at < INBOX.c.received_at,
                sa.and_(older.c.received_at == INBOX.c.received_at, older.c.id < INBOX.c.id),
            ),
        ),
    )
    # written as the partial index's own condition, so the planner can use that index
    unfinished = sa.text("older.status IN ('received', 'processing')")
    waiting = sa.and_(
        *(older.c[k] == INBOX.c[k] for k in _STATE_KEY),
        older.c.occurred_at <= INBOX.c.occurred_at,  # a range the index serves
        before,
        unfinished,
    )
    blocker = sa.select(older.c.id).where(waiting).limit(1).scalar_subquery()
    due = sa.select(sa.func.max(older.c.next_attempt_at)).where(waiting).scalar_subquery()
    return (
        sa.select(
            INBOX,
            OBJECT_STATE.c.occurred_at.label("mark_occurred_at"),
            blocker.label("blocker_id"),
            due.label("blocker_due"),
        )
        .select_from(joined)
        .where(INBOX.c.id == sa.bindparam("id"))
    )


def load(engine: Engine, item_id: str) -> Loaded | None:
    """The item ``item_id`` with its object's mark and blocker, in one query (None: gone)."""
    with engine.connect() as conn:
        row = conn.execute(_select(), {"id": item_id}).mappings().first()
    if row is None:
        return None
    return Loaded(
        InboxItem.from_mapping(row),
        _utc(row["mark_occurred_at"]),
        row["blocker_id"],
        _utc(row["blocker_due"]),
    )


def as_ref(item: InboxItem) -> InboxItemRef:
    return InboxItemRef(
        id=item.id,
        tenant=item.tenant,
        connection_id=item.connection_id,
        adapter=item.adapter,
        vendor_event_type=item.vendor_event_type,
        object_type=item.object_type,
        object_id=item.object_id,
        occurred_at=item.occurred_at,
    )


@cache
def _upsert(dialect: str) -> Any:
    insert = (sqlite if dialect == "sqlite" else postgresql).insert(OBJECT_STATE)
    names = (*_STATE_KEY, "occurred_at", "item_id", "updated_at")
    return insert.values({n: sa.bindparam(n) for n in names}).on_conflict_do_update(
        index_elements=list(_STATE_KEY),
        set_={k: insert.excluded[k] for k in ("occurred_at", "item_id", "updated_at")},
        where=OBJECT_STATE.c.occurred_at < insert.excluded.occurred_at,
    )


@cache
def _update(*columns: str) -> sa.Update:
    values: dict[str, Any] = {c: sa.bindparam(f"v_{c}") for c in columns}
    values["attempts"] = INBOX.c.attempts + sa.bindparam("v_attempts")
    return (
        INBOX.update()
        .where(
            INBOX.c.id == sa.bindparam("item_id"),
            INBOX.c.run_round == sa.bindparam("round"),
            INBOX.c.status.in_(_UNFINISHED),
        )
        .values(values)
    )


@dataclass(frozen=True)
class Outcome:
    """A job's final status, its error (dead, failed) and the attempts its last round made;
    ``replica``: the event (and its object) for the record store, once it was read."""

    status: InboxStatus
    error: str | None = None
    attempts: int = 0
    progress: Progress | None = None
    replica: ReplicaWrite | None = None


def record_outcome(engine: Engine, item: InboxItem, run_round: int, outcome: Outcome) -> bool:
    """Write the final status of an unfinished item, in one transaction; an applied event
    (done or dead) raises its object's mark (never lowers it). False: another run of the
    job finished it or handed it on first, and nothing changed. The event and its object
    reach the record store in the same transaction (done, dead and stale items)."""
    now = utcnow()
    progress = outcome.progress.to_json() if outcome.progress is not None else None
    params = {
        "item_id": item.id,
        "round": run_round,
        "v_status": outcome.status.value,
        "v_last_error": outcome.error[:_MAX_ERROR] if outcome.error else None,
        "v_attempts": outcome.attempts,
        "v_processed_at": now,
        "v_next_attempt_at": None,
        "v_progress": progress,
    }
    columns = ("status", "last_error", "processed_at", "next_attempt_at", "progress")
    with engine.begin() as conn:
        if conn.execute(_update(*columns), params).rowcount != 1:
            return False
        applied = outcome.status in (InboxStatus.DONE, InboxStatus.DEAD)
        if item.object_id is not None and applied:
            mark = {k: getattr(item, k) for k in _STATE_KEY}
            mark |= {"occurred_at": item.occurred_at, "item_id": item.id, "updated_at": now}
            conn.execute(_upsert(conn.dialect.name), mark)
        if outcome.replica is not None and outcome.status is not InboxStatus.FAILED:
            store_event(conn, outcome.replica, tenant=item.tenant, now=now)
    return True


@dataclass(frozen=True)
class Retry:
    """Carry the job on in a new run after ``delay`` seconds, on ``queue``."""

    delay: float
    queue: str
    error: str | None = None
    attempts: int = 0
    progress: Progress | None = None


def schedule_run(
    engine: Engine,
    item: InboxItem,
    run_round: int,
    retry: Retry,
    *,
    replay: bool = False,
    schema: str | None = None,
) -> bool:
    """Hand the unfinished item on to run ``run_round + 1`` (workflow ``{id}:r{round}``),
    recording its attempts, error and progress, in one transaction with the enqueue.
    False: another run of the job got there first; nothing changed."""
    after = run_round + 1
    due = utcnow() + timedelta(seconds=retry.delay)
    params = {
        "item_id": item.id,
        "round": run_round,
        "v_run_round": after,
        "v_last_error": retry.error[:_MAX_ERROR] if retry.error else item.last_error,
        "v_attempts": retry.attempts,
        "v_next_attempt_at": due,
        "v_progress": (retry.progress or Progress.from_json(item.progress)).to_json(),
    }
    columns = ("run_round", "last_error", "next_attempt_at", "progress")
    delay = retry.delay if retry.delay >= 1.0 else 0.0  # DBOS starts delayed runs each second
    with engine.begin() as conn:
        if conn.execute(_update(*columns), params).rowcount != 1:
            return False
        enqueue_workflow(
            conn,
            f"{item.id}:r{after}",
            as_ref(item),
            replay=replay,
            run_round=after,
            queue=retry.queue,
            delay=delay,
            schema=schema,
        )
    return True
