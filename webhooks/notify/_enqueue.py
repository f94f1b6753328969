"""Enqueue one delivery attempt in the caller's transaction (a DBOS queue job)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from webhooks.jobs._settings import APP_NAME
from webhooks.notify._names import QUEUE_NAME, WORKFLOW_NAME, attempt_workflow_id

__all__ = ["enqueue_attempt"]


def enqueue_attempt(
    conn: sa.Connection,
    client: Any,
    *,
    delivery_id: str,
    endpoint_id: str,
    round_: int,
    attempt: int,
    delay: float = 0.0,
) -> None:
    """Attempt ``attempt`` of ``delivery_id`` after ``delay`` seconds; nothing is enqueued
    unless the caller's transaction commits, and an attempt is never enqueued twice."""
    from dbos import EnqueueOptions

    options = EnqueueOptions(
        workflow_name=WORKFLOW_NAME,
        queue_name=QUEUE_NAME,
        workflow_id=attempt_workflow_id(delivery_id, round_, attempt),
        queue_partition_key=endpoint_id,
        application_name=APP_NAME,
    )
    if delay > 0:
        options["delay_seconds"] = delay
    client.enqueue_in_transaction(conn, options, delivery_id, round_, attempt)
