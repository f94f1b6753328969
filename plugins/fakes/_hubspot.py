"""A loopback HubSpot CRM API: objects, search (with its 10,000 cap), batch read, associations.

Speaks the v3 objects wire format (``{"id", "properties", "createdAt", "updatedAt",
"archived"}``, property values as strings; a cleared property reads as ``""``),
``paging.next.after`` on lists, CRM search with ``filterGroups``/``sorts``/``after``/
``total`` on a lagging index with ties in arbitrary order that refuses to page past
``search_cap`` (HubSpot answers 400 there; ``_hubspot_search``), v4 association batch reads
paged per object with 207 multi-status errors (``_hubspot_assoc``), and scripted 429s with
``Retry-After``. Mutations between syncs (create / update / archive) are real.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from plugins.fakes._http import LoopbackHTTPServer, RecordedRequest, Reply
from plugins.fakes._hubspot_assoc import read_associations
from plugins.fakes._hubspot_search import SearchIndex, modified_prop

__all__ = ["TOKEN", "HubSpotFake", "iso"]

TOKEN = "pat-na1-canonry-fake-token"  # noqa: S105 (the fake's own test token)
Json = dict[str, Any]


def iso(ms: int) -> str:
    """HubSpot's timestamp text: ISO 8601 with milliseconds and ``Z``."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


class HubSpotFake:
    """An in-memory HubSpot portal behind a real HTTP server on 127.0.0.1."""

    def __init__(
        self,
        *,
        token: str = TOKEN,
        search_cap: int = 10_000,
        association_page_size: int = 500,
        index_lag: int = 0,
        tie_seed: int | None = 0,
    ) -> None:
        """``index_lag``: later writes before a write is searchable; ``tie_seed``: the order
        of search results tied on the sort property (None: by id); see ``_hubspot_search``."""
        self.token = token
        self.search_index = SearchIndex(lag=index_lag, tie_seed=tie_seed, cap=search_cap)
        self.association_page_size = association_page_size
        self.failing_associations: dict[str, int] = {}  # from-object id -> failures left
        self.failing_reads: dict[str, int] = {}  # object id -> failed batch reads left
        self.now_ms = int(time.time() * 1000)
        self.objects: dict[str, dict[str, Json]] = {}
        self.links: dict[tuple[str, str], dict[str, list[str]]] = {}
        self.requests: list[RecordedRequest] = []
        self.failures: list[tuple[Callable[[RecordedRequest], bool], Reply]] = []
        self._next_id = 1000
        self._lock = threading.RLock()
        self._server: LoopbackHTTPServer | None = None
        self._owns = True

    def start(self, server: LoopbackHTTPServer | None = None) -> HubSpotFake:
        """Serve on ``server`` (shared by tests; kept open by ``stop``) or a new one."""
        self._owns, self._server = server is None, server or LoopbackHTTPServer()
        self._server.handler = self.answer
        return self

    def stop(self) -> None:
        if self._server and self._owns:
            self._server.close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return self._server.url

    def fail_next(
        self, reply: Reply, *, times: int = 1, when: Callable[..., bool] | None = None
    ) -> None:
        """Answer the next ``times`` requests (matching ``when``) with ``reply``."""
        self.failures.extend([(when or (lambda r: True), reply)] * times)

    # mutations --------------------------------------------------------------------------
    def _tick(self, at: int | None) -> int:
        self.now_ms = at if at is not None else self.now_ms + 1
        return self.now_ms

    @property
    def search_cap(self) -> int:
        return self.search_index.cap

    def flush_index(self) -> None:
        """Make every write searchable now (the index has caught up)."""
        with self._lock:
            self.search_index.flush()

    def create(
        self,
        object_type: str,
        properties: Json | None = None,
        *,
        at: int | None = None,
        lag: int | None = None,
    ) -> Json:
        """A new record; ``at`` pins its create/modify time (ms) to build timestamp ties;
        ``lag`` overrides the index lag for this write."""
        with self._lock:
            self._next_id += 1
            ms, object_id = self._tick(at), str(self._next_id)
            props = {"hs_object_id": object_id, "createdate": iso(ms), **(properties or {})}
            record = {"id": object_id, "properties": props, "createdAt": iso(ms), "archived": False}
            self.objects.setdefault(object_type, {})[object_id] = record
            self._touch(object_type, record, ms, lag)
            return record

    def update(
        self,
        object_type: str,
        object_id: str,
        properties: Json,
        *,
        at: int | None = None,
        lag: int | None = None,
    ) -> Json:
        with self._lock:
            record = self.objects[object_type][object_id]
            # HubSpot clears a property when it is set to "" (or null) and reads it back as ""
            record["properties"].update({k: "" if v is None else v for k, v in properties.items()})
            self._touch(object_type, record, self._tick(at), lag)
            return record

    def archive(self, object_type: str, object_id: str) -> None:
        with self._lock:
            record = self.objects[object_type][object_id]
            self.search_index.remove(object_type, object_id)
            record.update(archived=True, archivedAt=iso(self._tick(None)))

    def associate(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        with self._lock:
            self.links.setdefault((from_type, to_type), {}).setdefault(from_id, []).append(to_id)

    def fail_reads(self, object_id: str, *, times: int = 1) -> None:
        """The next ``times`` batch reads of ``object_id`` answer it in a 207's errors."""
        with self._lock:
            self.failing_reads[object_id] = times

    def fail_associations(self, object_id: str, *, times: int = 1) -> None:
        """The next ``times`` association reads of ``object_id`` answer it in a 207's errors."""
        with self._lock:
            self.failing_associations[object_id] = times

    def _touch(self, object_type: str, record: Json, ms: int, lag: int | None) -> None:
        record["updatedAt"] = iso(ms)
        record["properties"][modified_prop(object_type)] = iso(ms)
        record["_ms"] = ms
        self.search_index.written(object_type, record, lag)

    # answering --------------------------------------------------------------------------
    def answer(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            for n, (when, reply) in enumerate(self.failures):
                if when(request):
                    del self.failures[n]
                    return reply
            if request.headers.get("authorization") != f"Bearer {self.token}":
                return _error(
                    401, "INVALID_AUTHENTICATION", "Authentication credentials not found."
                )
            try:
                answer = self._route(request)
                if isinstance(answer, Reply):
                    return answer
                return Reply(200, json=answer)
            except LookupError as exc:
                return _error(404, "OBJECT_NOT_FOUND", f"resource not found: {exc}")
            except ValueError as exc:
                return _error(400, "VALIDATION_ERROR", str(exc))

    def _route(self, request: RecordedRequest) -> Json | Reply:
        parts = urlsplit(request.target).path.strip("/").split("/")
        match request.method, parts:
            case "GET", ["crm", "v3", "objects", object_type]:
                return self._list(object_type, parse_qs(urlsplit(request.target).query))
            case "POST", ["crm", "v3", "objects", object_type, "search"]:
                return self._search(object_type, request.json())
            case "POST", ["crm", "v3", "objects", object_type, "batch", "read"]:
                return self._batch_read(object_type, request.json())
            case "POST", ["crm", "v4", "associations", from_type, to_type, "batch", "read"]:
                status, body = read_associations(
                    self.links.get((from_type, to_type), {}),
                    request.json()["inputs"],
                    page_size=self.association_page_size,
                    failing=self.failing_associations,
                    from_type=from_type,
                    to_type=to_type,
                )
                return Reply(status, json=body)
        raise LookupError(request.path)

    def _batch_read(self, object_type: str, body: Json) -> Reply:
        """Found records in ``results``; missing (or archived) and scripted failures in a
        207's ``errors`` (``context.ids``), as HubSpot answers a partial batch read."""
        records, properties = self.objects.get(object_type, {}), body.get("properties") or []
        results, missing, failed = [], [], []
        for object_id in (str(i["id"]) for i in body["inputs"]):
            record = records.get(object_id)
            if self.failing_reads.get(object_id, 0) > 0:
                self.failing_reads[object_id] -= 1
                failed.append(object_id)
            elif record is None or record["archived"]:
                missing.append(object_id)
            else:
                results.append(self._render(record, properties))
        answer: Json = {"status": "COMPLETE", "results": results}
        errors = [
            _batch_error("OBJECT_NOT_FOUND", f"Could not get some {object_type} objects", missing),
            _batch_error("INTERNAL_ERROR", "Internal error, retry", failed),
        ]
        errors = [e for e in errors if e["context"]["ids"]]
        if errors:
            answer.update(numErrors=len(errors), errors=errors)
        return Reply(207 if errors else 200, json=answer)

    def _render(self, record: Json, properties: list[str]) -> Json:
        wanted = {"hs_object_id", "createdate", *properties}
        props = {k: v for k, v in record["properties"].items() if k in wanted}
        props.update({p: None for p in properties if p not in props})
        return {k: v for k, v in record.items() if k[0] != "_"} | {"properties": props}

    def _list(self, object_type: str, q: dict[str, list[str]]) -> Json:
        limit = int(q.get("limit", ["10"])[0])
        if limit > 100:
            raise ValueError("limit must be at most 100")
        archived = q.get("archived", ["false"])[0].lower() == "true"
        properties = [p for v in q.get("properties", []) for p in v.split(",") if p]
        records = self.objects.get(object_type, {})
        ids = sorted(int(i) for i, r in records.items() if r["archived"] == archived)
        start = bisect.bisect_left(ids, int(q["after"][0])) if "after" in q else 0
        chosen = ids[start : start + limit]
        answer: Json = {"results": [self._render(records[str(i)], properties) for i in chosen]}
        if start + limit < len(ids):
            answer["paging"] = {"next": {"after": str(ids[start + limit]), "link": "?after="}}
        return answer

    def _search(self, object_type: str, body: Json) -> Json:
        page, total, more = self.search_index.search(object_type, body)
        properties = body.get("properties") or []
        answer: Json = {"total": total, "results": [self._render(r, properties) for r in page]}
        if more:
            offset = int(body.get("after") or 0) + len(page)
            answer["paging"] = {"next": {"after": str(offset), "link": None}}
        return answer


def _batch_error(category: str, message: str, ids: list[str]) -> Json:
    return {
        "status": "error",
        "category": category,
        "message": message,
        "context": {"ids": ids},
        "errors": [],
        "links": {},
    }


def _error(status: int, category: str, message: str) -> Reply:
    body = {
        "status": "error",
        "message": message,
        "category": category,
        "correlationId": "fake-0001",
    }
    return Reply(status, json=body, headers={"X-HubSpot-Correlation-Id": "fake-0001"})
