"""The durable inbox: one row per vendor event, written before the delivery is acknowledged.

The endpoint inserts the items of a verified delivery and enqueues their processing in the
same transaction (``insert_items`` then ``webhooks.jobs.enqueue_items``); only after that
commits does the sender get its 2xx. ``(connection_id, vendor_event_id)`` is unique, so a
redelivery inserts nothing (``ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL) and is
acknowledged without being processed again. Each row's ``id`` is its DBOS workflow id.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, SQLModel

__all__ = [
    "INBOX",
    "INBOX_TABLE",
    "InboxItem",
    "InboxItemRef",
    "InboxRow",
    "InboxStatus",
    "NewInboxItem",
    "as_utc",
    "get_item",
    "get_item_any_tenant",
    "insert_items",
    "is_retrying",
]

INBOX_TABLE = "canonry_webhook_inbox"


class InboxStatus(StrEnum):
    RECEIVED = "received"
    PROCESSING = "processing"
    DONE = "done"
    STALE = "stale"
    """Older than what was already applied for the same object: not applied."""
    DEAD = "dead"
    """Every attempt failed: on the dead-letter list, replayable."""
    FAILED = "failed"
    """Could not be processed at all (unparseable item, unknown adapter)."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def is_retrying(status: InboxStatus, next_attempt_at: datetime | None) -> bool:
    """An item waits for a scheduled retry: stored, with a next attempt set."""
    return status is InboxStatus.RECEIVED and next_attempt_at is not None


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class InboxRow(SQLModel, table=True):
    """One vendor event as received (for HubSpot: one element of the delivered array)."""

    __tablename__ = INBOX_TABLE
    __table_args__ = (
        sa.UniqueConstraint(
            "connection_id", "vendor_event_id", name="uq_canonry_webhook_inbox_event"
        ),
        sa.Index("ix_canonry_webhook_inbox_tenant_status", "tenant", "status", "received_at"),
        sa.Index("ix_canonry_webhook_inbox_tenant_received", "tenant", "received_at", "id"),
        sa.Index(  # "is an older event about this object unfinished?" (unfinished rows only)
            "ix_canonry_webhook_inbox_unfinished_object",
            "connection_id",
            "object_type",
            "object_id",
            "occurred_at",
            sqlite_where=sa.text("status IN ('received', 'processing')"),
            postgresql_where=sa.text("status IN ('received', 'processing')"),
        ),
    )

    id: str = Field(primary_key=True, max_length=32)
    tenant: str = Field(max_length=100)
    connection_id: str = Field(
        max_length=36,
        sa_column_args=[sa.ForeignKey("connections.id", ondelete="CASCADE")],
    )
    adapter: str = Field(max_length=100)
    vendor_event_id: str = Field(max_length=255)
    vendor_event_type: str = Field(max_length=255)
    object_type: str = Field(max_length=100)
    object_id: str | None = Field(default=None, max_length=255)
    occurred_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    received_at: datetime = Field(default_factory=_utcnow, sa_type=sa.DateTime(timezone=True))
    headers: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    body: bytes = Field(sa_type=sa.LargeBinary)
    status: str = Field(default=InboxStatus.RECEIVED.value, max_length=20)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    processed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    run_round: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Which run of the item's job may record its outcome (bumped by each retry and replay)."""
    next_attempt_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    """When a retry is scheduled: the time it runs (None: not waiting for a retry)."""
    progress: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    """Handlers done and attempts so far, kept between the rounds of a retried job."""


INBOX: sa.Table = InboxRow.__table__  # type: ignore[attr-defined]
"""The inbox as a SQLAlchemy Core table (what the helpers below query)."""


@dataclass(frozen=True)
class NewInboxItem:
    """One vendor event of a verified delivery, ready to insert."""

    tenant: str
    connection_id: str
    adapter: str
    vendor_event_id: str
    vendor_event_type: str
    object_type: str
    object_id: str | None
    occurred_at: datetime
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    received_at: datetime = field(default_factory=_utcnow)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "tenant": self.tenant,
            "connection_id": self.connection_id,
            "adapter": self.adapter,
            "vendor_event_id": self.vendor_event_id,
            "vendor_event_type": self.vendor_event_type,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "occurred_at": as_utc(self.occurred_at),
            "received_at": as_utc(self.received_at),
            "headers": dict(self.headers),
            "body": self.body,
            "status": InboxStatus.RECEIVED.value,
            "attempts": 0,
            "run_round": 0,
        }

    def ref(self) -> InboxItemRef:
        return InboxItemRef(
            id=self.id,
            tenant=self.tenant,
            connection_id=self.connection_id,
            adapter=self.adapter,
            vendor_event_type=self.vendor_event_type,
            object_type=self.object_type,
            object_id=self.object_id,
            occurred_at=as_utc(self.occurred_at),
        )


@dataclass(frozen=True)
class InboxItemRef:
    """What the job queue needs to know about a new inbox item (no body, no headers)."""

    id: str
    tenant: str
    connection_id: str
    adapter: str
    vendor_event_type: str
    object_type: str
    object_id: str | None
    occurred_at: datetime

    @property
    def partition_key(self) -> str:
        """Events about the same object share a partition (processed in order, one at a time).

        An event that names no object gets a partition of its own.
        """
        return f"{self.connection_id}:{self.object_type}:{self.object_id or '#' + self.id}"


@dataclass(frozen=True)
class InboxItem:
    """A stored inbox row (read-only view)."""

    id: str
    tenant: str
    connection_id: str
    adapter: str
    vendor_event_id: str
    vendor_event_type: str
    object_type: str
    object_id: str | None
    occurred_at: datetime
    received_at: datetime
    headers: dict[str, Any]
    body: bytes
    status: InboxStatus
    attempts: int
    last_error: str | None
    processed_at: datetime | None
    run_round: int = 0
    next_attempt_at: datetime | None = None
    progress: dict[str, Any] | None = None

    @property
    def retrying(self) -> bool:
        """Waiting for a scheduled retry (shown as ``retrying``)."""
        return is_retrying(self.status, self.next_attempt_at)

    @classmethod
    def from_mapping(cls, row: sa.RowMapping) -> InboxItem:
        processed = row["processed_at"]
        return cls(
            id=row["id"],
            tenant=row["tenant"],
            connection_id=row["connection_id"],
            adapter=row["adapter"],
            vendor_event_id=row["vendor_event_id"],
            vendor_event_type=row["vendor_event_type"],
            object_type=row["object_type"],
            object_id=row["object_id"],
            occurred_at=as_utc(row["occurred_at"]),
            received_at=as_utc(row["received_at"]),
            headers=dict(row["headers"] or {}),
            body=bytes(row["body"]),
            status=InboxStatus(row["status"]),
            attempts=int(row["attempts"]),
            last_error=row["last_error"],
            processed_at=as_utc(processed) if processed is not None else None,
            run_round=int(row["run_round"] or 0),
            next_attempt_at=as_utc(due) if (due := row["next_attempt_at"]) is not None else None,
            progress=dict(row["progress"]) if row["progress"] else None,
        )


_INSERTS: dict[str, Any] = {}


def _insert(dialect: str) -> Any:
    """One statement per dialect, built once (SQLAlchemy caches its compiled form)."""
    statement = _INSERTS.get(dialect)
    if statement is None:
        if dialect == "sqlite":
            base: Any = sqlite.insert(INBOX)
        elif dialect == "postgresql":
            base = postgresql.insert(INBOX)
        else:
            raise NotImplementedError(f"the inbox supports SQLite and PostgreSQL, not {dialect}")
        keys = ["connection_id", "vendor_event_id"]
        statement = base.on_conflict_do_nothing(index_elements=keys).returning(INBOX.c.id)
        _INSERTS[dialect] = statement
    return statement


def insert_items(conn: sa.Connection, items: Sequence[NewInboxItem]) -> list[str]:
    """Insert ``items`` in the caller's transaction; return the ids of the rows that are new.

    An item whose ``(connection_id, vendor_event_id)`` is already stored (or repeated
    earlier in ``items``) is skipped.
    """
    seen: set[tuple[str, str]] = set()
    rows = []
    for item in items:
        key = (item.connection_id, item.vendor_event_id)
        if key not in seen:
            seen.add(key)
            rows.append(item.row())
    if not rows:
        return []
    result = conn.execute(_insert(conn.dialect.name), rows)  # executemany: "insertmanyvalues"
    return [str(value) for value in result.scalars()]


def get_item(conn: sa.Connection, item_id: str, *, tenant: str) -> InboxItem | None:
    """The inbox item ``item_id`` of ``tenant``, or None (also when another tenant's)."""
    query = sa.select(INBOX).where(INBOX.c.id == item_id, INBOX.c.tenant == tenant)
    row = conn.execute(query).mappings().first()
    return InboxItem.from_mapping(row) if row is not None else None


def get_item_any_tenant(conn: sa.Connection, item_id: str) -> InboxItem | None:
    """Unscoped administration: the inbox item ``item_id`` whichever tenant owns it."""
    row = conn.execute(sa.select(INBOX).where(INBOX.c.id == item_id)).mappings().first()
    return InboxItem.from_mapping(row) if row is not None else None
