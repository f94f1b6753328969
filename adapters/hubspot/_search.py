"""Read every record modified at or after a position, through HubSpot's CRM search.

Three facts of HubSpot's search shape this reader. It answers at most ``search_cap``
(10,000) results per query and pages by offset, which drifts when records change under it:
so no query is ever paged by offset. Each page is its own query, ``modified >= t`` sorted
ascending, where ``t`` is the newest modification time of the previous page (keyset
pagination). HubSpot documents no order among records tied on one timestamp (and accepts
a single sort): a page made only of records at ``t`` is followed by reading ``t`` alone by
id (``modified = t AND hs_object_id > last``, sorted by id), then ``modified >= t + 1``.
And the search index lags writes, not always in write order: every run starts
``lookback_ms`` before the newest timestamp already emitted, and drops records already
emitted at the same (id, modified) (``Position.recent``, bounded by the window and
``MAX_RECENT``). A record may therefore come twice (never in an older version after a
newer one); none is skipped unless it stays unindexed for longer than the window.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from adapters.hubspot._client import HubSpotClient
from adapters.hubspot._streams import HubSpotStream
from canonical import AdapterError

__all__ = ["MAX_RECENT", "Position", "SearchReader", "modified_ms"]

MAX_RECENT = 1_000
"""At most this many (id, modified) pairs are remembered; past it, the oldest are dropped
(those records may then be emitted again: a duplicate, never a loss)."""


@dataclass
class Position:
    """Where a search read stands (JSON in the stream cursor, see ``_sync``)."""

    ts: int = 0
    """The newest modification time (epoch ms) emitted."""
    recent: dict[str, int] = field(default_factory=dict)
    """id -> modification time emitted, for records modified within the lookback window."""
    drain: tuple[int, str] | None = None
    """(timestamp, last id) while one timestamp is read by id."""

    def take(self, record: dict[str, Any], ms: int) -> bool:
        """Remember ``record`` at ``ms`` unless already emitted at it (or later); True: new."""
        if self.recent.get(record["id"], -1) >= ms:
            return False
        self.recent[record["id"]] = ms
        self.ts = max(self.ts, ms)
        return True

    def trim(self, window_ms: int) -> None:
        """Forget what was emitted before the window (and all but the newest ``MAX_RECENT``)."""
        floor = self.ts - window_ms
        kept = {i: ms for i, ms in self.recent.items() if ms >= floor}
        if len(kept) > MAX_RECENT:
            newest = sorted(kept.items(), key=lambda item: item[1], reverse=True)[:MAX_RECENT]
            kept = dict(newest)
        self.recent = kept


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

    def __init__(
        self,
        client: HubSpotClient,
        stream: HubSpotStream,
        properties: list[str],
        lookback_ms: int = 0,
    ):
        self.client = client
        self.stream = stream
        self.properties = properties
        self.limit = min(client.config.page_size, client.config.search_cap)
        self.lookback_ms = lookback_ms

    def pages(self, pos: Position) -> Iterator[list[dict[str, Any]]]:
        """Yield new records page by page; ``pos`` is updated before each yield."""
        low = max(0, pos.ts - self.lookback_ms) if pos.ts else 0
        drained: set[int] = set()
        if pos.drain is not None:  # resume reading one timestamp by id
            ts, after = pos.drain
            yield from self._drain(pos, ts, after)
            drained.add(ts)
        while True:
            answer = self._search([self._filter("GTE", low)], self.stream.modified)
            results: list[dict[str, Any]] = answer.get("results") or []
            stamps = [modified_ms(r, self.stream.modified) for r in results]
            fresh = [r for r, ms in zip(results, stamps, strict=True) if pos.take(r, ms)]
            if not (_has_next(answer) and results):
                yield self._emit(pos, fresh)
                return
            if fresh:
                yield self._emit(pos, fresh)
            if stamps[-1] > low:
                low = stamps[-1]  # keyset: the next query starts at the page's newest time
                continue
            if low not in drained:  # a full page on one timestamp: read that one by id
                yield from self._drain(pos, low, "0")
                drained.add(low)
            low += 1

    def _drain(self, pos: Position, ts: int, after: str) -> Iterator[list[dict[str, Any]]]:
        """Every record modified exactly at ``ts`` with an id above ``after``, by id."""
        while True:
            after_id = {"propertyName": "hs_object_id", "operator": "GT", "value": after}
            answer = self._search([self._filter("EQ", ts), after_id], "hs_object_id")
            results: list[dict[str, Any]] = answer.get("results") or []
            fresh = [r for r in results if pos.take(r, modified_ms(r, self.stream.modified))]
            if results:
                after = str(results[-1]["id"])
            more = _has_next(answer) and bool(results)
            pos.drain = (ts, after) if more else None
            yield self._emit(pos, fresh)
            if not more:
                return

    def _emit(self, pos: Position, fresh: list[dict[str, Any]]) -> list[dict[str, Any]]:
        pos.trim(self.lookback_ms)
        return fresh

    def _filter(self, op: str, ts: int) -> dict[str, Any]:
        return {"propertyName": self.stream.modified, "operator": op, "value": str(ts)}

    def _search(self, filters: list[dict[str, Any]], sort: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
            "properties": self.properties,
            "limit": self.limit,
        }
        return self.client.search(self.stream.object_type, body)


def _has_next(answer: dict[str, Any]) -> bool:
    return bool(((answer.get("paging") or {}).get("next") or {}).get("after"))
