"""The transactional outbox: what changed, written in the writer's own transaction.

The record store (one row per written page of one model), a failed sync and a connection
that needs re-authorisation each add one row here, in the same transaction as the change
itself, so a change is announced exactly when it commits. The notification side
(``webhooks.notify``) takes the rows out (``claim_outbox``) and turns them into signed
deliveries. Rows are written only for the kinds a tenant subscribes to
(``canonry_outbox_subscriptions``, kept by the notification side): a tenant without
endpoints costs one ``INSERT ... SELECT ... WHERE EXISTS`` that inserts nothing, and nothing
piles up where no one reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

from registry._tables import utcnow

__all__ = [
    "EVENT_TYPES",
    "NEEDS_REAUTH",
    "RECORDS_CHANGED",
    "SYNC_FAILED",
    "OutboxEntry",
    "OutboxRow",
    "OutboxSubscriptionRow",
    "add_event",
    "claim_outbox",
    "note_changes",
    "set_subscriptions",
]

RECORDS_CHANGED = "records.changed"
SYNC_FAILED = "sync.failed"
NEEDS_REAUTH = "connection.needs_reauth"
EVENT_TYPES = (RECORDS_CHANGED, SYNC_FAILED, NEEDS_REAUTH)


class OutboxRow(SQLModel, table=True):
    """One change to announce: a written page (``records.changed``) or an event."""

    __tablename__ = "canonry_outbox"

    id: int | None = Field(
        default=None,
        sa_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
    )
    tenant: str = Field(max_length=100)
    kind: str = Field(max_length=40)
    connection_id: str = Field(max_length=36)
    model: str | None = Field(default=None, max_length=20)
    changed: int = 0
    deleted: int = 0
    seq_before: int | None = Field(default=None, sa_type=sa.BigInteger)
    """The tenant's change sequence before the first change (a cursor reads from it)."""
    last_seq: int | None = Field(default=None, sa_type=sa.BigInteger)
    data: str | None = Field(default=None, sa_type=sa.Text)
    """Details of an event (JSON): the stream, run and error of a failed sync..."""
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class OutboxSubscriptionRow(SQLModel, table=True):
    """A tenant listens to one kind of change (it has an endpoint for it)."""

    __tablename__ = "canonry_outbox_subscriptions"

    tenant: str = Field(primary_key=True, max_length=100)
    kind: str = Field(primary_key=True, max_length=40)


_OUTBOX: sa.Table = OutboxRow.__table__  # type: ignore[attr-defined]
_SUBS: sa.Table = OutboxSubscriptionRow.__table__  # type: ignore[attr-defined]
_COLUMNS = ("tenant", "kind", "connection_id", "model", "changed", "deleted", "seq_before",
            "last_seq", "data", "created_at")  # fmt: skip


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    tenant: str
    kind: str
    connection_id: str
    model: str | None
    changed: int
    deleted: int
    seq_before: int | None
    last_seq: int | None
    data: dict[str, Any]
    created_at: datetime


def _insert(conn: Connection, values: dict[str, Any]) -> None:
    """Insert the row only when the tenant subscribes to its kind (one statement)."""
    literals = [sa.literal(values[name], _OUTBOX.c[name].type) for name in _COLUMNS]
    listening = sa.exists().where(
        _SUBS.c.tenant == values["tenant"], _SUBS.c.kind == values["kind"]
    )
    rows = sa.select(*literals).where(listening)
    conn.execute(_OUTBOX.insert().from_select(list(_COLUMNS), rows))


def note_changes(
    conn: Connection,
    *,
    tenant: str,
    connection_id: str,
    model: str,
    changed: int,
    deleted: int,
    seq_before: int,
    last_seq: int,
    now: datetime,
) -> None:
    """Announce ``changed`` records of ``model`` (``deleted`` of them tombstones) written
    with sequence numbers after ``seq_before``, up to ``last_seq``, in the caller's
    transaction."""
    _insert(conn, {
        "tenant": tenant, "kind": RECORDS_CHANGED, "connection_id": connection_id,
        "model": model, "changed": changed, "deleted": deleted, "seq_before": seq_before,
        "last_seq": last_seq, "data": None, "created_at": now,
    })  # fmt: skip


def add_event(
    conn: Connection,
    *,
    tenant: str,
    kind: str,
    connection_id: str,
    data: dict[str, Any],
    now: datetime | None = None,
) -> None:
    """Announce a ``sync.failed`` or ``connection.needs_reauth`` in the caller's transaction."""
    _insert(conn, {
        "tenant": tenant, "kind": kind, "connection_id": connection_id, "model": None,
        "changed": 0, "deleted": 0, "seq_before": None, "last_seq": None,
        "data": json.dumps(data, default=str), "created_at": now or utcnow(),
    })  # fmt: skip


def claim_outbox(conn: Connection, limit: int = 500) -> list[OutboxEntry]:
    """Take up to ``limit`` of the oldest rows out of the outbox, in the caller's
    transaction (they are gone once it commits, back if it rolls back). Concurrent
    callers get disjoint rows (PostgreSQL skips the rows another one holds)."""
    if conn.execute(sa.select(_OUTBOX.c.id).limit(1)).first() is None:
        return []  # read first: an empty outbox costs no write lock (SQLite's single writer)
    oldest = sa.select(_OUTBOX.c.id).order_by(_OUTBOX.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    statement = _OUTBOX.delete().where(_OUTBOX.c.id.in_(oldest)).returning(*_OUTBOX.c)
    rows = sorted(conn.execute(statement).mappings(), key=lambda r: int(r["id"]))
    return [
        OutboxEntry(**{**row, "data": json.loads(row["data"]) if row["data"] else {}})
        for row in rows
    ]


def set_subscriptions(conn: Connection, tenant: str, kinds: Iterable[str]) -> None:
    """The kinds ``tenant`` listens to from now on (replacing the previous set)."""
    conn.execute(_SUBS.delete().where(_SUBS.c.tenant == tenant))
    wanted = sorted(set(kinds))
    if wanted:
        conn.execute(_SUBS.insert(), [{"tenant": tenant, "kind": kind} for kind in wanted])
