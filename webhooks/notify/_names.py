"""The names notifications use in DBOS (one place)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["BATCH", "QUEUE_NAME", "WORKFLOW_NAME", "attempt_workflow_id"]

WORKFLOW_NAME = "canonry.notify.deliver"
"""One attempt of a batch of deliveries to one endpoint (``webhooks.notify._workflow``)."""
QUEUE_NAME = "canonry-notify"
"""Partitioned by endpoint: a slow or failing endpoint holds only its own slots."""
BATCH = 50
"""New deliveries to one endpoint sent by one workflow, one after the other."""


def attempt_workflow_id(delivery_ids: Sequence[str], round_: int, attempt: int) -> str:
    """Attempt ``attempt`` (from 1) of round ``round_`` (0, +1 per replay) of these
    deliveries (one, or a batch named by its first): enqueued once."""
    batch = f":x{len(delivery_ids)}" if len(delivery_ids) > 1 else ""
    return f"{delivery_ids[0]}:{round_}:{attempt}{batch}"
