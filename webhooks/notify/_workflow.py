"""The DBOS workflow of one attempt of deliveries to one endpoint (a batch of new ones, or
one retry): a delivery waiting out its backoff is a delayed queue entry, not a sleeping
worker slot."""

from __future__ import annotations

from typing import Any

from dbos import DBOS

from webhooks.notify._attempt import run_batch
from webhooks.notify._names import WORKFLOW_NAME
from webhooks.notify._runtime import current

__all__ = ["deliver"]


def _attempt(delivery_ids: list[str], round_: int, attempt: int) -> str:
    return run_batch(current(), delivery_ids, round_, attempt)


@DBOS.workflow(name=WORKFLOW_NAME)
def deliver(delivery_ids: list[str], round_: int, attempt: int) -> str:
    """Attempt ``attempt`` of round ``round_`` of these deliveries (to one endpoint);
    returns how many ended ``delivered``, ``retrying``, ``dead``, ``skipped``..."""
    options: Any = {"name": "attempt"}
    result: str = DBOS.run_step(options, _attempt, delivery_ids, round_, attempt)
    return result
