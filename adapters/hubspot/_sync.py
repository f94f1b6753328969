"""Full and incremental reads of one HubSpot stream, as pages with resumable cursors.

A run has two phases. ``search``: every record modified since the cursor's position, in
modification order (see ``_search``); the first run starts at the epoch, so the full and
the incremental sync are one code path. ``archived``: the basic list API with
``archived=true``; records archived since the last run (with a small overlap, deduplicated
by id) come out with ``archived: true`` and map to ``remote_was_deleted``.

Cursor (JSON, interpreted only here)::

    {"phase": "search" | "archived", "ts": <ms>, "recent": {<id>: <modified ms>},
     "drain": [<ms>, <last id>] | None,
     "archived_after": <paging token or None>, "archived_mark": <ms>,
     "archived_recent": {<id>: <archivedAt ms>}}
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from adapters._contract import Cursor, Page
from adapters.hubspot._client import HubSpotClient
from adapters.hubspot._invoices import attach_invoice_details
from adapters.hubspot._search import Position, SearchReader
from adapters.hubspot._streams import HubSpotStream
from canonical import ConfigurationError

__all__ = ["HubSpotStreamReader"]

_START: dict[str, Any] = {
    "phase": "search",
    "ts": 0,
    "recent": {},
    "drain": None,
    "archived_after": None,
    "archived_mark": 0,
    "archived_recent": {},
}


class HubSpotStreamReader:
    """Reads one stream (contacts, companies or invoices) for one connection."""

    def __init__(self, client: HubSpotClient, stream: HubSpotStream, properties: list[str]):
        self.client = client
        self.stream = stream
        self.properties = properties
        self.lookback_ms = client.config.archived_lookback_seconds * 1000
        self.search_lookback_ms = client.config.search_lookback_seconds * 1000

    def read(self, cursor: Cursor | None) -> Iterator[Page]:
        state = {**_START, **(cursor or {})}
        if state["phase"] == "search":
            pos = _position(state)
            reader = SearchReader(
                self.client, self.stream, self.properties, self.search_lookback_ms
            )
            for records in reader.pages(pos):
                drain = list(pos.drain) if pos.drain else None
                state.update(ts=pos.ts, recent=dict(pos.recent), drain=drain)
                yield Page(self._complete(records), dict(state))
            state.update(phase="archived", archived_after=None)
        elif state["phase"] != "archived":
            raise ConfigurationError(
                f"not a HubSpot {self.stream.name} cursor: phase {state['phase']!r}",
                hint="reset the connection's cursor to run a full sync",
            )
        yield from self._archived(state)

    def _archived(self, state: dict[str, Any]) -> Iterator[Page]:
        threshold = int(state["archived_mark"]) - self.lookback_ms
        recent: dict[str, int] = dict(state["archived_recent"])
        while True:
            answer = self.client.list_page(
                self.stream.object_type,
                properties=self.properties,
                after=state["archived_after"],
                archived=True,
            )
            fresh = []
            for record in answer.get("results") or []:
                when = _archived_ms(record)
                if when > threshold and record["id"] not in recent:
                    recent[record["id"]] = when
                    fresh.append(record)
            after = ((answer.get("paging") or {}).get("next") or {}).get("after")
            if after:
                state.update(archived_after=after, archived_recent=dict(recent))
                yield Page(fresh, dict(state))
                continue
            mark = max([int(state["archived_mark"]), *recent.values()])
            keep = {i: ms for i, ms in recent.items() if ms > mark - self.lookback_ms}
            state.update(
                phase="search", archived_after=None, archived_mark=mark, archived_recent=keep
            )
            yield Page(fresh, dict(state))
            return

    def _complete(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.stream.object_type == "invoices":
            return attach_invoice_details(self.client, records)
        return records


def _position(state: dict[str, Any]) -> Position:
    """The search position of a cursor (a cursor of 1.0, with ``ids``, is read too)."""
    ts = int(state["ts"])
    recent = {str(i): int(ms) for i, ms in dict(state.get("recent") or {}).items()}
    recent.update({str(i): ts for i in state.pop("ids", None) or []})
    state.pop("done", None)
    drain = state.get("drain")
    return Position(ts, recent, (int(drain[0]), str(drain[1])) if drain else None)


def _archived_ms(record: dict[str, Any]) -> int:
    raw = record.get("archivedAt") or record.get("updatedAt")
    if not raw:
        return 0
    return int(datetime.fromisoformat(str(raw).replace("Z", "+00:00")).timestamp() * 1000)
