"""Full and incremental reads of one Stripe stream, as pages with resumable cursors.

Cursor shapes (JSON, interpreted only here):

* ``{"mode": "full", "after": <last id or None>, "created", "tied", "anchor": {...}}`` while
  a full listing runs (``_listing``): a resumed run continues with ``starting_after``, or by
  time when that object is gone; ``anchor`` is the events position captured when the
  listing started.
* ``{"mode": "events", "event_id": <id or None>, "event_created": <unix or None>,
  "since": <unix or None>}`` afterwards: later runs read ``/v1/events`` newer than
  ``event_id`` (``ending_before``), or created at/after ``since`` when there is no anchor
  event yet, oldest first, and emit each touched object's *current* state.

Objects created or changed while a full listing runs are covered by the events after the
anchor, so nothing is skipped; an event cursor older than Stripe's event retention (30 days),
or whose event Stripe no longer has, falls back to a full listing marked
``Page.snapshot_start`` (the store tombstones what it does not show) and says so in
``Page.notes``. Objects are fetched at the pinned version; only a deletion's tombstone comes
from the event itself, brought to the pinned shape (``_versions``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from adapters._contract import Cursor, Page
from adapters.stripe._client import StripeClient
from adapters.stripe._listing import FullListing
from adapters.stripe._resources import StripeResource, tombstone
from canonical import ConfigurationError, InvalidRequestError, NotFoundError

__all__ = ["StripeStreamReader"]

logger = logging.getLogger("canonry.adapters.stripe")

_DAY = 86_400
_SAFETY = 3_600  # treat cursors this close to the retention limit as expired
_SKEW = 300  # clock skew allowance between us and Stripe, in seconds


class StripeStreamReader:
    """Reads one stream (customers or invoices) for one connection."""

    def __init__(
        self,
        client: StripeClient,
        resource: StripeResource,
        *,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.resource = resource
        self.config = client.config
        self._now = now

    def read(self, cursor: Cursor | None) -> Iterator[Page]:
        mode = cursor.get("mode") if cursor else None
        if cursor is None or mode == "full":
            yield from self._full(cursor, [])
        elif mode == "events":
            note = self._expiry_note(cursor)
            if note:
                logger.warning("stripe %s: %s", self.resource.stream, note)
                yield from self._full(None, [note], snapshot=True)
            else:
                yield from self._events(cursor)
        else:
            raise ConfigurationError(
                f"not a Stripe {self.resource.stream} cursor: mode {mode!r}",
                hint="reset the connection's cursor to run a full sync",
            )

    def fetch(self, object_id: str) -> dict[str, Any] | None:
        """One object's current state at the pinned version (None: Stripe no longer has it)."""
        try:
            obj = self.client.get(
                self.resource.object_path(object_id), {"expand": self._expand("")}
            )
        except NotFoundError:
            return None
        return self._complete(obj)

    # full listing -----------------------------------------------------------------
    def _full(
        self, cursor: Cursor | None, notes: list[str], *, snapshot: bool = False
    ) -> Iterator[Page]:
        anchor = cursor["anchor"] if cursor else self._anchor()
        listing = FullListing(self.client, self.resource, self._complete, self._expand("data."))
        yield from listing.pages(cursor, anchor, notes, snapshot)

    def _anchor(self) -> dict[str, Any]:
        """The newest event of this stream's types right now (the incremental start)."""
        data, _ = self.client.list_page("/v1/events", limit=1, types=self._types())
        if data:
            return {"event_id": data[0]["id"], "event_created": data[0]["created"], "since": None}
        return {"event_id": None, "event_created": None, "since": int(self._now()) - _SKEW}

    # events ---------------------------------------------------------------------------
    def _events(self, cursor: Cursor) -> Iterator[Page]:
        event_id: str | None = cursor.get("event_id")
        if event_id is None:
            oldest = self._oldest_since(int(cursor["since"]))
            if oldest is None:  # nothing new: later events are created after now - skew
                since = max(int(cursor["since"]), int(self._now()) - _SKEW)
                yield Page([], {**cursor, "since": since})
                return
            event_id = oldest["id"]
            yield Page(self._records_for([oldest]), self._event_cursor(oldest))
        yield from self._events_after(event_id, cursor)

    def _events_after(self, event_id: str, cursor: Cursor) -> Iterator[Page]:
        while True:
            try:
                data, has_more = self.client.list_page(
                    "/v1/events",
                    limit=self.config.page_size,
                    ending_before=event_id,
                    types=self._types(),
                )
            except (NotFoundError, InvalidRequestError) as exc:
                if exc.code != "resource_missing":
                    raise
                note = f"event {event_id} no longer exists at Stripe; ran a full sync instead"
                logger.warning("stripe %s: %s", self.resource.stream, note)
                yield from self._full(None, [note], snapshot=True)
                return
            if not data:
                yield Page([], self._quiet_cursor(cursor, event_id))
                return
            events = data[::-1]  # Stripe answers newest first; emit oldest first
            event_id = events[-1]["id"]
            cursor = self._event_cursor(events[-1])
            yield Page(self._records_for(events), cursor)
            if not has_more:
                return

    def _oldest_since(self, since: int) -> dict[str, Any] | None:
        oldest: dict[str, Any] | None = None
        after: str | None = None
        while True:
            data, has_more = self.client.list_page(
                "/v1/events",
                limit=self.config.page_size,
                starting_after=after,
                types=self._types(),
                created={"gte": since},
            )
            if data:
                oldest, after = data[-1], data[-1]["id"]
            if not has_more or not data:
                return oldest

    def _records_for(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The current state of every object the events touch, once each, in event order."""
        last: dict[str, dict[str, Any]] = {}
        for event in events:
            object_id = self.resource.concerns(event)
            if object_id is not None:
                last.pop(object_id, None)
                last[object_id] = event
        return [self._current(object_id, event) for object_id, event in last.items()]

    def _current(self, object_id: str, event: dict[str, Any]) -> dict[str, Any]:
        found = None if event.get("type") == self.resource.deleted_event else self.fetch(object_id)
        if found is None:
            return tombstone(self.resource, event, api_version=self.config.api_version)
        return found

    # helpers --------------------------------------------------------------------------
    def _complete(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Invoices with every line: follow ``lines.has_more`` through the lines endpoint."""
        lines = obj.get("lines")
        if self.resource.object != "invoice" or not isinstance(lines, dict):
            return obj
        if not lines.get("has_more"):
            return obj
        data = list(lines.get("data") or [])
        more = True
        while more:
            page, more = self.client.list_page(
                f"/v1/invoices/{obj['id']}/lines",
                limit=100,
                starting_after=data[-1]["id"] if data else None,
            )
            data.extend(page)
            more = more and bool(page)
        return {**obj, "lines": {**lines, "data": data, "has_more": False}}

    def _expand(self, prefix: str) -> list[str] | None:
        if self.resource.object == "invoice" and self.config.expand_customer:
            return [f"{prefix}customer"]
        return None

    def _types(self) -> list[str]:
        return list(self.resource.event_types)

    def _event_cursor(self, event: dict[str, Any]) -> Cursor:
        return {
            "mode": "events",
            "event_id": event["id"],
            "event_created": event["created"],
            "since": None,
        }

    def _quiet_cursor(self, cursor: Cursor, event_id: str) -> Cursor:
        """No newer events: keep the anchor, or switch to a time once the anchor ages."""
        created = cursor.get("event_created")
        half_life = self.config.event_retention_days * _DAY // 2
        if isinstance(created, int) and self._now() - created > half_life:
            since = int(self._now()) - _SKEW
            return {"mode": "events", "event_id": None, "event_created": None, "since": since}
        return {**cursor, "event_id": event_id}

    def _expiry_note(self, cursor: Cursor) -> str | None:
        reference = cursor.get("event_created") if cursor.get("event_id") else cursor["since"]
        if not isinstance(reference, int | float):
            return None
        limit = self.config.event_retention_days * _DAY - _SAFETY
        age = self._now() - reference
        if age <= limit:
            return None
        days = age / _DAY
        return (
            f"the saved event cursor is {days:.1f} days old and Stripe keeps events for "
            f"{self.config.event_retention_days} days; re-reading every "
            f"{self.resource.object} (full sync)"
        )
