"""The DBOS workflow of one delivery attempt (one workflow per attempt, so a delivery
waiting out its backoff is a delayed queue entry, not a sleeping worker slot)."""

from __future__ import annotations

from typing import Any

from dbos import DBOS

from webhooks.notify._attempt import run_attempt
from webhooks.notify._names import WORKFLOW_NAME
from webhooks.notify._runtime import current

__all__ = ["deliver"]


def _attempt(delivery_id: str, round_: int, attempt: int) -> str:
    return run_attempt(current(), delivery_id, round_, attempt)


@DBOS.workflow(name=WORKFLOW_NAME)
def deliver(delivery_id: str, round_: int, attempt: int) -> str:
    """Attempt ``attempt`` of round ``round_`` of delivery ``delivery_id``; returns its
    status after the attempt (``delivered``, ``retrying``, ``dead``) or ``skipped``."""
    options: Any = {"name": "attempt"}
    result: str = DBOS.run_step(options, _attempt, delivery_id, round_, attempt)
    return result
