"""What the scheduled-sync workflows of this process use: engine, DBOS client, registries.

The DBOS runtime of the process (``canonry serve`` or ``canonry worker``, see
``webhooks.jobs``) installs it before DBOS launches; the workflows read it with
``current()``. One per process, like DBOS itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from canonical import ConfigurationError
from registry._registry import Registry

__all__ = ["ScheduleRuntime", "current", "install", "uninstall"]

_LOCK = threading.Lock()
_CURRENT: ScheduleRuntime | None = None


@dataclass
class ScheduleRuntime:
    engine: Engine
    client: Any
    """A ``dbos.DBOSClient`` on the same database (schedules, workflow statuses)."""
    registry_factory: Callable[[str], Registry]
    stopping: threading.Event
    """Set when the process stops: a running sync stops at its next checkpoint (and
    resumes from it on the next start or on another worker)."""
    _registries: dict[str, Registry] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def registry(self, tenant: str) -> Registry:
        """The tenant's Registry, made once per process."""
        with self._lock:
            found = self._registries.get(tenant)
            if found is None:
                found = self._registries[tenant] = self.registry_factory(tenant)
            return found

    def close(self) -> None:
        with self._lock:
            registries, self._registries = list(self._registries.values()), {}
        for registry in registries:
            registry.close()


def install(runtime: ScheduleRuntime) -> ScheduleRuntime:
    global _CURRENT
    with _LOCK:
        if _CURRENT is not None and _CURRENT is not runtime:
            _CURRENT.close()
        _CURRENT = runtime
    return runtime


def uninstall(runtime: ScheduleRuntime) -> None:
    global _CURRENT
    with _LOCK:
        if _CURRENT is runtime:
            _CURRENT = None
    runtime.close()


def current() -> ScheduleRuntime:
    runtime = _CURRENT
    if runtime is None:
        raise ConfigurationError(
            "scheduled syncs run outside a launched worker",
            hint="start `canonry worker` or `canonry serve` to run schedules",
        )
    return runtime
