"""A full listing of one Stripe stream that resumes even when its cursor object is gone.

Stripe lists newest first (``created`` descending) and pages with ``starting_after=<id>``;
it refuses (400 ``resource_missing``) an id that no longer exists, so a resume after the
last listed object was deleted cannot continue from it. The cursor therefore also keeps
that object's ``created`` time and the ids already emitted at exactly that time
(``tied``): the listing resumes with ``created[lte]=<created>`` and skips the tied ids, so
nothing is lost and nothing repeats. When the tie set outgrew ``MAX_TIED`` (or a cursor
written before this rule has no time), the listing restarts from the top as a snapshot
(``Page.snapshot_start``): the store then tombstones what it no longer shows.

Full-listing cursor: ``{"mode": "full", "after", "created", "tied", "anchor"}``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from adapters._contract import Cursor, Page
from adapters.stripe._client import StripeClient
from adapters.stripe._resources import StripeResource
from canonical import InvalidRequestError, NotFoundError

__all__ = ["MAX_TIED", "FullListing"]

logger = logging.getLogger("canonry.adapters.stripe")

MAX_TIED = 200
"""Most ids kept for objects sharing the last ``created`` second (keeps cursors small)."""

Json = dict[str, Any]


@dataclass
class _Position:
    after: str | None = None
    created: int | None = None
    tied: list[str] | None = field(default_factory=list)
    by_time: bool = False  # next request: created[lte]=created, no starting_after

    @classmethod
    def of(cls, cursor: Cursor | None) -> _Position:
        if not cursor:
            return cls()
        created = cursor.get("created")
        tied = cursor.get("tied", None if created is None else [])
        return cls(cursor.get("after"), created, tied)

    def advance(self, data: list[Json]) -> None:
        last = data[-1]["created"]
        same: list[str] | None = [o["id"] for o in data if o.get("created") == last]
        if last == self.created:  # the tie runs on from the previous page
            same = None if self.tied is None else list(dict.fromkeys([*self.tied, *(same or [])]))
        self.after, self.created, self.by_time = data[-1]["id"], last, False
        self.tied = same if same is not None and len(same) <= MAX_TIED else None

    def params(self) -> Json:
        if self.by_time:
            return {"created": {"lte": self.created}}
        return {"starting_after": self.after}

    def cursor(self, anchor: Json) -> Cursor:
        return {"mode": "full", "after": self.after, "created": self.created,
                "tied": self.tied, "anchor": anchor}  # fmt: skip


class FullListing:
    """Pages of every object of one stream, each completed by ``complete``."""

    def __init__(
        self,
        client: StripeClient,
        resource: StripeResource,
        complete: Callable[[Json], Json],
        expand: list[str] | None,
    ) -> None:
        self.client, self.resource = client, resource
        self._complete, self._expand = complete, expand

    def pages(
        self, cursor: Cursor | None, anchor: Json, notes: list[str], snapshot: bool
    ) -> Iterator[Page]:
        pos = _Position.of(cursor)
        skip = set(pos.tied or []) if pos.by_time else set()
        while True:
            try:
                data, has_more = self.client.list_page(
                    self.resource.path,
                    limit=self.client.config.page_size,
                    expand=self._expand,
                    **pos.params(),
                )
            except (NotFoundError, InvalidRequestError) as exc:
                if exc.code != "resource_missing" or pos.by_time or pos.after is None:
                    raise
                note = self._lost_cursor(pos)
                skip, snapshot = set(pos.tied or []), snapshot or not pos.by_time
                notes = [*notes, note]
                continue
            records = [self._complete(obj) for obj in data if obj["id"] not in skip]
            if data:
                pos.advance(data)
            if has_more and data:
                yield Page(records, pos.cursor(anchor), notes, snapshot)
                notes, snapshot = [], False
                continue
            yield Page(records, {"mode": "events", **anchor}, notes, snapshot)
            return

    def _lost_cursor(self, pos: _Position) -> str:
        """Where to go on when Stripe no longer has the object we resume after."""
        gone = pos.after
        if pos.created is not None and pos.tied is not None:
            pos.by_time = True
            what = f"resuming at objects created at or before {pos.created}"
        else:
            pos.after, pos.created, pos.tied = None, None, []
            what = "restarting the listing (deletions are reconciled)"
        note = f"{self.resource.object} {gone} (the resume point) no longer exists; {what}"
        logger.warning("stripe %s: %s", self.resource.stream, note)
        return note
