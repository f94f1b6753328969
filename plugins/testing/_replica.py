"""An in-memory replica of one stream, written by the record store's rules.

The replication kit applies every page an adapter yields to a ``Replica`` exactly as
``registry._store`` (its module docstring holds the rules) would write it, so what the kit
checks is what a user's store would hold:

- Records are the adapter's *mapped canonical objects* (its default mapping), keyed by
  ``remote_id``; a record mapping to ``remote_was_deleted=True`` is a tombstone. Of the
  same id twice in one page, the last wins.
- A record whose content is unchanged is not rewritten (it keeps its change number).
- A write older than the stored one changes nothing: the replica never goes back in time.
  A record's version is its ``updated_at``, else the time it was written (``clock``).
- Every real change takes the next change number (``seq``).
- A listing that began at cursor None, or at a page marked ``Page.snapshot_start``, is a
  snapshot; it survives an interrupted run (a resumed run continues it) and, when the
  stream is exhausted, tombstones the live records it did not see among those last
  changed before it began.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from adapters import Adapter, Page
from canonical import CanonicalModel, MappingError, Source
from plugins.testing._static import ContractViolation

__all__ = ["Entry", "Replica"]


@dataclass
class Entry:
    """One replicated record: its canonical object, the change number of its last write,
    and its version (``updated_at``, else when it was written)."""

    obj: CanonicalModel
    seq: int
    version_at: datetime

    @property
    def deleted(self) -> bool:
        return self.obj.remote_was_deleted


@dataclass
class _Snapshot:
    started_seq: int
    seen: set[str] = field(default_factory=set)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def content(obj: CanonicalModel) -> dict[str, Any]:
    """What the store compares: the canonical object as JSON, raw vendor data left out."""
    return obj.model_dump(mode="json", exclude={"remote_data"})


class Replica:
    """The store's view of one stream of one connection, in memory."""

    def __init__(
        self, adapter: Adapter, stream: str, *, clock: Callable[[], datetime] = _utcnow
    ) -> None:
        self.stream, self.clock = stream, clock
        self.compiled = adapter.default_mapping(stream).compile()
        self.source = Source(adapter=adapter.key, connection_id=adapter.connection_id)
        self.records: dict[str, Entry] = {}
        self.seq = 0
        self.tombstoned_by_reconcile: set[str] = set()
        self._snapshot: _Snapshot | None = None

    # what a sync does -------------------------------------------------------------------
    def begin_run(self, cursor: object) -> None:
        """A run from no cursor is a new snapshot; a resumed one continues the saved one."""
        if cursor is None:
            self._snapshot = _Snapshot(self.seq)

    def apply(self, page: Page) -> None:
        if page.snapshot_start:
            self._snapshot = _Snapshot(self.seq)
        self.write_page([self.map(record) for record in page.records])

    def write_page(self, objects: list[CanonicalModel]) -> None:
        """One page's objects: of duplicate ids the last wins (as one store write)."""
        for obj in {obj.remote_id: obj for obj in objects}.values():
            self.write(obj)

    def complete(self) -> None:
        """The stream is exhausted: reconcile the snapshot in progress, if any."""
        snapshot, self._snapshot = self._snapshot, None
        if snapshot is None:
            return
        for remote_id, entry in self.records.items():
            if entry.deleted or remote_id in snapshot.seen or entry.seq > snapshot.started_seq:
                continue
            self.seq += 1
            gone = entry.obj.model_copy(update={"remote_was_deleted": True})
            self.records[remote_id] = Entry(gone, self.seq, entry.version_at)
            self.tombstoned_by_reconcile.add(remote_id)

    # the store's rules --------------------------------------------------------------------
    def map(self, record: dict[str, Any]) -> CanonicalModel:
        try:
            return self.compiled.apply(record, source=self.source)
        except MappingError as exc:
            raise ContractViolation(
                f"{self.stream}: record {record.get('id')!r} does not map with the default "
                f"mapping, so the store would refuse it (a lost record): {exc}"
            ) from exc

    def write(self, obj: CanonicalModel) -> None:
        remote_id = obj.remote_id
        if self._snapshot is not None:
            self._snapshot.seen.add(remote_id)
        old, version = self.records.get(remote_id), obj.updated_at or self.clock()
        if old is not None and (version < old.version_at or content(obj) == content(old.obj)):
            return
        self.seq += 1
        self.records[remote_id] = Entry(obj, self.seq, version)
        self.tombstoned_by_reconcile.discard(remote_id)

    # reading ------------------------------------------------------------------------------
    def live(self) -> dict[str, CanonicalModel]:
        return {i: e.obj for i, e in self.records.items() if not e.deleted}

    def tombstones(self) -> set[str]:
        return {i for i, e in self.records.items() if e.deleted}
