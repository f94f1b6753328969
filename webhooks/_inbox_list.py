"""Listing the inbox: a tenant's newest items first, from the listing index
(tenant, received_at, id); ``list_summaries`` reads no body, for listings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from webhooks._inbox import INBOX, InboxItem, InboxStatus, as_utc, is_retrying

__all__ = ["InboxSummary", "list_items", "list_summaries"]


def _newest(
    columns: Sequence[Any],
    tenant: str,
    status: InboxStatus | str | None,
    limit: int,
    connection_id: str | None,
) -> sa.Select[Any]:
    """Newest first, in the order of the listing index (tenant, received_at, id)."""
    query = sa.select(*columns).where(INBOX.c.tenant == tenant)
    if status is not None:
        query = query.where(INBOX.c.status == InboxStatus(status).value)
    if connection_id is not None:
        query = query.where(INBOX.c.connection_id == connection_id)
    return query.order_by(INBOX.c.received_at.desc(), INBOX.c.id.desc()).limit(limit)


def list_items(
    conn: sa.Connection,
    tenant: str,
    status: InboxStatus | str | None = None,
    limit: int = 50,
    *,
    connection_id: str | None = None,
) -> list[InboxItem]:
    """The tenant's newest inbox items (bodies included), optionally only ``status``."""
    query = _newest([INBOX], tenant, status, limit, connection_id)
    return [InboxItem.from_mapping(r) for r in conn.execute(query).mappings()]


@dataclass(frozen=True)
class InboxSummary:
    """An inbox row for listings: everything but the body, headers and job progress."""

    id: str
    connection_id: str
    adapter: str
    vendor_event_id: str
    vendor_event_type: str
    object_type: str
    object_id: str | None
    occurred_at: datetime
    received_at: datetime
    status: InboxStatus
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None

    @property
    def retrying(self) -> bool:
        """Waiting for a scheduled retry (shown as ``retrying``)."""
        return is_retrying(self.status, self.next_attempt_at)


_SUMMARY = [INBOX.c[f.name] for f in fields(InboxSummary)]


def list_summaries(
    conn: sa.Connection,
    tenant: str,
    status: InboxStatus | str | None = None,
    limit: int = 50,
    *,
    connection_id: str | None = None,
) -> list[InboxSummary]:
    """``list_items`` without reading a body: what a listing shows, from the index."""
    query = _newest(_SUMMARY, tenant, status, limit, connection_id)
    found: list[InboxSummary] = []
    for row in conn.execute(query).mappings():
        values = dict(row)
        for name in ("occurred_at", "received_at", "next_attempt_at"):
            if values[name] is not None:
                values[name] = as_utc(values[name])
        values["status"] = InboxStatus(values["status"])
        found.append(InboxSummary(**values))
    return found
