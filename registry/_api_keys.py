"""API keys of the unified API: created per tenant, shown once, stored as a hash.

A key reads ``cnry_<key id>_<secret>``. Only the id and the SHA-256 of the secret are
stored (the secret is 256 random bits, so a fast hash is the right one: nothing to
brute-force); verification compares in constant time. Every create and revoke is audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from canonical import NotFoundInRegistry, ValidationFailed
from registry._engine import database_errors
from registry._models import as_utc
from registry._queries import write_audit
from registry._store_tables import ApiKeyRow
from registry._tables import utcnow

__all__ = ["SCOPES", "ApiKey", "ApiKeys", "KeyIdentity", "authenticate", "parse_key"]

SCOPES = ("records:read",)
"""The scopes a key can hold."""
_PREFIX = "cnry"


@dataclass(frozen=True)
class ApiKey:
    """An API key as listed: never its secret."""

    id: str
    tenant: str
    name: str
    scopes: tuple[str, ...]
    rate_per_minute: int
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def from_row(cls, row: ApiKeyRow) -> ApiKey:
        return cls(
            id=row.id,
            tenant=row.tenant,
            name=row.name,
            scopes=tuple(row.scopes.split()),
            rate_per_minute=row.rate_per_minute,
            created_at=as_utc(row.created_at),
            created_by=row.created_by,
            revoked_at=as_utc(row.revoked_at) if row.revoked_at else None,
            last_used_at=as_utc(row.last_used_at) if row.last_used_at else None,
        )


@dataclass(frozen=True)
class KeyIdentity:
    """Who a verified key speaks for."""

    key_id: str
    tenant: str
    scopes: frozenset[str]
    rate_per_minute: int


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_key(presented: str) -> tuple[str, str] | None:
    """``(key id, secret)`` of a well-formed key, else None."""
    prefix, _, rest = presented.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != _PREFIX or not key_id or not secret or len(presented) > 200:
        return None
    return key_id, secret


def authenticate(engine: Engine, presented: str) -> KeyIdentity | None:
    """The identity of a valid, unrevoked key, else None (never says which part failed)."""
    parsed = parse_key(presented)
    if parsed is None:
        return None
    key_id, secret = parsed
    with engine.connect() as conn:
        table: sa.Table = ApiKeyRow.__table__  # type: ignore[attr-defined]
        row = conn.execute(sa.select(table).where(table.c.id == key_id)).first()
    expected = row.secret_hash if row is not None else _digest("")
    if not hmac.compare_digest(_digest(secret), expected) or row is None:
        return None
    if row.revoked_at is not None:
        return None
    return KeyIdentity(row.id, row.tenant, frozenset(row.scopes.split()), row.rate_per_minute)


class ApiKeys:
    """One tenant's API keys."""

    def __init__(self, engine: Engine, tenant: str, *, actor: str) -> None:
        self.engine, self.tenant, self.actor = engine, tenant, actor

    def create(
        self,
        name: str,
        *,
        scopes: tuple[str, ...] = SCOPES,
        rate_per_minute: int = 600,
    ) -> tuple[ApiKey, SecretStr]:
        """A new key and its full text, which is shown only now (store it)."""
        unknown = sorted(set(scopes) - set(SCOPES))
        if unknown or not scopes:
            raise ValidationFailed(
                f"unknown scope(s) {', '.join(unknown) or '(none given)'}",
                hint=f"use {', '.join(SCOPES)}",
            )
        if not name.strip() or len(name) > 200:
            raise ValidationFailed("an API key needs a name of 1-200 characters", hint="--name")
        if not 1 <= rate_per_minute <= 1_000_000:
            raise ValidationFailed("the rate limit must be 1-1000000 requests a minute", hint="")
        key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        row = ApiKeyRow(
            id=key_id,
            tenant=self.tenant,
            name=name.strip(),
            secret_hash=_digest(secret),
            scopes=" ".join(sorted(set(scopes))),
            rate_per_minute=rate_per_minute,
            created_by=self.actor,
        )
        with self._tx() as session:
            session.add(row)
            self._audit(session, "api_key.create", key_id, name=row.name, scopes=row.scopes)
        return ApiKey.from_row(row), SecretStr(f"{_PREFIX}_{key_id}_{secret}")

    def list_keys(self) -> list[ApiKey]:
        query = (
            select(ApiKeyRow)
            .where(col(ApiKeyRow.tenant) == self.tenant)
            .order_by(col(ApiKeyRow.created_at))
        )
        with database_errors(), Session(self.engine) as session:
            return [ApiKey.from_row(r) for r in session.exec(query).all()]

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key (takes effect on its next request); revoking twice is a no-op."""
        with self._tx() as session:
            row = session.get(ApiKeyRow, key_id)
            if row is None or row.tenant != self.tenant:
                raise NotFoundInRegistry(
                    f"no API key {key_id!r} in tenant {self.tenant!r}",
                    hint="list them with `canonry api-keys list`",
                )
            if row.revoked_at is None:
                row.revoked_at = utcnow()
                session.add(row)
                self._audit(session, "api_key.revoke", key_id, name=row.name)
        return ApiKey.from_row(row)

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with (
            database_errors(),
            Session(self.engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    def _audit(self, session: Session, action: str, target: str, **details: str) -> None:
        write_audit(
            session,
            actor=self.actor,
            tenant=self.tenant,
            action=action,
            target=target,
            details=dict(details),
        )
