"""Writing the record store: upserts with change detection, tombstones, reconciliation.

Rules (the one place they live):

- A record whose canonical content is unchanged (same content hash) is not rewritten and
  does not appear as changed (its reserved sequence number stays unused).
- A write older than the stored state (``version_at`` earlier than the stored one) changes
  nothing: the replica never goes back in time.
- Every real change (new, updated, tombstoned) takes the tenant's next change sequence
  number. The sequence row is locked first in the transaction, so writers of one tenant
  commit in sequence order and a reader following ``seq`` never skips a change.
- A completed full listing (snapshot) of a stream tombstones the stream's live records that
  it did not see, among those last written before the listing began (anything written since
  is newer evidence than the listing).
- Every write that changed something is announced in the outbox (``registry._outbox``), one
  row per model and write, in the same transaction (``_announce``).

Every function takes the caller's connection: the store writes in the caller's transaction
(a sync's checkpoint, a webhook job's outcome), never in one of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from registry._outbox import note_changes
from registry._store_rows import PreparedRecord, tombstone_json
from registry._store_scope import scope_tenant, upsert_statement
from registry._store_tables import ChangeSeqRow, RecordRow
from registry._store_upsert import upsert_rows

__all__ = ["StoreWrite", "drop_remote_data", "lock_sequence", "reconcile", "write_records"]

_RECORDS: sa.Table = RecordRow.__table__  # type: ignore[attr-defined]
_SEQ: sa.Table = ChangeSeqRow.__table__  # type: ignore[attr-defined]
_CHUNK = 500  # ids per IN (...) lookup: well under SQLite's parameter limit


@dataclass
class StoreWrite:
    """What one write did: records changed (of which tombstones), and records left as they
    were (unchanged, or older than the stored state)."""

    changed: int = 0
    deleted: int = 0
    unchanged: int = 0
    last_seq: int | None = None

    def add(self, other: StoreWrite) -> None:
        self.changed += other.changed
        self.deleted += other.deleted
        self.unchanged += other.unchanged
        self.last_seq = other.last_seq if other.last_seq is not None else self.last_seq


def lock_sequence(conn: Connection, tenant: str) -> int:
    """Lock the tenant's sequence row for this transaction (creating it) and read it."""
    scope_tenant(conn, tenant)
    statement = upsert_statement(conn, _SEQ).values(tenant=tenant, last_seq=0)
    statement = statement.on_conflict_do_update(
        index_elements=["tenant"], set_={"last_seq": _SEQ.c.last_seq}
    ).returning(_SEQ.c.last_seq)
    return int(conn.execute(statement).scalar_one())


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
    """Upsert ``records`` (one model) in the caller's transaction; see the module's rules.

    Every record of the batch is given a sequence number before the write; the unchanged
    ones leave theirs unused (gaps are harmless: readers only need the order)."""
    result = StoreWrite()
    latest = list({r.id: r for r in records}.values())  # the last of duplicate ids wins
    if not latest:
        return result
    last = _allocate(conn, tenant, len(latest))
    seqs = range(last - len(latest) + 1, last + 1)
    written = upsert_rows(
        conn, latest, seqs, tenant=tenant, connection_id=connection_id, stream=stream,
        now=now, snapshot=snapshot,
    )  # fmt: skip
    result.changed = len(written)
    result.deleted = sum(deleted for _, deleted in written)
    result.unchanged = len(latest) - len(written)
    if written:
        result.last_seq = last
        _announce(conn, tenant, connection_id, latest[0].model, result, last - len(latest), now)
    if snapshot is not None and result.unchanged:
        changed = {record_id for record_id, _ in written}
        seen = [r.id for r in latest if r.id not in changed]
        _mark_seen(conn, tenant, latest[0].model, seen, snapshot)
    return result


def _allocate(conn: Connection, tenant: str, count: int) -> int:
    """Take ``count`` sequence numbers (locking the tenant's row); the last one taken."""
    scope_tenant(conn, tenant)
    statement = upsert_statement(conn, _SEQ).values(tenant=tenant, last_seq=count)
    statement = statement.on_conflict_do_update(
        index_elements=["tenant"], set_={"last_seq": _SEQ.c.last_seq + count}
    ).returning(_SEQ.c.last_seq)
    return int(conn.execute(statement).scalar_one())


def _mark_seen(conn: Connection, tenant: str, model: str, ids: list[str], snapshot: str) -> None:
    """Record that the snapshot saw these (unchanged) records; rows already marked stay."""
    for start in range(0, len(ids), _CHUNK):
        conn.execute(
            sa.update(_RECORDS)
            .where(
                _RECORDS.c.tenant == tenant,
                _RECORDS.c.model == model,
                _RECORDS.c.id.in_(ids[start : start + _CHUNK]),
                sa.or_(_RECORDS.c.snapshot.is_(None), _RECORDS.c.snapshot != snapshot),
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
    first = last
    per_model: dict[str, StoreWrite] = {}
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
        model_write = per_model.setdefault(row.model, StoreWrite())
        model_write.changed += 1
        model_write.deleted += 1
    if result.changed:
        conn.execute(sa.update(_SEQ).where(_SEQ.c.tenant == tenant).values(last_seq=last))
        result.last_seq = last
    for model, model_write in per_model.items():
        model_write.last_seq = last
        _announce(conn, tenant, connection_id, model, model_write, first, now)
    return result


def _announce(
    conn: Connection,
    tenant: str,
    connection_id: str,
    model: str,
    write: StoreWrite,
    seq_before: int,
    now: datetime,
) -> None:
    """The one place a store write is announced (``records.changed``, via the outbox)."""
    assert write.last_seq is not None
    note_changes(
        conn, tenant=tenant, connection_id=connection_id, model=model, changed=write.changed,
        deleted=write.deleted, seq_before=seq_before, last_seq=write.last_seq, now=now,
    )  # fmt: skip


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
