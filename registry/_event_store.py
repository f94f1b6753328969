"""What a processed webhook event writes to the record store, in the job's outcome
transaction (``webhooks.jobs._gate.record_outcome``), so stored data never belongs to an
unfinished job and a finished job never lacks its data.

Rules (the one place they live):

- The canonical ``Event`` itself is stored (model ``event``, stream ``webhooks``: never
  reconciled by a sync's listing).
- The object the event carries or the job fetched is upserted into its adapter stream (the
  stream whose records map to the same model, so the next full listing reconciles it), at
  the version of the event's ``occurred_at`` unless the vendor stamps an ``updated_at``: a
  sync that read the object later wins; a late, older event never overwrites it.
- A deletion event without an object tombstones the stored record it names (nothing to do
  when the replica never had it); so do the ids an event removed besides its own object
  (``WebhookEvent.deleted_remote_ids``: the records a HubSpot merge merged away).
- A stale event (a newer one about the same object was already applied) stores only itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from canonical import Customer, Event, Invoice, canonical_id
from registry._store import StoreWrite, write_records
from registry._store_rows import PreparedRecord, prepare
from registry._store_scope import scope_tenant
from registry._store_tables import RecordRow

__all__ = ["EVENTS_STREAM", "ReplicaWrite", "store_event"]

EVENTS_STREAM = "webhooks"
_RECORDS: sa.Table = RecordRow.__table__  # type: ignore[attr-defined]
_CLASSES: dict[str, type[Customer] | type[Invoice]] = {"customer": Customer, "invoice": Invoice}


@dataclass(frozen=True)
class ReplicaWrite:
    """A processed event for the store: ``stream`` is the adapter stream of its object."""

    event: Event
    stream: str | None
    stale: bool = False
    deleted_remote_ids: tuple[str, ...] = ()


def store_event(conn: Connection, write: ReplicaWrite, *, tenant: str, now: datetime) -> StoreWrite:
    """Write ``write`` under the module's rules, in the caller's transaction."""
    event = write.event
    connection_id = event.source.connection_id

    def put(records: list[PreparedRecord], stream: str) -> StoreWrite:
        return write_records(conn, records, tenant=tenant, connection_id=connection_id,
                             stream=stream, now=now)  # fmt: skip

    total = put([prepare(event, observed_at=now)], EVENTS_STREAM)
    if write.stale:
        return total
    stream = write.stream or EVENTS_STREAM
    if event.data is not None:
        total.add(put([prepare(event.data, observed_at=event.occurred_at)], stream))
    elif event.type.value.endswith(".deleted") and event.object_type and event.object_remote_id:
        gone = _tombstones(conn, tenant, connection_id, event.object_type,
                           [event.object_remote_id], event.occurred_at)  # fmt: skip
        total.add(put(gone, stream))
    model = event.data.object_type if event.data is not None else event.object_type
    if write.deleted_remote_ids and model is not None:
        merged = _tombstones(conn, tenant, connection_id, model, write.deleted_remote_ids,
                             event.occurred_at)  # fmt: skip
        total.add(put(merged, stream))
    return total


def _tombstones(
    conn: Connection,
    tenant: str,
    connection_id: str,
    model: str,
    remote_ids: Iterable[str],
    version_at: datetime,
) -> list[PreparedRecord]:
    """Deleted versions of the stored live records of ``remote_ids``."""
    cls = _CLASSES.get(model)
    ids = [canonical_id(model, connection_id, r) for r in remote_ids]
    if cls is None or not ids:
        return []
    scope_tenant(conn, tenant)
    query = sa.select(_RECORDS.c.data).where(
        _RECORDS.c.tenant == tenant,
        _RECORDS.c.model == model,
        _RECORDS.c.id.in_(ids),
        _RECORDS.c.deleted.is_(False),
    )
    found: list[PreparedRecord] = []
    for data in conn.execute(query).scalars():
        stored = cls.model_validate_json(data)
        gone = stored.model_copy(update={"remote_was_deleted": True, "updated_at": None})
        found.append(prepare(gone, observed_at=version_at))
    return found
