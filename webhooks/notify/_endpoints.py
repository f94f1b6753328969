"""A tenant's notification endpoints: add (with a new signing secret), list, remove.

The secret is made here (``whsec_`` + 24 random bytes, base64, as Standard Webhooks
senders make them), shown once by ``add``, and kept in the tenant's credential store
(encrypted locally, or in Vault) under ``notify-endpoint:<id>``; the endpoint row holds
only its reference. Adding or removing an endpoint updates, in the same transaction, which
outbox kinds the tenant subscribes to (``registry._outbox``).
"""

from __future__ import annotations

import base64
import contextlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, SecretStr

from canonical import NotFoundInRegistry, ValidationFailed
from registry import Registry
from registry._models import as_utc
from registry._outbox import EVENT_TYPES, set_subscriptions
from registry._tables import utcnow
from webhooks.notify._guard import Resolver, check_endpoint_url, system_resolver
from webhooks.notify._settings import NotifySettings
from webhooks.notify._tables import EndpointRow

__all__ = ["Endpoint", "Endpoints", "secret_key", "subscriptions"]

_ENDPOINTS: sa.Table = EndpointRow.__table__  # type: ignore[attr-defined]
_SECRET_FIELD = "signing_secret"  # noqa: S105 (the field name, not a secret)
_MIN_PREFIX = 6


class Endpoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    url: str
    events: tuple[str, ...]
    description: str | None
    disabled: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Endpoint:
        return cls(
            id=row.id, url=row.url, events=tuple(row.events.split()),
            description=row.description, disabled=bool(row.disabled),
            created_at=as_utc(row.created_at),
        )  # fmt: skip


def secret_key(endpoint_id: str) -> str:
    """Where the endpoint's secret is in the credential store (as its "connection")."""
    return f"notify-endpoint:{endpoint_id}"


def _new_secret() -> SecretStr:
    return SecretStr("whsec_" + base64.b64encode(secrets.token_bytes(24)).decode())


def _events(events: Sequence[str] | None) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(e.strip() for e in (events or EVENT_TYPES) if e.strip()))
    unknown = [e for e in chosen if e not in EVENT_TYPES]
    if unknown or not chosen:
        raise ValidationFailed(f"unknown event type(s): {', '.join(unknown) or 'none given'}",
                               hint=f"choose from {', '.join(EVENT_TYPES)}")  # fmt: skip
    return chosen


def subscriptions(conn: sa.Connection, tenant: str) -> None:
    """Subscribe ``tenant`` to the kinds its enabled endpoints receive."""
    rows = conn.execute(
        sa.select(_ENDPOINTS.c.events).where(
            _ENDPOINTS.c.tenant == tenant, _ENDPOINTS.c.disabled.is_(False)
        )
    ).scalars()
    set_subscriptions(conn, tenant, {kind for events in rows for kind in events.split()})


class Endpoints:
    """The endpoints of ``registry``'s tenant."""

    def __init__(
        self,
        registry: Registry,
        settings: NotifySettings | None = None,
        *,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.registry = registry
        self.settings = settings or NotifySettings.from_env()
        self.resolver = resolver

    @property
    def tenant(self) -> str:
        return self.registry.tenant

    def add(
        self, url: str, *, events: Sequence[str] | None = None, description: str | None = None
    ) -> tuple[Endpoint, SecretStr]:
        """Register ``url`` for ``events`` (default: all); returns it and its new secret."""
        chosen = _events(events)
        clean = check_endpoint_url(url, allow_http=self.settings.allow_http,
                                   allow_private=self.settings.allow_private,
                                   resolver=self.resolver)  # fmt: skip
        endpoint_id, secret = str(uuid.uuid4()), _new_secret()
        store = self.registry.credential_store
        ref = store.put(self.tenant, secret_key(endpoint_id), {_SECRET_FIELD: secret})
        row = {"id": endpoint_id, "tenant": self.tenant, "url": clean, "events": " ".join(chosen),
               "description": description, "secret_ref": str(ref), "disabled": False,
               "created_at": utcnow(), "created_by": self.registry.actor}  # fmt: skip
        try:
            with self.registry.engine.begin() as conn:
                conn.execute(_ENDPOINTS.insert().values(**row))
                subscriptions(conn, self.tenant)
        except BaseException:
            store.delete(self.tenant, secret_key(endpoint_id))
            raise
        self.registry.record_audit("notify.endpoint.add", endpoint_id, url=clean,
                                   events=list(chosen))  # fmt: skip
        return self.get(endpoint_id), secret

    def list(self) -> list[Endpoint]:
        query = (
            sa.select(_ENDPOINTS)
            .where(_ENDPOINTS.c.tenant == self.tenant)
            .order_by(_ENDPOINTS.c.created_at, _ENDPOINTS.c.id)
        )
        with self.registry.engine.connect() as conn:
            return [Endpoint.from_row(r) for r in conn.execute(query)]

    def get(self, endpoint_id: str) -> Endpoint:
        """By id, or by a unique prefix of at least six characters."""
        matches = [e for e in self.list() if e.id == endpoint_id]
        if not matches and len(endpoint_id) >= _MIN_PREFIX:
            matches = [e for e in self.list() if e.id.startswith(endpoint_id)]
        if len(matches) != 1:
            what = "no" if not matches else "more than one"
            raise NotFoundInRegistry(
                f"{what} notification endpoint {endpoint_id!r} in tenant {self.tenant!r}",
                hint="see `canonry notify list`",
            )
        return matches[0]

    def remove(self, endpoint_id: str) -> Endpoint:
        """Delete the endpoint, its deliveries and its secret."""
        endpoint = self.get(endpoint_id)
        with self.registry.engine.begin() as conn:
            conn.execute(_ENDPOINTS.delete().where(
                _ENDPOINTS.c.tenant == self.tenant, _ENDPOINTS.c.id == endpoint.id))  # fmt: skip
            subscriptions(conn, self.tenant)
        with contextlib.suppress(NotFoundInRegistry):
            self.registry.credential_store.delete(self.tenant, secret_key(endpoint.id))
        self.registry.record_audit("notify.endpoint.remove", endpoint.id, url=endpoint.url)
        return endpoint

    def secret(self, endpoint_id: str) -> SecretStr:
        """The endpoint's signing secret (for the sender; never print it)."""
        payload = self.registry.credential_store.get(self.tenant, secret_key(endpoint_id))
        return payload[_SECRET_FIELD]
