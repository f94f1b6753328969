"""Writing the record store: upserts with change detection, tombstones, reconciliation.

Rules (the one place they live):

- A record whose canonical content is unchanged (same content hash) is not rewritten and
  takes no sequence number.
- A write older than the stored state (``version_at`` earlier than the stored one) changes
  nothing: the replica never goes back in time.
- Every real change (new, updated, tombstoned) takes the tenant's next change sequence
  number. The sequence row is locked first in the transaction, so writers of one tenant
  commit in sequence order and a reader following ``seq`` never skips a change.
- A completed full listing (snapshot) of a stream tombstones the stream's live records that
  it did not see, among those last written before the listing began (anything written since
  is newer evidence than the listing).

Every function takes the caller's connection: the store writes in the caller's transaction
(a sync's checkpoint, a webhook job's outcome), never in one of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from registry._store_rows import PreparedRecord, tombstone_json
from registry._store_scope import scope_tenant, upsert_statement
from registry._store_tables import ChangeSeqRow, RecordRow

__all__ = ["StoreWrite", "drop_remote_data", "lock_sequence", "reconcile", "write_records"]

_RECORDS: sa.Table = RecordRow.__table__  # type: ignore[attr-defined]
_SEQ: sa.Table = ChangeSeqRow.__table__  # type: ignore[attr-defined]
_CHUNK = 500  # ids per IN (...) lookup: well under SQLite's parameter limit


@dataclass
class StoreWrite:
    """What one write did: records changed (of which tombstones), unchanged and stale."""

    changed: int = 0
    deleted: int = 0
    unchanged: int = 0
    stale: int = 0
    last_seq: int | None = None

    def add(self, other: StoreWrite) -> None:
        self.changed += other.changed
        self.deleted += other.deleted
        self.unchanged += other.unchanged
        self.stale += other.stale
        self.last_seq = other.last_seq if other.last_seq is not None else self.last_seq


def lock_sequence(conn: Connection, tenant: str) -> int:
    """Lock the tenant's sequence row for this transaction (creating it) and read it."""
    scope_tenant(conn, tenant)
    statement = upsert_statement(conn, _SEQ).values(tenant=tenant, last_seq=0)
    statement = statement.on_conflict_do_update(
        index_elements=["tenant"], set_={"last_seq": _SEQ.c.last_seq}
    ).returning(_SEQ.c.last_seq)
    return int(conn.execute(statement).scalar_one())


def _existing(
    conn: Connection, tenant: str, model: str, ids: Sequence[str]
) -> dict[str, tuple[str, datetime | None]]:
    found: dict[str, tuple[str, datetime | None]] = {}
    columns = (_RECORDS.c.id, _RECORDS.c.content_hash, _RECORDS.c.version_at)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        query = sa.select(*columns).where(
            _RECORDS.c.tenant == tenant, _RECORDS.c.model == model, _RECORDS.c.id.in_(chunk)
        )
        for row in conn.execute(query):
            found[row.id] = (row.content_hash, row.version_at)
    return found


def _older(incoming: datetime | None, stored: datetime | None) -> bool:
    if incoming is None or stored is None:
        return False
    if stored.tzinfo is None:  # SQLite hands back naive UTC
        incoming = incoming.astimezone(UTC).replace(tzinfo=None)
    return incoming < stored


def write_records(
    conn: Connection,
    records: Sequence[PreparedRecord],
    *,
    tenant: str,
    connection_id: str,
    stream: str,
    now: datetime,
    snapshot: str | None = None,
) -> StoreWrite:
    """Upsert ``records`` (one model) in the caller's transaction; see the module's rules."""
    result = StoreWrite()
    if not records:
        return result
    last = lock_sequence(conn, tenant)
    latest = {r.id: r for r in records}  # the last of duplicate ids in one batch wins
    model = records[0].model
    stored = _existing(conn, tenant, model, list(latest))
    rows: list[dict[str, Any]] = []
    seen: list[str] = []
    for record in latest.values():
        before = stored.get(record.id)
        if before is not None and _older(record.version_at, before[1]):
            result.stale += 1
            seen.append(record.id)
        elif before is not None and before[0] == record.content_hash:
            result.unchanged += 1
            seen.append(record.id)
        else:
            last += 1
            rows.append(_row(record, tenant, connection_id, stream, last, now, snapshot))
            result.changed += 1
            result.deleted += record.deleted
    if rows:
        _upsert(conn, rows)
        conn.execute(sa.update(_SEQ).where(_SEQ.c.tenant == tenant).values(last_seq=last))
        result.last_seq = last
    if snapshot is not None and seen:
        _mark_seen(conn, tenant, model, seen, snapshot)
    return result


def _row(
    record: PreparedRecord,
    tenant: str,
    connection_id: str,
    stream: str,
    seq: int,
    now: datetime,
    snapshot: str | None,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "tenant": tenant,
        "model": record.model,
        "id": record.id,
        "connection_id": connection_id,
        "stream": stream,
        "remote_id": record.remote_id,
        "seq": seq,
        "content_hash": record.content_hash,
        "data": record.data,
        "deleted": record.deleted,
        "version_at": record.version_at,
        "modified_at": now,
        "snapshot": snapshot,
        "remote_data": record.remote_data,
        "remote_data_at": now if record.remote_data is not None else None,
        "email": None,
        "status": None,
        "currency": None,
        "customer_id": None,
        "event_type": None,
        "issued_at": None,
        "due_at": None,
        "occurred_at": None,
    }
    row.update(record.filters)
    return row


_KEY = ["tenant", "model", "id"]


def _upsert(conn: Connection, rows: list[dict[str, Any]]) -> None:
    statement = upsert_statement(conn, _RECORDS)
    excluded = statement.excluded
    replace = {name: excluded[name] for name in rows[0] if name not in _KEY}
    conn.execute(statement.on_conflict_do_update(index_elements=_KEY, set_=replace), rows)


def _mark_seen(conn: Connection, tenant: str, model: str, ids: list[str], snapshot: str) -> None:
    for start in range(0, len(ids), _CHUNK):
        conn.execute(
            sa.update(_RECORDS)
            .where(
                _RECORDS.c.tenant == tenant,
                _RECORDS.c.model == model,
                _RECORDS.c.id.in_(ids[start : start + _CHUNK]),
            )
            .values(snapshot=snapshot)
        )


def reconcile(
    conn: Connection,
    *,
    tenant: str,
    connection_id: str,
    stream: str,
    snapshot: str,
    started_seq: int,
    now: datetime,
) -> StoreWrite:
    """Tombstone the stream's live records the completed ``snapshot`` did not see, among
    those last changed at or before ``started_seq`` (when the listing began)."""
    last = lock_sequence(conn, tenant)
    missing = sa.select(_RECORDS.c.model, _RECORDS.c.id, _RECORDS.c.data).where(
        _RECORDS.c.tenant == tenant,
        _RECORDS.c.connection_id == connection_id,
        _RECORDS.c.stream == stream,
        _RECORDS.c.deleted.is_(False),
        _RECORDS.c.seq <= started_seq,
        sa.or_(_RECORDS.c.snapshot.is_(None), _RECORDS.c.snapshot != snapshot),
    )
    result = StoreWrite()
    for row in conn.execute(missing).all():
        data, content_hash = tombstone_json(row.data)
        last += 1
        conn.execute(
            sa.update(_RECORDS)
            .where(
                _RECORDS.c.tenant == tenant,
                _RECORDS.c.model == row.model,
                _RECORDS.c.id == row.id,
            )
            .values(
                data=data,
                content_hash=content_hash,
                deleted=True,
                seq=last,
                modified_at=now,
                snapshot=snapshot,
            )
        )
        result.changed += 1
        result.deleted += 1
    if result.changed:
        conn.execute(sa.update(_SEQ).where(_SEQ.c.tenant == tenant).values(last_seq=last))
        result.last_seq = last
    return result


def drop_remote_data(conn: Connection, tenant: str, connection_id: str, *, before: datetime) -> int:
    """Drop the raw vendor objects kept since before ``before`` (retention). The canonical
    records stay as they are: no sequence number, no change for readers."""
    scope_tenant(conn, tenant)
    result = conn.execute(
        sa.update(_RECORDS)
        .where(
            _RECORDS.c.tenant == tenant,
            _RECORDS.c.connection_id == connection_id,
            _RECORDS.c.remote_data_at < before,
        )
        .values(remote_data=None, remote_data_at=None)
    )
    return int(result.rowcount)
