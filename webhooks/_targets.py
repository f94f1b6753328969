"""Find where a delivery goes: connection id -> tenant, adapter, scheme and signing secrets.

Connection ids are globally unique, so the lookup spans tenants. Results (also "no such
connection") are cached for ``ttl`` seconds so a burst of deliveries costs one lookup;
the endpoint re-reads a cached entry once when a signature fails, which picks up a
secret rotated a moment ago.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from adapters import Adapter
from canonical import CanonryError, NotFoundInRegistry
from vault import CredentialStore
from webhooks._schemes import Scheme, scheme_for

__all__ = ["Target", "TargetResolver"]

_log = logging.getLogger("canonry.webhooks")

_CONNECTIONS = sa.table(
    "connections",
    sa.column("id", sa.String),
    sa.column("tenant", sa.String),
    sa.column("adapter", sa.String),
    sa.column("status", sa.String),
    sa.column("config", sa.JSON),
)
"""The registry's connections table, read-only (only the columns routing needs)."""


@dataclass(frozen=True)
class Target:
    """A connection that receives webhooks, with the secrets its deliveries must be signed by."""

    connection_id: str
    tenant: str
    adapter: str
    scheme: Scheme
    secrets: tuple[SecretStr, ...] = field(repr=False)
    loaded_at: float = 0.0


class TargetResolver:
    """Connection id -> ``Target`` (None: unknown, disabled, or no webhooks), cached."""

    def __init__(
        self,
        engine: Engine,
        store: Callable[[], CredentialStore],
        adapters: Callable[[], Mapping[str, type[Adapter]]],
        *,
        ttl: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 10_000,
    ) -> None:
        self.engine = engine
        self._store = store
        self._adapters = adapters
        self.ttl = ttl
        self._clock = clock
        self._max = max_entries
        self._cache: dict[str, tuple[float, Target | None]] = {}
        self._lock = threading.Lock()

    def cached(self, connection_id: str) -> tuple[bool, Target | None]:
        """(hit, target) from the cache, without touching the database."""
        entry = self._cache.get(connection_id)
        if entry is None or entry[0] <= self._clock():
            return False, None
        return True, entry[1]

    def resolve(self, connection_id: str) -> Target | None:
        """Look the connection up now (blocking) and cache the answer."""
        target = self._load(connection_id)
        with self._lock:
            if len(self._cache) >= self._max:
                self._cache.clear()
            self._cache[connection_id] = (self._clock() + self.ttl, target)
        return target

    def age(self, target: Target) -> float:
        """Seconds since ``target`` was read from the database."""
        return self._clock() - target.loaded_at

    def invalidate(self, connection_id: str | None = None) -> None:
        with self._lock:
            if connection_id is None:
                self._cache.clear()
            else:
                self._cache.pop(connection_id, None)

    # loading ----------------------------------------------------------------------
    def _load(self, connection_id: str) -> Target | None:
        query = sa.select(_CONNECTIONS).where(_CONNECTIONS.c.id == connection_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None or row["status"] == "disabled":
            return None
        cls = self._adapters().get(row["adapter"])
        if cls is None:
            _log.warning(
                "connection %s uses adapter %r, which is not installed: deliveries refused",
                connection_id,
                row["adapter"],
            )
            return None
        payload = self._secrets(row["tenant"], connection_id)
        scheme = scheme_for(cls, lambda: _adapter(cls, row, payload))
        if scheme is None:
            return None
        secrets = tuple(payload[k] for k in scheme.secret_keys if payload.get(k) is not None)
        return Target(connection_id, row["tenant"], row["adapter"], scheme, secrets, self._clock())

    def _secrets(self, tenant: str, connection_id: str) -> dict[str, SecretStr]:
        try:
            return dict(self._store().get(tenant, connection_id))
        except NotFoundInRegistry:
            return {}  # no credential: every delivery fails verification with no_secret


def _adapter(cls: type[Adapter], row: sa.RowMapping, payload: dict[str, SecretStr]) -> Adapter:
    fields = set(cls.credentials_model.model_fields)
    credentials = {k: v for k, v in payload.items() if k in fields}
    try:
        return cls(row["config"] or {}, credentials, connection_id=row["id"])
    except CanonryError as exc:
        raise CanonryError(
            f"connection {row['id']} cannot build its {cls.key!r} adapter: {exc.message}",
            hint="fix the connection's config or credentials",
        ) from exc
