"""Scheduled syncs on DBOS Transact's durable schedules.

``Schedules(registry, client)`` adds, lists, pauses, resumes, removes and runs schedules
of a tenant; ``canonry serve`` (embedded) or ``canonry worker`` processes fire them (DBOS's
scheduler, one workflow per tick: ``registry.schedules._workflow``); ``sync_history`` is
``canonry sync runs``. Names load on first use (PEP 562): importing the package does not
import DBOS.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from registry.schedules._book import Schedules
    from registry.schedules._history import sync_history
    from registry.schedules._metrics import ScheduleCollector
    from registry.schedules._names import (
        QUEUE_NAME,
        SCHEDULE_PREFIX,
        WORKFLOW_NAME,
        dbos_schedule_name,
    )
    from registry.schedules._runtime import ScheduleRuntime, current, install, uninstall
    from registry.schedules._setup import DEFAULT_SYNC_SLOTS, prepare_schedules
    from registry.schedules._tables import ScheduleRow, TickRow, TickStatus
    from registry.schedules._timing import cron_for_interval, parse_duration, valid_cron
    from registry.schedules._views import HistoryEntry, Schedule

__all__ = [
    "DEFAULT_SYNC_SLOTS",
    "QUEUE_NAME",
    "SCHEDULE_PREFIX",
    "WORKFLOW_NAME",
    "HistoryEntry",
    "Schedule",
    "ScheduleCollector",
    "ScheduleRow",
    "ScheduleRuntime",
    "Schedules",
    "TickRow",
    "TickStatus",
    "cron_for_interval",
    "current",
    "dbos_schedule_name",
    "install",
    "parse_duration",
    "prepare_schedules",
    "sync_history",
    "uninstall",
    "valid_cron",
]

_HOMES = {
    "Schedules": "_book",
    "sync_history": "_history",
    "ScheduleCollector": "_metrics",
    "QUEUE_NAME": "_names",
    "SCHEDULE_PREFIX": "_names",
    "WORKFLOW_NAME": "_names",
    "dbos_schedule_name": "_names",
    "ScheduleRuntime": "_runtime",
    "current": "_runtime",
    "install": "_runtime",
    "uninstall": "_runtime",
    "DEFAULT_SYNC_SLOTS": "_setup",
    "prepare_schedules": "_setup",
    "ScheduleRow": "_tables",
    "TickRow": "_tables",
    "TickStatus": "_tables",
    "cron_for_interval": "_timing",
    "parse_duration": "_timing",
    "valid_cron": "_timing",
    "HistoryEntry": "_views",
    "Schedule": "_views",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'registry.schedules' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"registry.schedules.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
