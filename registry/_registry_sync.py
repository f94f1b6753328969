"""The Registry's sync methods: ``sync`` (checkpointed, into the record store) and
``preview`` (the dry run), both guarded by the re-authorisation watch."""

from __future__ import annotations

from collections.abc import Iterator

from adapters import Adapter
from canonical import CanonicalModel
from registry._base import RegistryBase
from registry._connection_settings import parse_settings
from registry._engine import database_errors
from registry._preview import ProgressHook, preview
from registry._queries import find_state
from registry._sync import CheckpointHook, SyncJob
from registry._sync_store import SyncStore
from registry._tables import ConnectionRow

__all__ = ["SyncMixin"]


class SyncMixin(RegistryBase):
    """Stream a connection's records as canonical objects (and keep them)."""

    def sync(
        self,
        connection: str,
        stream: str,
        *,
        full: bool = False,
        progress: ProgressHook | None = None,
        on_checkpoint: CheckpointHook | None = None,
        keep_remote_data: bool | None = None,
        run_id: str | None = None,
    ) -> Iterator[CanonicalModel]:
        """Stream ``stream`` of ``connection`` as canonical objects, checkpointing per page.

        Resumes after the last checkpoint unless ``full``. A page's cursor is committed
        when the consumer asks for the object after the page's last one, together with
        ``on_checkpoint()``'s return value (the consumer's own resume state, e.g. a file
        offset; it is also stored when the run starts, before any object), so a consumer
        that fully processes each object before asking for the next never loses one; after
        a crash, only objects of the uncommitted page come again.

        Each page is also written to the record store (``records()``) in the same
        transaction as its cursor; a run from no cursor is a full listing, and when it
        completes the records it did not see become tombstones. ``keep_remote_data``
        (default: the connection's setting) keeps each raw vendor object with its record.
        ``run_id`` names the run: a run of that id that did not finish is continued from its
        checkpoint (a scheduled run resumed after a crash), one that succeeded yields nothing.
        """
        row = self._row(connection)
        settings = parse_settings(row.settings)
        keep = settings.keep_remote_data if keep_remote_data is None else keep_remote_data
        adapter = self._adapter(row)
        try:
            mapper = self.mapper_for(adapter, stream, keep_remote_data=keep)
            with self._tx() as session:
                self._audit(session, "sync.start", row.name, stream=stream, full=full)
        except BaseException:
            self._release(adapter)
            raise
        job = SyncJob(
            engine=self.engine,
            tenant=self.tenant,
            connection_id=row.id,
            stream=stream,
            adapter=adapter,
            mapper=mapper,
            full=full,
            progress=progress,
            on_checkpoint=on_checkpoint,
            run_id=run_id or "",
            store=SyncStore(
                self.tenant, row.id, stream, remote_data_days=settings.remote_data_days
            ),
        )
        return self._guarded(row, adapter, job.run())

    def preview(
        self,
        connection: str,
        stream: str,
        *,
        full: bool = False,
        progress: ProgressHook | None = None,
    ) -> Iterator[CanonicalModel]:
        """Read and map ``stream`` as ``sync`` would (from the saved cursor unless ``full``),
        saving nothing: no cursor, no run, no audit entry (``canonry sync --dry-run``)."""
        row = self._row(connection)
        adapter = self._adapter(row)
        try:
            mapper = self.mapper_for(adapter, stream)
            with self._tx() as session:
                state = None if full else find_state(session, self.tenant, row.id, stream)
        except BaseException:
            self._release(adapter)
            raise
        cursor = state.cursor if state is not None else None
        return self._guarded(row, adapter, preview(adapter, stream, cursor, mapper, progress))

    def _guarded(
        self, row: ConnectionRow, adapter: Adapter, objects: Iterator[CanonicalModel]
    ) -> Iterator[CanonicalModel]:
        try:
            with self._watch_reauth(row), database_errors():
                yield from objects
        finally:
            self._release(adapter)
