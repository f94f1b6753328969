"""The names notifications use in DBOS (one place)."""

from __future__ import annotations

__all__ = ["QUEUE_NAME", "WORKFLOW_NAME", "attempt_workflow_id"]

WORKFLOW_NAME = "canonry.notify.deliver"
"""One attempt of one delivery (``webhooks.notify._workflow``)."""
QUEUE_NAME = "canonry-notify"
"""Partitioned by endpoint: a slow or failing endpoint holds only its own slots."""


def attempt_workflow_id(delivery_id: str, round_: int, attempt: int) -> str:
    """Attempt ``attempt`` (from 1) of round ``round_`` (0, +1 per replay): enqueued once."""
    return f"{delivery_id}:{round_}:{attempt}"
