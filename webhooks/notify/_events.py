"""The notifications' bodies, built from outbox rows (Standard Webhooks payload shape).

Every body is ``{"type", "timestamp", "data"}``. The record-store rows of one connection
and model taken in one poll are coalesced into one ``records.changed`` (the counts summed,
the cursor of the earliest): a sync of a thousand pages is not a thousand notifications.

- ``records.changed``: ``tenant``, ``connection_id``, ``connection``, ``model``
  (``customers``/``invoices``/``events``), ``changed``, ``deleted``, ``cursor`` (pass it to
  ``GET /v1/{model}?cursor=`` or ``reg.records(model, cursor=...)`` to read exactly what
  changed since, tombstones included), ``seq`` (``after``, ``through``).
- ``sync.failed``: ``tenant``, ``connection_id``, ``connection``, ``stream``, ``run_id``,
  ``error``.
- ``connection.needs_reauth``: ``tenant``, ``connection_id``, ``connection``, ``reason``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from registry._outbox import RECORDS_CHANGED, OutboxEntry
from registry._store_query import encode_cursor

__all__ = ["TEST_EVENT", "NewEvent", "build_body", "events_from_outbox", "new_event_id"]

TEST_EVENT = "canonry.test"
_COLLECTIONS = {"customer": "customers", "invoice": "invoices", "event": "events"}


@dataclass(frozen=True)
class NewEvent:
    id: str
    tenant: str
    type: str
    body: str


def new_event_id() -> str:
    """``msg_<32 hex>``: the ``webhook-id`` of every attempt of the event."""
    return f"msg_{uuid.uuid4().hex}"


def build_body(event_type: str, data: Mapping[str, Any], now: datetime) -> str:
    payload = {"type": event_type, "timestamp": now.isoformat(), "data": dict(data)}
    return json.dumps(payload, separators=(",", ":"), default=str)


def _changed(group: list[OutboxEntry], name: str | None) -> dict[str, Any]:
    first = group[0]
    assert first.model is not None
    after = min(e.seq_before or 0 for e in group)
    return {
        "tenant": first.tenant, "connection_id": first.connection_id, "connection": name,
        "model": _COLLECTIONS.get(first.model, first.model),
        "changed": sum(e.changed for e in group), "deleted": sum(e.deleted for e in group),
        "cursor": encode_cursor(first.model, after),
        "seq": {"after": after, "through": max(e.last_seq or 0 for e in group)},
    }  # fmt: skip


def _other(entry: OutboxEntry, name: str | None) -> dict[str, Any]:
    details = {k: v for k, v in entry.data.items() if v is not None}
    return {"tenant": entry.tenant, "connection_id": entry.connection_id, "connection": name,
            **details}  # fmt: skip


def events_from_outbox(
    entries: Sequence[OutboxEntry], names: Mapping[str, str], now: datetime
) -> list[NewEvent]:
    """One event per (tenant, connection, model) of record changes, one per other row;
    ``names``: connection id -> name (absent for a removed connection)."""
    groups: dict[tuple[str, str, str | None], list[OutboxEntry]] = {}
    singles: list[OutboxEntry] = []
    for entry in entries:
        if entry.kind == RECORDS_CHANGED:
            groups.setdefault((entry.tenant, entry.connection_id, entry.model), []).append(entry)
        else:
            singles.append(entry)
    events = [
        NewEvent(new_event_id(), g[0].tenant, RECORDS_CHANGED,
                 build_body(RECORDS_CHANGED, _changed(g, names.get(g[0].connection_id)), now))
        for g in groups.values()
    ]  # fmt: skip
    events += [
        NewEvent(new_event_id(), e.tenant, e.kind,
                 build_body(e.kind, _other(e, names.get(e.connection_id)), now))
        for e in singles
    ]  # fmt: skip
    return events
