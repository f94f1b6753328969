"""What a sync writes to the record store, page by page, in its checkpoint transactions.

A run that starts from no cursor is a full listing (a snapshot of the stream): its id and
the tenant's sequence number when it began are kept in the stream's sync state, so a
resumed run continues the same snapshot. When the listing completes, the store tombstones
what it did not see (``registry._store.reconcile``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from canonical import CanonicalModel
from registry._store import (
    StoreWrite,
    drop_remote_data,
    lock_sequence,
    reconcile,
    write_records,
)
from registry._store_rows import prepare
from registry._tables import SyncStateRow, utcnow

__all__ = ["SyncStore"]


@dataclass
class SyncStore:
    """The store side of one run of one stream."""

    tenant: str
    connection_id: str
    stream: str
    clock: Callable[[], datetime] = utcnow
    remote_data_days: int | None = None
    """Raw vendor objects older than this are dropped when a run begins."""
    snapshot: str | None = None
    snapshot_seq: int | None = None
    totals: StoreWrite = field(default_factory=StoreWrite)

    def begin(self, conn: Connection, state: SyncStateRow, run_id: str, fresh: bool) -> None:
        """Start a snapshot (``fresh``: no cursor to resume) or continue the saved one."""
        if fresh:
            state.snapshot, state.snapshot_seq = run_id, lock_sequence(conn, self.tenant)
        self.snapshot, self.snapshot_seq = state.snapshot, state.snapshot_seq
        if self.remote_data_days is not None:
            cutoff = self.clock() - timedelta(days=self.remote_data_days)
            drop_remote_data(conn, self.tenant, self.connection_id, before=cutoff)

    def restart(self, conn: Connection, run_id: str) -> dict[str, object]:
        """The adapter began a full listing mid-run (``Page.snapshot_start``): a new
        snapshot from here. Returns the sync-state values that keep it across a resume."""
        self.snapshot, self.snapshot_seq = run_id, lock_sequence(conn, self.tenant)
        return {"snapshot": self.snapshot, "snapshot_seq": self.snapshot_seq}

    def write(self, conn: Connection, objects: Sequence[CanonicalModel]) -> StoreWrite:
        now = self.clock()
        prepared = [prepare(obj, observed_at=now) for obj in objects]
        written = write_records(
            conn,
            prepared,
            tenant=self.tenant,
            connection_id=self.connection_id,
            stream=self.stream,
            now=now,
            snapshot=self.snapshot,
        )
        self.totals.add(written)
        return written

    def complete(self, conn: Connection) -> StoreWrite:
        """The stream is exhausted: reconcile the snapshot, if one is in progress."""
        if self.snapshot is None or self.snapshot_seq is None:
            return StoreWrite()
        done = reconcile(
            conn,
            tenant=self.tenant,
            connection_id=self.connection_id,
            stream=self.stream,
            snapshot=self.snapshot,
            started_seq=self.snapshot_seq,
            now=self.clock(),
        )
        self.totals.add(done)
        self.snapshot = self.snapshot_seq = None
        return done
