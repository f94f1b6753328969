"""Enqueue processing jobs inside the caller's transaction (the inbox insert's)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from webhooks._inbox import InboxItemRef
from webhooks.jobs._settings import APP_NAME, QUEUE_NAME, RETRY_QUEUE_NAME, WORKFLOW_NAME

__all__ = ["dbos_client", "enqueue_items", "enqueue_workflow", "partition_for", "priority_of"]

_CLIENTS: dict[tuple[int, str], tuple[sa.Engine, Any]] = {}
"""(id(engine), schema) -> (engine, client); the client holds the engine, so ids stay valid."""
_LOCK = threading.Lock()


def dbos_client(engine: sa.Engine, schema: str | None = None) -> Any:
    """A DBOS client on ``engine`` (Canonry's database, which holds DBOS's tables), built
    once per engine and schema (building one costs more than an enqueue)."""
    from dbos import DBOSClient

    from webhooks.jobs._runtime import _CURRENT

    if schema is None:
        schema = _CURRENT.settings.dbos_schema if _CURRENT is not None else "dbos"
    with _LOCK:
        found = _CLIENTS.get((id(engine), schema))
        if found is not None and found[0] is engine:
            return found[1]
        client = DBOSClient(
            system_database_engine=engine,
            dbos_system_schema=schema,
            application_name=APP_NAME,
            lazy=True,
        )
        _CLIENTS[(id(engine), schema)] = (engine, client)
    return client


_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
_MAX_PRIORITY = 2**31 - 1


def priority_of(occurred_at: datetime) -> int:
    """Queue priority: seconds since 2020, so a partition runs in order of occurrence.

    DBOS dequeues by (priority, enqueue time); events about one object that arrive in
    one delivery, or out of order in a backlog, still run oldest first. Within one second
    their order is the enqueue order (then arbitrary): an event that runs after a newer one
    of the same second is marked stale by the gate, which compares exact times.
    """
    when = occurred_at if occurred_at.tzinfo else occurred_at.replace(tzinfo=UTC)
    return max(1, min(_MAX_PRIORITY, int((when - _EPOCH).total_seconds()) + 1))


def partition_for(item: InboxItemRef, queue: str) -> str:
    """The item's queue partition: its object on the main queue (one job per object at a
    time), its connection on the retry queue (a few slots per connection)."""
    return item.connection_id if queue == RETRY_QUEUE_NAME else item.partition_key


def enqueue_workflow(
    conn: sa.Connection,
    workflow_id: str,
    item: InboxItemRef,
    *,
    replay: bool = False,
    skip: Sequence[str] = (),
    run_round: int = 0,
    queue: str = QUEUE_NAME,
    delay: float = 0.0,
    schema: str | None = None,
) -> None:
    """Enqueue one ``process_item`` run of ``item`` in the caller's transaction (after
    ``delay`` seconds: a retry)."""
    from dbos import EnqueueOptions

    options = EnqueueOptions(
        workflow_name=WORKFLOW_NAME,
        queue_name=queue,
        workflow_id=workflow_id,
        queue_partition_key=partition_for(item, queue),
        application_name=APP_NAME,
        priority=priority_of(item.occurred_at),
    )
    if delay > 0:
        options["delay_seconds"] = delay
    client = dbos_client(conn.engine, schema)
    client.enqueue_in_transaction(conn, options, item.id, replay, list(skip), run_round, queue)


def enqueue_items(
    conn: sa.Connection, items: Sequence[InboxItemRef], *, schema: str | None = None
) -> None:
    """Enqueue one job per new inbox item in the caller's transaction.

    The workflow id is the item id, so an item is never enqueued twice; the queue
    partition is the item's object, so events about one object run one at a time, oldest
    first. Nothing is enqueued unless the caller's transaction commits.
    """
    for item in items:
        enqueue_workflow(conn, item.id, item, schema=schema)
