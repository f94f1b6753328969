"""A resumable, checkpointed sync of one stream of one connection.

Delivery contract (see ``Registry.sync``): the adapter's pages are mapped whole, then
their objects are yielded one by one; when the consumer asks for the object *after* a
page's last one, the page's cursor is committed (with the consumer's own state, if it
gave an ``on_checkpoint`` callback, read at that moment) in one transaction, before any
object of the next page is yielded. A crash therefore never skips a record: at worst the
objects of the one uncommitted page are yielded again on resume. The commit runs in the
run's writer thread while the next page is fetched and mapped, overlapping the parts that
release the GIL (the network, SQLite's statements and page writes); see
benchmarks/README.md for what the record store still costs.

A run started with a known ``run_id`` (a scheduled run, see ``registry.schedules``) that
finds the stream's state still owned by that run continues it: same run, same counts, from
its last checkpoint (``full`` is not applied again). A failed run is announced in the
outbox (``sync.failed``) in the transaction that records the failure.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from adapters import Adapter, Cursor
from canonical import CanonicalModel, ConflictError
from registry._models import SyncProgress
from registry._outbox import SYNC_FAILED, add_event
from registry._preview import ProgressHook, map_record
from registry._queries import find_state
from registry._store import StoreWrite
from registry._sync_store import SyncStore
from registry._tables import RunStatus, SyncRunRow, SyncStateRow, utcnow

if TYPE_CHECKING:
    from mapping import FieldWarning

__all__ = ["CheckpointHook", "ProgressHook", "SyncInterrupted", "SyncJob"]

CheckpointHook = Callable[[], dict[str, Any]]
_MAX_ERROR = 2000
_LOGGED_WARNINGS = 20  # per run: the count is on the run row
_log = logging.getLogger("canonry.sync")
_RESUMABLE = (
    RunStatus.RUNNING.value,
    RunStatus.INTERRUPTED.value,
    RunStatus.FAILED.value,
    RunStatus.CANCELLED.value,
)


class SyncInterrupted(BaseException):
    """Raised by a progress hook to stop a run so that it resumes later: the run is marked
    ``interrupted`` (not failed) and a later start with the same ``run_id`` continues it."""


@dataclass
class SyncJob:
    """Everything one run needs; ``run()`` yields canonical objects and checkpoints."""

    engine: Engine
    tenant: str
    connection_id: str
    stream: str
    adapter: Adapter
    mapper: Callable[[dict[str, Any]], CanonicalModel]
    full: bool = False
    progress: ProgressHook | None = None
    on_checkpoint: CheckpointHook | None = None
    field_warnings: list[FieldWarning] | None = None
    """Where ``mapper`` puts the fields it left out (the lenient policy): counted per
    record (``warned``), then cleared."""
    warned: int = 0
    store: SyncStore | None = None
    """Where the records are kept (the record store); None only for measurements."""
    run_id: str = ""
    """Empty: a new run. Given: continue that run if it still owns the stream's state."""
    pages: int = 0
    records: int = 0
    done: bool = False
    """The run with this ``run_id`` had already succeeded: nothing left to do."""
    _ended: bool = False
    """The last committed checkpoint was the stream's final page."""
    _writer: ThreadPoolExecutor = field(init=False, repr=False)
    _pending: Future[None] | None = field(default=None, init=False, repr=False)

    def start(self) -> Cursor | None:
        """Register the run, take over the stream's state and return the resume cursor."""
        self.run_id = self.run_id or str(uuid.uuid4())
        with Session(self.engine) as session, session.begin():
            state = find_state(session, self.tenant, self.connection_id, self.stream)
            if state is None:
                state = SyncStateRow(
                    connection_id=self.connection_id, stream=self.stream, tenant=self.tenant
                )
            mine = state.run_id == self.run_id
            if mine and state.last_status == RunStatus.SUCCEEDED.value:
                self.done = True
                return None
            resuming = mine and state.last_status in _RESUMABLE
            if not resuming and state.run_id and state.last_status == RunStatus.RUNNING.value:
                _close_run(session, state.run_id, RunStatus.INTERRUPTED, "superseded by a new run")
            if self.full and not resuming:
                state.cursor, state.records_synced = None, 0
            if self.on_checkpoint is not None:  # where the consumer starts (e.g. a file
                state.consumer_state = self.on_checkpoint()  # offset), before it writes
            state.run_id, state.last_status = self.run_id, RunStatus.RUNNING.value
            state.updated_at = utcnow()
            session.add(state)
            session.flush()  # the state row first, the sequence second: as in a checkpoint
            if self.store is not None:
                self.store.begin(session.connection(), state, self.run_id, state.cursor is None)
            self._register_run(session)
            return state.cursor

    def _register_run(self, session: Session) -> None:
        """A new run row, or the continued run's row (its counts carry on)."""
        row = session.get(SyncRunRow, self.run_id)
        if row is None:
            session.add(
                SyncRunRow(
                    id=self.run_id,
                    tenant=self.tenant,
                    connection_id=self.connection_id,
                    stream=self.stream,
                    full=self.full,
                )
            )
            return
        self.pages, self.records, self.warned = row.pages, row.records, row.warned
        if self.store is not None:
            self.store.totals = StoreWrite(changed=row.changed, deleted=row.deleted)
        row.status, row.finished_at, row.error = RunStatus.RUNNING.value, None, None
        session.add(row)

    def run(self) -> Iterator[CanonicalModel]:
        cursor = self.start()
        if self.done:
            return
        with ThreadPoolExecutor(1, thread_name_prefix="canonry-checkpoint") as writer:
            self._writer = writer
            try:
                yield from self._pages(cursor)
            except SyncInterrupted:
                self._drain()
                self._finish(RunStatus.INTERRUPTED, "stopped; the run resumes from its checkpoint")
                raise
            except (GeneratorExit, KeyboardInterrupt) as exc:
                self._drain()
                why = "interrupted" if isinstance(exc, KeyboardInterrupt) else "stopped iterating"
                self._finish(RunStatus.CANCELLED, f"the consumer {why}")
                raise
            except BaseException as exc:
                self._drain()
                self._finish(RunStatus.FAILED, f"{type(exc).__name__}: {exc}"[:_MAX_ERROR])
                raise

    def _pages(self, cursor: Cursor | None) -> Iterator[CanonicalModel]:
        pages = iter(self.adapter.read(self.stream, cursor))
        while True:
            page = next(pages, None)  # fetched and mapped while the last page commits
            objects = [self._map(r) for r in page.records] if page is not None else []
            self._settle()
            if page is None:
                self._finish(RunStatus.SUCCEEDED, None)
                return
            yield from objects
            state = self.on_checkpoint() if self.on_checkpoint is not None else None
            final = page.cursor is None
            self._pending = self._writer.submit(
                self._checkpoint, page.cursor, objects, final=final,
                restart=page.snapshot_start, consumer_state=state,
            )  # fmt: skip
            if final:
                self._settle()
                return

    def _settle(self) -> None:
        """Wait for the page checkpoint in flight (raising its error), then report progress:
        no object of the next page is yielded before the last page's cursor is committed."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        pending.result()
        if self.progress is not None:
            self.progress(SyncProgress(self.run_id, self.pages, self.records, done=self._ended))

    def _drain(self) -> None:
        """Let a checkpoint in flight end (its error is the run's own concern no more)
        before the run's end is written."""
        pending, self._pending = self._pending, None
        if pending is not None:
            wait([pending])

    def _map(self, record: dict[str, Any]) -> CanonicalModel:
        mapped = map_record(self.mapper, record)
        if self.field_warnings:
            self._warned(record, self.field_warnings)
        return mapped

    def _warned(self, record: dict[str, Any], found: list[FieldWarning]) -> None:
        self.warned += 1
        if self.warned <= _LOGGED_WARNINGS:  # field names only: values are vendor data
            fields = ", ".join(sorted({w.field for w in found}))
            _log.warning("sync %s/%s: record %r kept without %s (the canonical model refused "
                         "the value; the raw record is kept)", self.connection_id, self.stream,
                         record.get("id"), fields)  # fmt: skip
        found.clear()

    def _state_update(self) -> sa.Update:
        table = SyncStateRow.__table__  # type: ignore[attr-defined]
        return (
            sa.update(table)
            .where(
                table.c.tenant == self.tenant,
                table.c.connection_id == self.connection_id,
                table.c.stream == self.stream,
                table.c.run_id == self.run_id,
            )
            .values(updated_at=utcnow())
        )

    def _checkpoint(
        self,
        cursor: Cursor | None,
        objects: list[CanonicalModel],
        *,
        final: bool,
        restart: bool = False,
        consumer_state: dict[str, Any] | None = None,
    ) -> None:
        """Commit one page (runs in the run's writer thread, one page at a time)."""
        self.pages += 1
        self.records += len(objects)
        values: dict[str, Any] = {
            "cursor": cursor,
            "records_synced": SyncStateRow.__table__.c.records_synced + len(objects),  # type: ignore[attr-defined]
        }
        if self.on_checkpoint is not None:
            values["consumer_state"] = consumer_state
        if final:
            values["last_status"] = RunStatus.SUCCEEDED.value
        with Session(self.engine) as session, session.begin():
            self._own_state(session)
            if self.store is not None:
                if restart:  # a full listing from this page on: reconcile against it
                    values.update(self.store.restart(session.connection(), self.run_id))
                self.store.write(session.connection(), objects)
                if final:
                    self.store.complete(session.connection())
                    values.update(snapshot=None, snapshot_seq=None)
            session.execute(self._state_update().values(**values))
            _update_run(session, self.run_id, pages=self.pages, records=self.records,
                        warned=self.warned)  # fmt: skip
            self._count_changes(session)
            if final:
                _close_run(session, self.run_id, RunStatus.SUCCEEDED, None)
        self._ended = final

    def _own_state(self, session: Session) -> None:
        """Refuse to write when another run took over the stream's state (checked first,
        so nothing of this run reaches the store after a takeover)."""
        result = session.execute(self._state_update())
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError(
                f"another sync of stream {self.stream!r} took over this connection's state",
                hint="run one sync per connection and stream at a time",
            )

    def _count_changes(self, session: Session) -> None:
        if self.store is not None:
            totals = self.store.totals
            _update_run(session, self.run_id, changed=totals.changed, deleted=totals.deleted)

    def _finish(self, status: RunStatus, error: str | None) -> None:
        with Session(self.engine) as session, session.begin():
            values: dict[str, Any] = {"last_status": status.value}
            if status is RunStatus.SUCCEEDED and self.store is not None:
                self._own_state(session)
                self.store.complete(session.connection())
                self._count_changes(session)
                values.update(snapshot=None, snapshot_seq=None)
            session.execute(self._state_update().values(**values))
            _close_run(session, self.run_id, status, error)
            if status is RunStatus.FAILED:
                self._announce_failure(session, error)
        if self.progress is not None and status is RunStatus.SUCCEEDED:
            self.progress(SyncProgress(self.run_id, self.pages, self.records, done=True))

    def _announce_failure(self, session: Session, error: str | None) -> None:
        data = {"stream": self.stream, "run_id": self.run_id, "error": error}
        add_event(
            session.connection(),
            tenant=self.tenant,
            kind=SYNC_FAILED,
            connection_id=self.connection_id,
            data=data,
        )


def _update_run(session: Session, run_id: str, **values: Any) -> None:
    table = SyncRunRow.__table__  # type: ignore[attr-defined]
    session.execute(sa.update(table).where(table.c.id == run_id).values(**values))


def _close_run(session: Session, run_id: str, status: RunStatus, error: str | None) -> None:
    table = SyncRunRow.__table__  # type: ignore[attr-defined]
    session.execute(
        sa.update(table)
        .where(table.c.id == run_id, table.c.status == RunStatus.RUNNING.value)
        .values(status=status.value, error=error, finished_at=utcnow())
    )
