"""Sending notifications in a process: workflow, queue, runtime, outbox thread."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from registry import Registry
from webhooks.notify._metrics import notify_metrics
from webhooks.notify._names import QUEUE_NAME
from webhooks.notify._runtime import NotifyRuntime, install
from webhooks.notify._sender import Sender
from webhooks.notify._settings import NotifySettings

__all__ = ["prepare_notifications"]


def prepare_notifications(
    engine: Engine,
    client: Any,
    *,
    registry_for: Callable[[str], Registry],
    stopping: threading.Event,
    settings: NotifySettings | None = None,
    sender: Sender | None = None,
) -> NotifyRuntime:
    """Make this process send notifications: the workflow registered with DBOS (import),
    the queue declared (``concurrency`` per worker, ``endpoint_concurrency`` per endpoint),
    the runtime installed and its outbox thread started."""
    settings = settings or NotifySettings.from_env()
    importlib.import_module("webhooks.notify._workflow")
    client.register_queue(
        QUEUE_NAME,
        worker_concurrency=settings.concurrency,
        partition_concurrency=settings.endpoint_concurrency,
        polling_interval_sec=settings.poll_interval,
    )
    notify_metrics().gauge.engine = engine
    runtime = NotifyRuntime(
        engine=engine, client=client, settings=settings,
        sender=sender or Sender(settings), registry_for=registry_for, stopping=stopping,
    )  # fmt: skip
    install(runtime)
    runtime.start()
    return runtime
