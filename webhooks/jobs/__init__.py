"""Durable processing of webhook inbox items on DBOS Transact.

Names load on first use (PEP 562): importing ``webhooks.jobs._tables`` (migrations) or
the package does not import DBOS until a job API is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from webhooks.jobs._admin import (
        dead_letters,
        find_item_id,
        purge,
        replay,
        replay_many,
        running_items,
        succeeded_handlers,
    )
    from webhooks.jobs._enqueue import dbos_client, enqueue_items, enqueue_workflow
    from webhooks.jobs._events import build_event, read_event
    from webhooks.jobs._heartbeat import take_over_dead_workers
    from webhooks.jobs._metrics import JobMetrics, job_metrics
    from webhooks.jobs._run import idempotency_key
    from webhooks.jobs._runtime import JobRuntime, current_runtime, launch_dbos, prepare_dbos
    from webhooks.jobs._settings import (
        APP_NAME,
        APP_VERSION,
        QUEUE_NAME,
        RETRY_QUEUE_NAME,
        WORKFLOW_NAME,
        JobSettings,
        dbos_database_url,
    )
    from webhooks.jobs._tables import ObjectStateRow, WorkerRow
    from webhooks.jobs._workflow import process_item

__all__ = [
    "APP_NAME",
    "APP_VERSION",
    "QUEUE_NAME",
    "RETRY_QUEUE_NAME",
    "WORKFLOW_NAME",
    "JobMetrics",
    "JobRuntime",
    "JobSettings",
    "ObjectStateRow",
    "WorkerRow",
    "build_event",
    "current_runtime",
    "dbos_client",
    "dbos_database_url",
    "dead_letters",
    "enqueue_items",
    "enqueue_workflow",
    "find_item_id",
    "idempotency_key",
    "job_metrics",
    "launch_dbos",
    "prepare_dbos",
    "process_item",
    "purge",
    "read_event",
    "replay",
    "replay_many",
    "running_items",
    "succeeded_handlers",
    "take_over_dead_workers",
]

_HOMES = {
    "dead_letters": "_admin",
    "find_item_id": "_admin",
    "replay_many": "_admin",
    "purge": "_admin",
    "replay": "_admin",
    "running_items": "_admin",
    "succeeded_handlers": "_admin",
    "dbos_client": "_enqueue",
    "enqueue_items": "_enqueue",
    "enqueue_workflow": "_enqueue",
    "build_event": "_events",
    "read_event": "_events",
    "take_over_dead_workers": "_heartbeat",
    "JobMetrics": "_metrics",
    "job_metrics": "_metrics",
    "JobRuntime": "_runtime",
    "current_runtime": "_runtime",
    "launch_dbos": "_runtime",
    "prepare_dbos": "_startup",
    "APP_NAME": "_settings",
    "APP_VERSION": "_settings",
    "QUEUE_NAME": "_settings",
    "RETRY_QUEUE_NAME": "_settings",
    "WORKFLOW_NAME": "_settings",
    "JobSettings": "_settings",
    "dbos_database_url": "_settings",
    "ObjectStateRow": "_tables",
    "WorkerRow": "_tables",
    "idempotency_key": "_run",
    "process_item": "_workflow",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'webhooks.jobs' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"webhooks.jobs.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
