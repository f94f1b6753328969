"""The names scheduled syncs use in DBOS (one place)."""

from __future__ import annotations

__all__ = ["QUEUE_NAME", "SCHEDULE_PREFIX", "WORKFLOW_NAME", "dbos_schedule_name"]

WORKFLOW_NAME = "canonry.schedules.sync"
"""The DBOS workflow every tick runs (``registry.schedules._workflow``)."""
QUEUE_NAME = "canonry-schedules"
"""The DBOS queue ticks are enqueued on (its concurrency is a worker's sync slots)."""
SCHEDULE_PREFIX = "canonry-sync:"


def dbos_schedule_name(schedule_id: str) -> str:
    """The DBOS schedule of Canonry schedule ``schedule_id``."""
    return f"{SCHEDULE_PREFIX}{schedule_id}"
