"""What the notification side of a process uses: engine, DBOS client, sender, secrets;
and the thread that moves the outbox into deliveries.

Installed by the process's DBOS runtime (``attach_runtime``) before DBOS launches; one per
process, like DBOS itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr
from sqlalchemy.engine import Engine

from canonical import ConfigurationError
from registry import Registry
from webhooks.notify._dispatch import dispatch
from webhooks.notify._endpoints import Endpoints
from webhooks.notify._sender import Sender
from webhooks.notify._settings import NotifySettings

__all__ = ["NotifyRuntime", "current", "install", "uninstall"]

_log = logging.getLogger("canonry.webhooks.notify")
_LOCK = threading.Lock()
_CURRENT: NotifyRuntime | None = None
_SECRET_SECONDS = 30.0


@dataclass
class NotifyRuntime:
    engine: Engine
    client: Any
    settings: NotifySettings
    sender: Sender
    registry_for: Callable[[str], Registry]
    stopping: threading.Event
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    _secrets: dict[tuple[str, str], tuple[float, SecretStr]] = field(default_factory=dict)
    _thread: threading.Thread | None = None

    def secret(self, tenant: str, endpoint_id: str) -> SecretStr:
        """The endpoint's signing secret, cached for 30 s."""
        key, now = (tenant, endpoint_id), time.monotonic()
        found = self._secrets.get(key)
        if found is None or now - found[0] > _SECRET_SECONDS:
            value = Endpoints(self.registry_for(tenant), self.settings).secret(endpoint_id)
            found = self._secrets[key] = (now, value)
        return found[1]

    def dispatch_once(self) -> int:
        return dispatch(self.engine, self.client, limit=self.settings.batch, now=self.clock())

    def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                taken = self.dispatch_once()
            except Exception:  # the database is away: log, wait, try again
                _log.warning("notifications: the outbox could not be read", exc_info=True)
                taken = 0
            if taken < self.settings.batch:
                self.stopping.wait(self.settings.poll_interval)

    def start(self) -> threading.Thread:
        """Move outbox rows into deliveries every ``poll_interval`` until ``stopping``."""
        self._thread = threading.Thread(target=self._loop, name="canonry-notify", daemon=True)
        self._thread.start()
        return self._thread

    def close(self) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.sender.close()


def install(runtime: NotifyRuntime) -> NotifyRuntime:
    global _CURRENT
    with _LOCK:
        _CURRENT = runtime
    return runtime


def uninstall(runtime: NotifyRuntime) -> None:
    global _CURRENT
    with _LOCK:
        if _CURRENT is runtime:
            _CURRENT = None
    runtime.close()


def current() -> NotifyRuntime:
    runtime = _CURRENT
    if runtime is None:
        raise ConfigurationError(
            "notifications are sent outside a launched worker",
            hint="start `canonry worker` or `canonry serve` to send notifications",
        )
    return runtime
