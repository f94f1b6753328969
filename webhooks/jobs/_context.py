"""Per-connection resources a job needs, built once per version of the connection.

The adapter (with the connection's decrypted credentials) and the compiled mapping of a
stream are expensive to build per event. They are kept as long as the connection does not
change: each lookup asks the registry's ``ConnectionResolver`` (which re-reads the
connection's version at most once a second) and builds anew when the version moved, so a
rotated credential, a disabled connection or an activated mapping applies to jobs within
about a second, exactly as it does at the endpoint.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adapters import Adapter
from canonical import CanonicalModel
from registry import Registry, ResolvedConnection

__all__ = ["ConnectionContext", "RecordMapper", "RegistryFactory"]

RecordMapper = Callable[[dict[str, Any]], CanonicalModel]
RegistryFactory = Callable[[str], Registry]
"""Builds the Registry of a tenant (default: installed adapters, credentials from env)."""

_Key = tuple[str, ...]
_RETIRE_AFTER = 60.0  # an adapter a newer version replaced is closed this much later


@dataclass
class ConnectionContext:
    """Registries per tenant; adapters and mappers per connection version."""

    database_url: str
    factory: RegistryFactory | None = None
    max_age: float = 30.0
    """Seconds secrets changed outside Canonry stay cached (the resolver's ``max_age``)."""
    _registries: dict[str, Registry] = field(default_factory=dict)
    _built: dict[_Key, Any] = field(default_factory=dict)
    _building: dict[_Key, threading.Lock] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _retired: list[tuple[float, Adapter]] = field(default_factory=list)

    def registry(self, tenant: str) -> Registry:
        with self._lock:
            found = self._registries.get(tenant)
            if found is None:
                if self.factory is not None:
                    found = self.factory(tenant)
                else:
                    found = Registry(self.database_url, tenant=tenant)
                found.resolver.max_age = self.max_age
                self._registries[tenant] = found
            return found

    def connection(self, tenant: str, connection_id: str) -> ResolvedConnection:
        """The connection now (cached by the resolver; raises if removed or disabled)."""
        return self.registry(tenant).resolver.resolve(connection_id, tenant=tenant)

    def peek(self, tenant: str, connection_id: str) -> ResolvedConnection | None:
        """The connection as last resolved, without any I/O (None: not known yet)."""
        with self._lock:
            registry = self._registries.get(tenant)
        return registry.resolver.peek(connection_id)[1] if registry is not None else None

    def _once(self, key: _Key, build: Callable[[], Any]) -> Any:
        """The value under ``key`` (connection id, version, ...), built by one thread; a
        new version of a connection replaces (and closes) what its older versions built."""
        with self._lock:
            if key in self._built:
                return self._built[key]
            building = self._building.setdefault(key, threading.Lock())
        with building:
            with self._lock:
                if key in self._built:
                    return self._built[key]
            value = build()
            now = time.monotonic()
            with self._lock:
                stale = [k for k in self._built if k[:2] == key[:2] and k[2] != key[2]]
                for old in (self._built.pop(k) for k in stale):
                    if isinstance(old, Adapter):  # a job may still use it: close it later
                        self._retired.append((now, old))
                self._built[key] = value
                self._building.pop(key, None)
                due = [a for t, a in self._retired if now - t > _RETIRE_AFTER]
                self._retired = [(t, a) for t, a in self._retired if now - t <= _RETIRE_AFTER]
        for adapter in due:
            adapter.close()
        return value

    def adapter(self, tenant: str, connection_id: str) -> Adapter:
        """The connection's adapter with its current config and credentials."""
        found = self.connection(tenant, connection_id)
        key = ("adapter", connection_id, f"{found.version}@{found.loaded_at}")
        adapter: Adapter = self._once(key, lambda: self.registry(tenant).adapter_for(connection_id))
        return adapter

    def mapper(self, tenant: str, connection_id: str, stream: str) -> RecordMapper:
        """The connection's active mapping of ``stream``, compiled."""
        found = self.connection(tenant, connection_id)
        key = (f"mapper:{stream}", connection_id, f"{found.version}@{found.loaded_at}")

        def build() -> RecordMapper:
            adapter = self.adapter(tenant, connection_id)
            return self.registry(tenant).mapper_for(adapter, stream)

        mapper: RecordMapper = self._once(key, build)
        return mapper

    def close(self) -> None:
        with self._lock:
            built, self._built = list(self._built.values()), {}
            built += [a for _, a in self._retired]
            self._retired = []
            registries, self._registries = list(self._registries.values()), {}
        for value in built:
            if isinstance(value, Adapter):
                value.close()
        for registry in registries:
            registry.close()
