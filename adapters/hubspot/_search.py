"""Read every record modified at or after a position, through HubSpot's CRM search.

The search answers at most ``search_cap`` (10,000) results per query and pages by offset,
so a long query both hits the cap and drifts when records change under it. Each page is
therefore its own narrowed query: ``modified >= ts`` sorted ascending, where ``ts`` is the
newest modification time already emitted (keyset pagination). Records already emitted at
exactly ``ts`` are skipped by id. Only a run of records sharing one timestamp pages by
offset; if that run alone exceeds the cap, it is drained by ``hs_object_id`` instead.
The position after each page is ``(ts, ids emitted at ts, ts_done)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from adapters.hubspot._client import HubSpotClient
from adapters.hubspot._streams import HubSpotStream
from canonical import AdapterError

__all__ = ["Position", "SearchReader", "modified_ms"]


@dataclass
class Position:
    """Where a search read stands: newest emitted timestamp (ms) and the ids emitted at it."""

    ts: int = 0
    ids: list[str] = field(default_factory=list)
    done: bool = False  # every record at ``ts`` was read (after a drain): continue with > ts

    def take(self, record: dict[str, Any], ts: int) -> bool:
        """Record ``record`` at ``ts`` unless already emitted; True when it is new."""
        if ts < self.ts or (ts == self.ts and (self.done or record["id"] in self.ids)):
            return False
        if ts > self.ts:
            self.ts, self.ids, self.done = ts, [], False
        self.ids.append(record["id"])
        return True


def modified_ms(record: dict[str, Any], prop: str) -> int:
    """The record's last-modified time in epoch milliseconds (property, else ``updatedAt``)."""
    raw = (record.get("properties") or {}).get(prop) or record.get("updatedAt")
    if raw is None:
        raise AdapterError(f"HubSpot record {record.get('id')} has no {prop}", code="bad_shape")
    text = str(raw)
    if text.isdigit():
        return int(text)
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


class SearchReader:
    """Pages of one stream's records changed since a ``Position``."""

    def __init__(self, client: HubSpotClient, stream: HubSpotStream, properties: list[str]):
        self.client = client
        self.stream = stream
        self.properties = properties
        self.limit = client.config.page_size
        self.cap = client.config.search_cap

    def pages(self, pos: Position) -> Iterator[list[dict[str, Any]]]:
        """Yield new records page by page; ``pos`` is updated before each yield."""
        query_ts, offset = pos.ts, 0
        while True:
            op = "GT" if pos.done else "GTE"
            answer = self._search([self._filter(op, query_ts)], self.stream.modified, offset)
            results: list[dict[str, Any]] = answer.get("results") or []
            fresh = [r for r in results if pos.take(r, modified_ms(r, self.stream.modified))]
            more = _has_next(answer) and bool(results)
            if fresh or not more:
                yield fresh
            if not more:
                return
            if pos.ts > query_ts:  # progressed: a new, narrower query
                query_ts, offset = pos.ts, 0
                continue
            offset += len(results)  # inside one timestamp: page on by offset
            if offset + self.limit > self.cap:
                yield from self._drain(pos)
                query_ts, offset = pos.ts, 0

    def _drain(self, pos: Position) -> Iterator[list[dict[str, Any]]]:
        """Every record modified exactly at ``pos.ts``, by ascending id (no offset, no cap)."""
        last_id = "0"
        while True:
            after_id = {"propertyName": "hs_object_id", "operator": "GT", "value": last_id}
            filters = [self._filter("EQ", pos.ts), after_id]
            answer = self._search(filters, "hs_object_id", 0)
            results: list[dict[str, Any]] = answer.get("results") or []
            fresh = [r for r in results if r["id"] not in pos.ids]
            pos.ids.extend(r["id"] for r in fresh)
            if results:
                last_id = results[-1]["id"]
            if not _has_next(answer) or not results:
                pos.done, pos.ids = True, []
                yield fresh
                return
            yield fresh

    def _filter(self, op: str, ts: int) -> dict[str, Any]:
        return {"propertyName": self.stream.modified, "operator": op, "value": str(ts)}

    def _search(self, filters: list[dict[str, Any]], sort: str, offset: int) -> dict[str, Any]:
        body: dict[str, Any] = {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
            "properties": self.properties,
            "limit": self.limit,
        }
        if offset:
            body["after"] = str(offset)
        return self.client.search(self.stream.object_type, body)


def _has_next(answer: dict[str, Any]) -> bool:
    return bool(((answer.get("paging") or {}).get("next") or {}).get("after"))
