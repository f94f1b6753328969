"""The fake's CRM search index: lagging writes, ties in arbitrary order, the result cap.

HubSpot's search reads an index that lags writes: a write becomes searchable a little
later, and not necessarily in write order. Here a write becomes searchable after ``lag``
later writes (per index, or per write), and until then search sees the record's previous
indexed version, or nothing. HubSpot documents no order among results that tie on the sort
property: here ties come in a seeded random order that changes with every query
(``tie_seed=None`` sorts them by id). Only one sort is accepted, as HubSpot's docs state,
and paging past ``cap`` results is a 400.
"""

from __future__ import annotations

import bisect
import copy
import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

__all__ = ["SearchIndex", "modified_prop"]

Json = dict[str, Any]
MODIFIED = {"contacts": "lastmodifieddate"}  # other object types use hs_lastmodifieddate
_OPS: dict[str, Callable[[int, int], bool]] = {
    "EQ": int.__eq__,
    "NEQ": int.__ne__,
    "GT": int.__gt__,
    "GTE": int.__ge__,
    "LT": int.__lt__,
    "LTE": int.__le__,
}


def modified_prop(object_type: str) -> str:
    return MODIFIED.get(object_type, "hs_lastmodifieddate")


class SearchIndex:
    """Searchable snapshots of a portal's live records, keyed by (modified ms, id)."""

    def __init__(self, *, lag: int = 0, tie_seed: int | None = 0, cap: int = 10_000) -> None:
        self.lag, self.tie_seed, self.cap = lag, tie_seed, cap
        self.docs: dict[str, dict[str, Json]] = {}  # type -> id -> indexed snapshot
        self.keys: dict[str, list[tuple[int, int]]] = {}
        self.pending: list[list[Any]] = []  # [writes still to wait, type, live record]
        self.queries = 0

    # writes -----------------------------------------------------------------------------
    def written(self, object_type: str, record: Json, lag: int | None = None) -> None:
        """A write of ``record``: searchable after ``lag`` (default ``self.lag``) more writes."""
        due = []
        for entry in self.pending:
            entry[0] -= 1
            if entry[0] <= 0:
                due.append(entry)
        self.pending = [e for e in self.pending if e[0] > 0]
        wait = self.lag if lag is None else lag
        if wait > 0:
            self.pending.append([wait, object_type, record])
        else:
            due.append([0, object_type, record])
        for _, kind, live in due:
            self._index(kind, live)

    def flush(self) -> None:
        """Index every pending write now."""
        due, self.pending = self.pending, []
        for _, kind, live in due:
            self._index(kind, live)

    def remove(self, object_type: str, object_id: str) -> None:
        self.pending = [e for e in self.pending if e[2]["id"] != object_id or e[1] != object_type]
        old = self.docs.get(object_type, {}).pop(object_id, None)
        if old is not None:
            keys = self.keys[object_type]
            del keys[bisect.bisect_left(keys, (old["_ms"], int(object_id)))]

    def _index(self, object_type: str, live: Json) -> None:
        if live.get("archived"):
            return
        self.remove(object_type, live["id"])
        self.docs.setdefault(object_type, {})[live["id"]] = copy.deepcopy(live)
        bisect.insort(self.keys.setdefault(object_type, []), (live["_ms"], int(live["id"])))

    # queries ----------------------------------------------------------------------------
    def search(self, object_type: str, body: Json) -> tuple[list[Json], int, bool]:
        """(indexed records of the page, total, more pages) for one search request."""
        limit, offset = int(body.get("limit", 10)), int(body.get("after") or 0)
        if limit > 200:
            raise ValueError("limit must be at most 200")
        if len(body.get("sorts") or []) > 1:
            raise ValueError("only one sort is supported per search request")
        if offset + limit > self.cap:
            raise ValueError(f"cannot page beyond {self.cap} search results")
        self.queries += 1
        chosen, total = self._matching(object_type, body, offset + limit + 1)
        docs = self.docs.get(object_type, {})
        page = [docs[i] for i in chosen[offset : offset + limit]]
        return page, total, len(chosen) > offset + limit

    def _matching(self, object_type: str, body: Json, enough: int) -> tuple[list[str], int]:
        """The first ``enough`` matching ids (OR of ANDs) in ``sorts`` order, and the total."""
        modified = modified_prop(object_type)
        groups = [g["filters"] for g in body.get("filterGroups") or []] or [[]]
        sort = (body.get("sorts") or [{"propertyName": "hs_object_id"}])[0]["propertyName"]
        keys, start = self.keys.get(object_type, []), 0
        if sort != modified:
            keys = sorted((k[1], k[1]) for k in keys)
        elif len(groups) == 1:
            bounds = [
                int(f["value"])
                for f in groups[0]
                if f["propertyName"] == modified and f["operator"] in ("GT", "GTE", "EQ")
            ]
            start = bisect.bisect_left(keys, (max(bounds), -1)) if bounds else 0
        docs = self.docs.get(object_type, {})
        if sort == modified and len(groups) == 1 and _lower_bounds_only(groups[0], modified):
            while start < len(keys) and not _all(docs[str(keys[start][1])], groups[0], modified):
                start += 1  # only a bound on the sorted key: skip its head, then slice
            end = min(start + enough, len(keys))
            while start < end < len(keys) and keys[end][0] == keys[end - 1][0]:
                end += 1  # whole tie groups, so their order can be shuffled
            return [str(k[1]) for k in self._order(keys[start:end], True)], len(keys) - start
        chosen: list[tuple[int, int]] = []
        total = 0
        for key in keys[start:]:
            if any(_all(docs[str(key[1])], g, modified) for g in groups):
                total += 1
                if len(chosen) < enough or key[0] == chosen[-1][0]:
                    chosen.append(key)  # whole tie groups, so their order can be shuffled
        return [str(k[1]) for k in self._order(chosen, sort == modified)], total

    def _order(self, keys: list[tuple[int, int]], on_modified: bool) -> list[tuple[int, int]]:
        if not on_modified or self.tie_seed is None:
            return keys
        rng = random.Random(f"{self.tie_seed}:{self.queries}")  # noqa: S311 (an order, not a secret)
        return sorted(keys, key=lambda k: (k[0], rng.random()))


def _lower_bounds_only(filters: list[Json], modified: str) -> bool:
    return all(f["propertyName"] == modified and f["operator"] in ("GT", "GTE") for f in filters)


def _all(record: Json, filters: list[Json], modified: str) -> bool:
    return all(
        _OPS[f["operator"]](_number(record, f["propertyName"], modified), int(f["value"]))
        for f in filters
    )


def _number(record: Json, name: str, modified: str) -> int:
    if name == "hs_object_id":
        return int(record["id"])
    if name == modified:
        return int(record["_ms"])
    value = record["properties"].get(name)
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
