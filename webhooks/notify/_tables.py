"""Tables of change notifications: endpoints, the events sent, and each delivery.

An endpoint's signing secret is never in these tables: it lives in the credential store
(encrypted, or in Vault) under ``notify-endpoint:<id>``; ``secret_ref`` only names it. An
event is built once and delivered to every endpoint that subscribes to its type; each
(event, endpoint) pair is one delivery with its attempts, status and last answer.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from registry._tables import utcnow

__all__ = ["DeliveryRow", "DeliveryStatus", "EndpointRow", "EventRow"]


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    """Waiting for its first attempt (or a replay)."""
    RETRYING = "retrying"
    """An attempt failed; the next one is scheduled (``next_attempt_at``)."""
    DELIVERED = "delivered"
    DEAD = "dead"
    """Every attempt failed: on the dead-letter list until replayed."""


def _time() -> sa.DateTime:
    return sa.DateTime(timezone=True)


class EndpointRow(SQLModel, table=True):
    """A tenant's URL that receives signed notifications."""

    __tablename__ = "canonry_notify_endpoints"

    id: str = Field(primary_key=True, max_length=36)
    tenant: str = Field(max_length=100, index=True)
    url: str = Field(max_length=2000)
    events: str = Field(max_length=500)
    """Space-separated event types the endpoint receives."""
    description: str | None = Field(default=None, max_length=500)
    secret_ref: str = Field(max_length=300)
    """Where the signing secret is (a credential reference: never the secret)."""
    disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=_time())
    created_by: str = Field(max_length=200)


class EventRow(SQLModel, table=True):
    """One notification (its JSON body is what every endpoint receives, signed)."""

    __tablename__ = "canonry_notify_events"
    __table_args__ = (sa.Index("ix_canonry_notify_events_tenant", "tenant", "created_at"),)

    id: str = Field(primary_key=True, max_length=40)
    """``msg_<hex>``: the ``webhook-id`` every attempt of every delivery carries."""
    tenant: str = Field(max_length=100)
    type: str = Field(max_length=60)
    body: str = Field(sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=_time())


class DeliveryRow(SQLModel, table=True):
    """One event to one endpoint: attempts with backoff, then delivered or dead."""

    __tablename__ = "canonry_notify_deliveries"
    __table_args__ = (
        sa.Index("ix_canonry_notify_deliveries_status", "tenant", "status"),
        sa.Index("ix_canonry_notify_deliveries_endpoint", "endpoint_id", "created_at"),
    )

    id: str = Field(primary_key=True, max_length=36)
    tenant: str = Field(max_length=100)
    endpoint_id: str = Field(
        max_length=36,
        sa_column_args=[sa.ForeignKey("canonry_notify_endpoints.id", ondelete="CASCADE")],
    )
    event_id: str = Field(
        max_length=40,
        sa_column_args=[sa.ForeignKey("canonry_notify_events.id", ondelete="CASCADE")],
    )
    status: str = Field(default=DeliveryStatus.PENDING.value, max_length=20)
    attempts: int = 0
    """Attempts made, every round included."""
    round: int = 0
    """0, then one more per replay (each round has its own backoff schedule)."""
    round_attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=_time())
    last_attempt_at: datetime | None = Field(default=None, sa_type=_time())
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    last_response: str | None = Field(default=None, max_length=1000)
    """The start of the endpoint's last answer (bounded), for diagnosis."""
    delivered_at: datetime | None = Field(default=None, sa_type=_time())
    created_at: datetime = Field(default_factory=utcnow, sa_type=_time())
