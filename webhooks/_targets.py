"""Where a delivery goes: connection id -> tenant, adapter, scheme and signing secrets.

Connections come from the registry's ``ConnectionResolver`` (the one resolver the jobs use
too, with the same rules for disabled, re-auth and removed connections, and a cache that a
change outlives by at most about a second). This adds what the endpoint needs on top: the
signature scheme the adapter declares, the connection's validated config (a scheme may read
it) and the signing secrets the scheme names, kept per connection version.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from pydantic import BaseModel, SecretStr

from canonical import CanonryError, NotFoundInRegistry
from registry import ConnectionResolver, ResolvedConnection
from registry._resolver import AdapterNotInstalledError, ConnectionDisabledError
from webhooks._schemes import Scheme, scheme_for

__all__ = ["Target", "TargetResolver"]

_log = logging.getLogger("canonry.webhooks")
_MAX_TARGETS = 10_000


@dataclass(frozen=True)
class Target:
    """A connection that receives webhooks, with the secrets its deliveries must be signed by."""

    connection: ResolvedConnection
    scheme: Scheme
    config: BaseModel
    secrets: tuple[SecretStr, ...] = field(repr=False)

    @property
    def connection_id(self) -> str:
        return self.connection.id

    @property
    def tenant(self) -> str:
        return self.connection.tenant

    @property
    def adapter(self) -> str:
        return self.connection.adapter

    @property
    def loaded_at(self) -> float:
        return self.connection.loaded_at


class TargetResolver:
    """Connection id -> ``Target`` (None: unknown, disabled, not installed, no webhooks)."""

    def __init__(self, connections: ConnectionResolver) -> None:
        self.connections = connections
        self._targets: dict[tuple[str, str, float], Target | None] = {}
        self._lock = threading.Lock()

    def cached(self, connection_id: str) -> tuple[bool, Target | None]:
        """(hit, target) without touching the database or the credential store."""
        known, found = self.connections.peek(connection_id)
        if not known:
            return False, None
        if found is None or found.status == "disabled":
            return True, None
        key = (found.id, found.version, found.loaded_at)
        if key not in self._targets:
            return False, None
        return True, self._targets[key]

    def resolve(self, connection_id: str, *, fresh: bool = False) -> Target | None:
        """Look the connection up (blocking; re-read from the database when ``fresh``)."""
        try:
            found = self.connections.resolve(connection_id, fresh=fresh)
        except NotFoundInRegistry:
            return None
        except (ConnectionDisabledError, AdapterNotInstalledError) as exc:
            # a misconfigured credential store is not one of these: it propagates (503)
            _log.info("deliveries to connection %s refused: %s", connection_id, exc.message)
            return None
        key = (found.id, found.version, found.loaded_at)
        with self._lock:
            if key in self._targets:
                return self._targets[key]
        target = self._target(found)
        with self._lock:
            if len(self._targets) >= _MAX_TARGETS:
                self._targets.clear()
            self._targets[key] = target
        return target

    def age(self, target: Target) -> float:
        """Seconds since ``target``'s connection was read from the database."""
        return self.connections.age(target.connection)

    def _target(self, found: ResolvedConnection) -> Target | None:
        cls = found.adapter_cls
        try:
            scheme = scheme_for(cls, lambda: self.connections.adapter(found))
        except CanonryError as exc:  # its own hooks need an adapter its credentials cannot make
            _log.warning("connection %s cannot verify deliveries: %s", found.id, exc.message)
            return None
        if scheme is None:
            return None
        config = cls.config_model.model_validate(found.config)
        stored = found.secrets
        secrets = tuple(stored[k] for k in scheme.secret_keys if stored.get(k) is not None)
        return Target(found, scheme, config, secrets)
