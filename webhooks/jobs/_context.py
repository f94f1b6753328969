"""Per-connection resources a job needs, built once and reused for a short while.

The adapter (with the connection's decrypted credentials) and the compiled mapping of a
stream are expensive to build per event; a worker caches them for ``ttl`` seconds, so a
changed mapping or rotated credential is picked up within that time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adapters import Adapter
from canonical import CanonicalModel
from registry import Registry

__all__ = ["ConnectionContext", "RecordMapper", "RegistryFactory"]

RecordMapper = Callable[[dict[str, Any]], CanonicalModel]
RegistryFactory = Callable[[str], Registry]
"""Builds the Registry of a tenant (default: installed adapters, credentials from env)."""


@dataclass
class _Entry:
    value: Any
    expires: float


@dataclass
class ConnectionContext:
    """Registries per tenant; adapters and mappers per connection (cached ``ttl`` s)."""

    database_url: str
    ttl: float = 30.0
    factory: RegistryFactory | None = None
    _registries: dict[str, Registry] = field(default_factory=dict)
    _cache: dict[tuple[str, ...], _Entry] = field(default_factory=dict)
    _building: dict[tuple[str, ...], threading.Lock] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def registry(self, tenant: str) -> Registry:
        with self._lock:
            found = self._registries.get(tenant)
            if found is None:
                if self.factory is not None:
                    found = self.factory(tenant)
                else:
                    found = Registry(self.database_url, tenant=tenant)
                self._registries[tenant] = found
            return found

    def _cached(self, key: tuple[str, ...], build: Callable[[], Any]) -> Any:
        """The value under ``key``, built by one thread at a time: while one rebuilds an
        expired value the others keep using it; with no value yet, they wait for it."""
        with self._lock:
            entry = self._cache.get(key)
            building = self._building.setdefault(key, threading.Lock())
        if entry is not None and entry.expires > time.monotonic():
            return entry.value
        if entry is not None and not building.acquire(blocking=False):
            return entry.value  # another thread is rebuilding it
        if entry is None:
            building.acquire()
        try:
            with self._lock:
                current = self._cache.get(key)
            if current is not None and current is not entry:
                return current.value  # built while this thread waited
            value = build()
            with self._lock:
                self._cache[key] = _Entry(value, time.monotonic() + self.ttl)
            return value
        finally:
            building.release()

    def adapter(self, tenant: str, connection_id: str) -> Adapter:
        """The connection's adapter with its current config and credentials."""

        def build() -> Adapter:
            return self.registry(tenant).adapter_for(connection_id)

        adapter: Adapter = self._cached(("adapter", tenant, connection_id), build)
        return adapter

    def mapper(self, tenant: str, connection_id: str, stream: str) -> RecordMapper:
        """The connection's active mapping of ``stream``, compiled."""

        def build() -> RecordMapper:
            adapter = self.adapter(tenant, connection_id)
            return self.registry(tenant).mapper_for(adapter, stream)

        mapper: RecordMapper = self._cached(("mapper", tenant, connection_id, stream), build)
        return mapper

    def close(self) -> None:
        with self._lock:
            for entry in self._cache.values():
                if isinstance(entry.value, Adapter):
                    entry.value.close()
            self._cache.clear()
            for registry in self._registries.values():
                registry.close()
            self._registries.clear()
