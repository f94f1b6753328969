"""Tables of the record store: the canonical replica, the tenants' change sequences, API keys.

``canonry_records`` holds one row per canonical object (tenant, model, Canonry id): its
canonical JSON as text (served as is), a content hash for change detection, the change
sequence number of its last real change, and a tombstone flag. Per-model filter columns
(email, status, currency, dates, event type) are copied out of the JSON when it is written so
that list filters use indexes. On PostgreSQL, row-level security on ``canonry_records`` and
``canonry_change_seq`` refuses every row of another tenant than the session's
(``canonry.tenant``); see ``registry._store_scope``.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from registry._tables import utcnow

__all__ = ["ApiKeyRow", "ChangeSeqRow", "RecordRow"]


class RecordRow(SQLModel, table=True):
    """One canonical object of one tenant, as last written (or its tombstone)."""

    __tablename__ = "canonry_records"
    __table_args__ = (
        sa.UniqueConstraint("tenant", "seq", name="uq_canonry_records_tenant_seq"),
        sa.Index("ix_canonry_records_listing", "tenant", "model", "seq"),
        sa.Index("ix_canonry_records_connection", "connection_id", "stream", "deleted"),
    )

    tenant: str = Field(primary_key=True, max_length=100)
    model: str = Field(primary_key=True, max_length=20)
    """``customer``, ``invoice`` or ``event`` (the canonical ``object`` value)."""
    id: str = Field(primary_key=True, max_length=36)
    connection_id: str = Field(
        max_length=36, sa_column_args=[sa.ForeignKey("connections.id", ondelete="CASCADE")]
    )
    stream: str = Field(max_length=100)
    remote_id: str = Field(max_length=255)
    seq: int = Field(sa_type=sa.BigInteger)
    content_hash: str = Field(max_length=64)
    data: str = Field(sa_type=sa.Text)
    """The canonical JSON, without ``remote_data``."""
    deleted: bool = False
    version_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    """The vendor time of the stored state (its ``updated_at``, else when it was observed);
    an older write never replaces it."""
    modified_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    """When Canonry stored the last real change (what ``modified_after`` filters on)."""
    snapshot: str | None = Field(default=None, max_length=64)
    """The last full listing (snapshot) of its stream that saw it (reconciliation)."""
    remote_data: str | None = Field(default=None, sa_type=sa.Text)
    remote_data_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    email: str | None = Field(default=None, max_length=320)
    status: str | None = Field(default=None, max_length=30)
    currency: str | None = Field(default=None, max_length=3)
    customer_id: str | None = Field(default=None, max_length=36)
    event_type: str | None = Field(default=None, max_length=60)
    issued_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    due_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    occurred_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class ChangeSeqRow(SQLModel, table=True):
    """A tenant's change sequence: every real change to its records takes the next value."""

    __tablename__ = "canonry_change_seq"

    tenant: str = Field(primary_key=True, max_length=100)
    last_seq: int = Field(default=0, sa_type=sa.BigInteger)


class ApiKeyRow(SQLModel, table=True):
    """An API key of the unified API: only a hash of its secret is stored."""

    __tablename__ = "canonry_api_keys"

    id: str = Field(primary_key=True, max_length=32)
    """The public key id (the part of the key between the prefix and the secret)."""
    tenant: str = Field(max_length=100, index=True)
    name: str = Field(max_length=200)
    secret_hash: str = Field(max_length=64)
    scopes: str = Field(max_length=500)
    """Space-separated scopes, e.g. ``records:read``."""
    rate_per_minute: int = 600
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    created_by: str = Field(max_length=200)
    revoked_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    last_used_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
