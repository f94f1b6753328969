"""Build the canonical ``Event`` of an inbox item, with the object it concerns, mapped.

The adapter reads the stored vendor event (``Adapter.webhook_event``): its canonical type,
the object it concerns, and that object's record, carried by the event or fetched through
``Adapter.fetch_record`` (in a retried DBOS step). The record is mapped with the
connection's active mapping, as a sync would map it. Adapters are third-party code: what
they raise besides Canonry's own errors fails the item with a ``PluginError`` naming the
exception's type (never its text, which may quote the vendor data).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from adapters import Adapter, WebhookEvent
from canonical import CanonryError, Event, MappingError, PluginError, Source
from webhooks._inbox import InboxItem
from webhooks.jobs._context import ConnectionContext

__all__ = [
    "Fetch",
    "build_event",
    "build_event_read",
    "deleted_remote_ids",
    "fetch_record",
    "read_event",
]

Fetch = Callable[[InboxItem, str, str], "dict[str, Any] | None"]
"""Fetch the current vendor record ``(item, stream, remote id)`` (a retried DBOS step)."""

_REPLAY_HINT = "fix the adapter, then `canonry webhooks replay ID`"


def _adapter_failed(item: InboxItem, hook: str, exc: Exception) -> PluginError:
    return PluginError(
        f"adapter {item.adapter!r} failed in {hook} for event {item.vendor_event_id!r}: "
        f"{type(exc).__name__}",
        hint=_REPLAY_HINT,
    )


def fetch_record(
    context: ConnectionContext, item: InboxItem, stream: str, remote_id: str
) -> dict[str, Any] | None:
    """The current record ``remote_id`` (the item's object, or the survivor the adapter
    named) of ``stream`` (None: the vendor no longer has it)."""
    adapter = context.adapter(item.tenant, item.connection_id)
    try:
        found = adapter.fetch_record(stream, remote_id)
    except CanonryError:
        raise
    except Exception as exc:
        raise _adapter_failed(item, "fetch_record", exc) from exc
    if found is not None and not isinstance(found, dict):
        raise _adapter_failed(item, "fetch_record", TypeError(type(found).__name__))
    return found


def read_event(adapter: Adapter, item: InboxItem) -> WebhookEvent:
    """The adapter's canonical reading of the item (its body is JSON the endpoint checked)."""
    try:
        read = adapter.webhook_event(
            event_type=item.vendor_event_type,
            object_type=item.object_type,
            object_id=item.object_id,
            payload=json.loads(item.body),
        )
    except CanonryError:
        raise
    except Exception as exc:
        raise _adapter_failed(item, "webhook_event", exc) from exc
    if not isinstance(read, WebhookEvent):
        raise _adapter_failed(item, "webhook_event", TypeError(type(read).__name__))
    return read


def _data(context: ConnectionContext, item: InboxItem, read: WebhookEvent, record: Any) -> Any:
    if read.stream is None or not isinstance(record, dict):
        return None
    mapper = context.mapper(item.tenant, item.connection_id, read.stream)
    try:
        return mapper(record)
    except MappingError:
        raise
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise MappingError(
            f"the {read.object_type} of event {item.vendor_event_id!r} does not map to a "
            f"valid canonical object: {type(exc).__name__}",
            hint="fix the connection's mapping, then `canonry webhooks replay ID`",
        ) from exc


def build_event(context: ConnectionContext, item: InboxItem, fetch: Fetch) -> Event:
    """The item as a canonical event; ``fetch`` gets the current object when needed."""
    return build_event_read(context, item, fetch)[0]


def build_event_read(
    context: ConnectionContext, item: InboxItem, fetch: Fetch
) -> tuple[Event, WebhookEvent]:
    """``build_event``, and the adapter's reading the event was built from."""
    read = read_event(context.adapter(item.tenant, item.connection_id), item)
    record = read.record
    if read.fetch and read.stream is not None:
        record = fetch(item, read.stream, read.remote_id or item.object_id or "")
    data = _data(context, item, read, record)
    if data is not None and read.type.value.endswith(".deleted"):
        data = data.model_copy(update={"remote_was_deleted": True})
    concerns = read.object_type if data is None and item.object_id else None
    return Event(
        type=read.type,
        source=Source(adapter=item.adapter, connection_id=item.connection_id),
        vendor_event_id=item.vendor_event_id,
        vendor_event_type=item.vendor_event_type,
        occurred_at=item.occurred_at,
        object_type=concerns,
        object_remote_id=item.object_id if concerns else None,
        data=data,
    ), read


def deleted_remote_ids(context: ConnectionContext, item: InboxItem) -> tuple[str, ...]:
    """The ids the event removed besides its own object (a merge's merged-away records),
    read again from the stored body (no vendor call): for a round that carries the event
    from an earlier one."""
    return read_event(context.adapter(item.tenant, item.connection_id), item).deleted_remote_ids
