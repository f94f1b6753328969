"""Build the canonical ``Event`` of an inbox item, with the object it concerns, mapped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from canonical import Event, MappingError, Source
from webhooks._inbox import InboxItem
from webhooks.jobs._context import ConnectionContext
from webhooks.jobs._vendors import EventPlan, fetch_hubspot, plan_for

__all__ = ["Fetch", "build_event", "fetch_record"]

Fetch = Callable[[InboxItem, str], "dict[str, Any] | None"]
"""Fetch the current vendor record of an item's object (run as a retried DBOS step)."""


def fetch_record(context: ConnectionContext, item: InboxItem, stream: str) -> dict[str, Any] | None:
    adapter = context.adapter(item.tenant, item.connection_id)
    return fetch_hubspot(adapter, stream, item.object_id or "")


def _data(context: ConnectionContext, item: InboxItem, plan: EventPlan, record: Any) -> Any:
    if plan.stream is None or not isinstance(record, dict):
        return None
    mapper = context.mapper(item.tenant, item.connection_id, plan.stream)
    try:
        return mapper(record)
    except MappingError:
        raise
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise MappingError(
            f"the {plan.object_type} of event {item.vendor_event_id!r} does not map to a "
            f"valid canonical object: {type(exc).__name__}",
            hint="fix the connection's mapping, then `canonry webhooks replay ID`",
        ) from exc


def build_event(context: ConnectionContext, item: InboxItem, fetch: Fetch) -> Event:
    """The item as a canonical event; ``fetch`` gets the current object when needed."""
    plan = plan_for(item)
    record = plan.record
    if plan.fetch and plan.stream is not None:
        record = fetch(item, plan.stream)
    data = _data(context, item, plan, record)
    if data is not None and plan.type.value.endswith(".deleted"):
        data = data.model_copy(update={"remote_was_deleted": True})
    concerns = plan.object_type if data is None and item.object_id else None
    return Event(
        type=plan.type,
        source=Source(adapter=item.adapter, connection_id=item.connection_id),
        vendor_event_id=item.vendor_event_id,
        vendor_event_type=item.vendor_event_type,
        occurred_at=item.occurred_at,
        object_type=concerns,
        object_remote_id=item.object_id if concerns else None,
        data=data,
    )
