"""The one call the DBOS runtime makes for scheduled syncs and notifications.

``webhooks.jobs.launch_dbos`` calls ``attach_runtime(runtime)`` after building the
runtime and before DBOS launches (so the workflows are registered when DBOS recovers the
unfinished ones). Every process gets the schedules' metrics on ``METRICS_REGISTRY``; a
processing one (``canonry worker``, ``canonry serve`` on SQLite) also runs ticks and sends
notifications. Settings: ``CANONRY_SYNC_SLOTS`` (scheduled syncs at once per process,
default 4) and ``CANONRY_NOTIFY_*`` (``NotifySettings``).
"""

from __future__ import annotations

import os
import threading
from typing import Any

from sqlalchemy.engine import Engine

from registry import Registry
from registry.schedules import (
    DEFAULT_SYNC_SLOTS,
    ScheduleCollector,
    prepare_schedules,
    uninstall,
)
from webhooks._metrics import METRICS_REGISTRY
from webhooks.notify._metrics import notify_metrics
from webhooks.notify._runtime import uninstall as uninstall_notify
from webhooks.notify._settings import NotifySettings
from webhooks.notify._setup import prepare_notifications

__all__ = ["attach_runtime"]

_TICK_POLL = 1.0
"""Seconds between looks at the ticks' queue: a tick starts within this of being fired (a
slower poll than the webhook queue's keeps SQLite's single writer for the endpoint)."""
_LOCK = threading.Lock()
_COLLECTOR: _CurrentSchedules | None = None


class _CurrentSchedules(ScheduleCollector):
    """The schedules' metrics from the current runtime's engine (registered once)."""

    def __init__(self) -> None:
        self.engine: Engine | None = None  # type: ignore[assignment]

    def collect(self) -> Any:
        if self.engine is None:
            return iter(())
        return super().collect()


def _collectors(engine: Engine | None) -> None:
    global _COLLECTOR
    with _LOCK:
        if _COLLECTOR is None:
            _COLLECTOR = _CurrentSchedules()
            METRICS_REGISTRY.register(_COLLECTOR)
        _COLLECTOR.engine = engine
    notify_metrics()


def _sync_slots() -> int:
    raw = os.environ.get("CANONRY_SYNC_SLOTS", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_SYNC_SLOTS


def attach_runtime(runtime: Any) -> None:
    """Scheduled syncs and notifications in the process of ``runtime``
    (a ``webhooks.jobs.JobRuntime``: its engine, stop event, threads and closers)."""
    from webhooks.jobs._enqueue import dbos_client

    engine: Engine = runtime.engine
    _collectors(engine)
    closers = runtime.caches.setdefault("closers", [])
    closers.append(lambda: _collectors(None))
    if not runtime.processing:
        return
    url = engine.url.render_as_string(hide_password=False)
    factory = runtime.registry_factory or (lambda tenant: Registry(url, tenant=tenant))
    client = dbos_client(engine)
    schedules = prepare_schedules(
        engine, client, registry_factory=factory, stopping=runtime.stopping,
        sync_slots=_sync_slots(), polling_interval=_TICK_POLL,
    )  # fmt: skip
    closers.append(lambda: uninstall(schedules))
    notify = prepare_notifications(
        engine, client, registry_for=schedules.registry, stopping=runtime.stopping,
        settings=NotifySettings.from_env(),
    )  # fmt: skip
    closers.append(lambda: uninstall_notify(notify))
