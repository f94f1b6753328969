"""Enqueue attempts of deliveries in the caller's transaction (DBOS queue jobs)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from webhooks.jobs._settings import APP_NAME
from webhooks.notify._names import BATCH, QUEUE_NAME, WORKFLOW_NAME, attempt_workflow_id

__all__ = ["enqueue_attempt", "enqueue_batches"]


def enqueue_attempt(
    conn: sa.Connection,
    client: Any,
    *,
    delivery_ids: Sequence[str],
    endpoint_id: str,
    round_: int,
    attempt: int,
    delay: float = 0.0,
) -> None:
    """Attempt ``attempt`` of deliveries to ``endpoint_id`` after ``delay`` seconds;
    nothing is enqueued unless the caller's transaction commits, and never twice."""
    from dbos import EnqueueOptions

    options = EnqueueOptions(
        workflow_name=WORKFLOW_NAME,
        queue_name=QUEUE_NAME,
        workflow_id=attempt_workflow_id(delivery_ids, round_, attempt),
        queue_partition_key=endpoint_id,
        application_name=APP_NAME,
    )
    if delay > 0:
        options["delay_seconds"] = delay
    client.enqueue_in_transaction(conn, options, list(delivery_ids), round_, attempt)


def enqueue_batches(
    conn: sa.Connection, client: Any, by_endpoint: dict[str, list[str]], *, round_: int
) -> None:
    """The first attempt of new deliveries: one workflow per endpoint and ``BATCH``."""
    for endpoint_id, ids in by_endpoint.items():
        for start in range(0, len(ids), BATCH):
            enqueue_attempt(conn, client, delivery_ids=ids[start : start + BATCH],
                            endpoint_id=endpoint_id, round_=round_, attempt=1)  # fmt: skip
