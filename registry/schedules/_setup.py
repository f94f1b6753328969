"""Running schedules in a process: register the workflow and queue, install the runtime.

Called by the process's DBOS runtime (``webhooks.jobs``) before DBOS launches, so the
workflow is registered when DBOS recovers unfinished ticks at launch.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from registry._registry import Registry
from registry.schedules._names import QUEUE_NAME
from registry.schedules._runtime import ScheduleRuntime, install

__all__ = ["DEFAULT_SYNC_SLOTS", "prepare_schedules"]

DEFAULT_SYNC_SLOTS = 4
"""Scheduled syncs one process runs at once."""


def prepare_schedules(
    engine: Engine,
    client: Any,
    *,
    registry_factory: Callable[[str], Registry],
    stopping: threading.Event,
    sync_slots: int = DEFAULT_SYNC_SLOTS,
    polling_interval: float = 1.0,
) -> ScheduleRuntime:
    """Make this process run ticks: the workflow registered with DBOS (import), the
    queue declared in DBOS's tables (``sync_slots`` per process), the runtime installed."""
    importlib.import_module("registry.schedules._workflow")
    client.register_queue(
        QUEUE_NAME, worker_concurrency=sync_slots, polling_interval_sec=polling_interval
    )
    return install(ScheduleRuntime(engine, client, registry_factory, stopping))
