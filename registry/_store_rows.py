"""From a canonical object to the store's row: canonical JSON, content hash, filter columns."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from canonical import CanonicalModel, Customer, Event, Invoice

__all__ = [
    "FILTER_COLUMNS",
    "FILTER_TIMES",
    "MODELS",
    "PreparedRecord",
    "prepare",
    "tombstone_json",
]

MODELS = ("customer", "invoice", "event")
"""The store's model keys (the canonical ``object`` values)."""

Storable = CanonicalModel | Event
_EXCLUDE_RECORD: Any = {"remote_data"}
_EXCLUDE_EVENT: Any = {"data": {"remote_data"}}


@dataclass(slots=True)
class PreparedRecord:
    """One object ready to write; ``data`` is its canonical JSON without ``remote_data``.
    ``filters`` holds the filter columns in ``FILTER_COLUMNS`` order."""

    model: str
    id: str
    remote_id: str
    data: str
    content_hash: str
    deleted: bool
    version_at: datetime | None
    remote_data: str | None
    filters: tuple[Any, ...]


def _hash(data: str) -> str:
    return hashlib.sha256(data.encode()).hexdigest()


FILTER_COLUMNS = (
    "email", "status", "currency", "customer_id", "event_type",
    "issued_at", "due_at", "occurred_at",
)  # fmt: skip
"""The per-model filter columns, in the order of ``PreparedRecord.filters``."""
FILTER_TIMES = frozenset({"issued_at", "due_at", "occurred_at"})


def _filters(obj: Storable) -> tuple[Any, ...]:
    if isinstance(obj, Customer):
        email = obj.email.lower() if obj.email is not None else None
        return (email, None, obj.currency, None, None, None, None, None)
    if isinstance(obj, Invoice):
        return (None, obj.status.value, obj.currency, obj.customer_id, None,
                obj.issued_at, obj.due_at, None)  # fmt: skip
    if isinstance(obj, Event):
        return (None, None, None, None, obj.type.value, None, None, obj.occurred_at)
    return (None,) * len(FILTER_COLUMNS)


def prepare(obj: Storable, *, observed_at: datetime) -> PreparedRecord:
    """The row of ``obj``. Its version is the vendor's ``updated_at`` when it has one (an
    event: when it occurred), else ``observed_at`` (when Canonry read it). Its
    ``remote_data`` is kept when the object carries it (the connection asked for it)."""
    if isinstance(obj, Event):
        data = obj.model_dump_json(exclude=_EXCLUDE_EVENT)
        return PreparedRecord(
            model="event",
            id=obj.id,
            remote_id=obj.vendor_event_id,
            data=data,
            content_hash=_hash(data),
            deleted=False,
            version_at=obj.occurred_at,
            remote_data=None,
            filters=_filters(obj),
        )
    data = obj.model_dump_json(exclude=_EXCLUDE_RECORD)
    raw = obj.remote_data
    return PreparedRecord(
        model=obj.object_type,
        id=obj.id,
        remote_id=obj.remote_id,
        data=data,
        content_hash=_hash(data),
        deleted=obj.remote_was_deleted,
        version_at=obj.updated_at or observed_at,
        remote_data=json.dumps(raw, separators=(",", ":"), default=str) if raw else None,
        filters=_filters(obj),
    )


def tombstone_json(data: str) -> tuple[str, str]:
    """The stored JSON of a record with ``remote_was_deleted`` set, and its hash."""
    payload = json.loads(data)
    payload["remote_was_deleted"] = True
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return text, _hash(text)
