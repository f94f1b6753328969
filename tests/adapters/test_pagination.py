"""Pagination helpers against a loopback API: cursor tokens, offset/limit, Link headers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters import (
    Cursor,
    Page,
    VendorHTTPClient,
    json_path,
    paginate_cursor,
    paginate_link,
    paginate_offset,
)
from canonical import AdapterError, ConfigurationError
from plugins.fakes import LoopbackHTTPServer, RecordedRequest, Reply

ITEMS = [{"id": f"obj_{n}", "n": n} for n in range(7)]


def ids(pages: list[Page]) -> list[list[str]]:
    return [[record["id"] for record in page.records] for page in pages]


@pytest.fixture
def vendor(http_server: LoopbackHTTPServer, sleeps: list[float]) -> Iterator[VendorHTTPClient]:
    with VendorHTTPClient(http_server.url + "/api", sleep=sleeps.append) as client:
        yield client


# -- cursor tokens (HubSpot style: paging.next.after) -----------------------------------


def token_page(request: RecordedRequest) -> Reply:
    start = int(request.params.get("after", "0"))
    size = int(request.params["limit"])
    end = start + size
    body: dict[str, Any] = {"results": ITEMS[start:end]}
    if end < len(ITEMS):
        body["paging"] = {"next": {"after": str(end)}}
    return Reply(json=body)


def cursor_pages(vendor: VendorHTTPClient, start: Cursor | None = None) -> Iterator[Page]:
    return paginate_cursor(
        vendor,
        "/contacts",
        {"limit": 3},
        start=start,
        records_path="results",
        next_path="paging.next.after",
        cursor_param="after",
    )


def test_cursor_pagination_walks_every_page(
    vendor: VendorHTTPClient, http_server: LoopbackHTTPServer
) -> None:
    http_server.route("GET", "/api/contacts", token_page)
    pages = list(cursor_pages(vendor))
    assert ids(pages) == [["obj_0", "obj_1", "obj_2"], ["obj_3", "obj_4", "obj_5"], ["obj_6"]]
    assert [p.cursor for p in pages] == [{"token": "3"}, {"token": "6"}, None]
    assert [r.params for r in http_server.requests] == [
        {"limit": "3"},
        {"limit": "3", "after": "3"},
        {"limit": "3", "after": "6"},
    ]


def test_cursor_pagination_resumes_after_a_saved_cursor(
    vendor: VendorHTTPClient, http_server: LoopbackHTTPServer
) -> None:
    http_server.route("GET", "/api/contacts", token_page)
    first = next(cursor_pages(vendor))  # the run stops after one page
    resumed = list(cursor_pages(vendor, start=first.cursor))
    assert ids(resumed) == [["obj_3", "obj_4", "obj_5"], ["obj_6"]]
    assert http_server.requests[1].params["after"] == "3"


def test_cursor_pagination_with_a_getter_function(
    vendor: VendorHTTPClient, http_server: LoopbackHTTPServer
) -> None:
    def stripe_like(request: RecordedRequest) -> Reply:
        after = request.params.get("starting_after")
        start = next((i + 1 for i, item in enumerate(ITEMS) if item["id"] == after), 0)
        page = ITEMS[start : start + 4]
        return Reply(json={"data": page, "has_more": start + 4 < len(ITEMS)})

    http_server.route("GET", "/api/customers", stripe_like)
    pages = list(
        paginate_cursor(
            vendor,
            "/customers",
            next_path=lambda body: body["data"][-1]["id"] if body["has_more"] else None,
            cursor_param="starting_after",
        )
    )
    assert ids(pages) == [["obj_0", "obj_1", "obj_2", "obj_3"], ["obj_4", "obj_5", "obj_6"]]
    assert pages[0].cursor == {"token": "obj_3"}


def test_cursor_pagination_stops_when_the_vendor_repeats_a_token(
    vendor: VendorHTTPClient, http_server: LoopbackHTTPServer
) -> None:
    http_server.route("GET", "/api/loop", Reply(json={"data": [], "next_cursor": "same"}))
    pages = paginate_cursor(vendor, "/loop")
    assert next(pages).cursor == {"token": "same"}
    with pytest.raises(AdapterError) as caught:
        next(pages)
    assert caught.value.code == "pagination_loop"
    assert len(http_server.requests) == 2


def test_http_errors_in_the_middle_are_retried_then_pages_continue(
    vendor: VendorHTTPClient, http_server: LoopbackHTTPServer, sleeps: list[float]
) -> None:
    http_server.route("GET", "/api/contacts", token_page)
    pages = cursor_pages(vendor)
    next(pages)
    http_server.enqueue(Reply(429, headers={"Retry-After": "1"}))
    assert ids(list(pages)) == [["obj_3", "obj_4", "obj_5"], ["obj_6"]]
    assert sleeps == [1.0]


# -- offset / limit --------------------------------------------------------------------


def offset_page(request: RecordedRequest) -> Reply:
    offset, limit = int(request.params["offset"]), int(request.params["limit"])
    return Reply(json={"data": ITEMS[offset : offset + limit], "total": len(ITEMS)})


def test_offset_pagination_ends_on_a_short_page(
    vendor: VendorHTTPClient, http_server: LoopbackHTTPServer
) -> None:
    http_server.route("GET", "/api/items", offset_page)
    pages = list(paginate_offset(vendor, "/items", {"sort": "id"}, limit=3))
    assert ids(pages) == [["obj_0", "obj_1", "obj_2"], ["obj_3", "obj_4", "obj_5"], ["obj_6"]]
    assert [p.cursor for p in pages] == [{"offset": 3}, {"offset": 6}, None]
    assert http_server.requests[1].params == {"sort": "id", "offset": "3", "limit": "3"}


def test_offset_pagination_with_an_exact_multiple_needs_the_empty_page(
    vendor: VendorHTTPClient, http_server: LoopbackHTTPServer
) -> None:
    http_server.route("GET", "/api/items", offset_page)
    pages = list(paginate_offset(vendor, "/items", limit=7))
    assert ids(pages) == [[item["id"] for item in ITEMS], []]


def test_offset_pagination_with_total_stops_without_an_extra_request(
    vendor: VendorHTTPClient, http_server: LoopbackHTTPServer
) -> None:
    http_server.route("GET", "/api/items", offset_page)
    pages = list(paginate_offset(vendor, "/items", limit=7, total_path="total"))
    assert len(pages) == 1
    assert pages[0].cursor is None
    assert len(http_server.requests) == 1


def test_offset_pagination_with_total_survives_a_vendor_page_cap(
    vendor: VendorHTTPClient, http_server: LoopbackHTTPServer
) -> None:
    def capped(request: RecordedRequest) -> Reply:
        offset = int(request.params["offset"])
        return Reply(json={"data": ITEMS[offset : offset + 2], "total": len(ITEMS)})

    http_server.route("GET", "/api/items", capped)
    pages = list(paginate_offset(vendor, "/items", limit=5, total_path="total"))
    assert sum(len(p.records) for p in pages) == len(ITEMS)


def test_offset_pagination_resumes_from_a_saved_offset(
    vendor: VendorHTTPClient, http_server: LoopbackHTTPServer
) -> None:
    http_server.route("GET", "/api/items", offset_page)
    pages = list(paginate_offset(vendor, "/items", limit=3, start={"offset": 6}))
    assert ids(pages) == [["obj_6"]]
    assert http_server.requests[0].params["offset"] == "6"


def test_offset_limit_must_be_positive(vendor: VendorHTTPClient) -> None:
    with pytest.raises(ConfigurationError, match="limit"):
        next(paginate_offset(vendor, "/items", limit=0))


# -- RFC 8288 Link headers -------------------------------------------------------------


def link_page(request: RecordedRequest, base: str, relative: bool) -> Reply:
    page = int(request.params.get("page", "1"))
    per_page = int(request.params["per_page"])
    start = (page - 1) * per_page
    headers = {}
    if start + per_page < len(ITEMS):
        target = f"/api/repos?per_page={per_page}&page={page + 1}"
        url = target if relative else base + target
        headers["Link"] = f'<{url}>; rel="next", <{base}/api/repos?page=1>; rel="first"'
    return Reply(json=ITEMS[start : start + per_page], headers=headers)


@pytest.mark.parametrize("relative", [False, True])
def test_link_pagination_follows_rel_next(
    vendor: VendorHTTPClient, http_server: LoopbackHTTPServer, relative: bool
) -> None:
    http_server.route("GET", "/api/repos", lambda r: link_page(r, http_server.url, relative))
    pages = list(paginate_link(vendor, "/repos", {"per_page": 3}))
    assert ids(pages) == [["obj_0", "obj_1", "obj_2"], ["obj_3", "obj_4", "obj_5"], ["obj_6"]]
    assert pages[0].cursor == {"url": f"{http_server.url}/api/repos?per_page=3&page=2"}
    assert pages[-1].cursor is None
    assert [r.target for r in http_server.requests] == [
        "/api/repos?per_page=3",
        "/api/repos?per_page=3&page=2",
        "/api/repos?per_page=3&page=3",
    ]


def test_link_pagination_resumes_from_a_saved_url(
    vendor: VendorHTTPClient, http_server: LoopbackHTTPServer
) -> None:
    http_server.route("GET", "/api/repos", lambda r: link_page(r, http_server.url, False))
    first = next(paginate_link(vendor, "/repos", {"per_page": 3}))
    resumed = list(paginate_link(vendor, "/repos", {"per_page": 3}, start=first.cursor))
    assert ids(resumed) == [["obj_3", "obj_4", "obj_5"], ["obj_6"]]


def test_link_to_another_host_is_refused(
    vendor: VendorHTTPClient, http_server: LoopbackHTTPServer
) -> None:
    http_server.enqueue(
        Reply(json=[{"id": "a"}], headers={"Link": '<http://127.0.0.2:1/steal>; rel="next"'})
    )
    pages = paginate_link(vendor, "/repos")
    assert ids([next(pages)]) == [["a"]]
    with pytest.raises(ConfigurationError, match="refusing"):
        next(pages)
    assert len(http_server.requests) == 1


# -- shapes and cursors ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [{"data": {"id": 1}}, {"data": [1, 2]}, {"other": []}, ["not", "objects"]]
)
def test_unexpected_record_shapes_are_adapter_errors(
    vendor: VendorHTTPClient, http_server: LoopbackHTTPServer, body: Any
) -> None:
    http_server.enqueue(Reply(json=body))
    with pytest.raises(AdapterError) as caught:
        next(paginate_offset(vendor, "/items"))
    assert caught.value.code == "unexpected_shape"


@pytest.mark.parametrize("cursor", [{"offset": "6"}, {"token": "x"}, {"offset": True}, {}])
def test_a_cursor_from_another_paginator_is_refused(
    vendor: VendorHTTPClient, cursor: Cursor
) -> None:
    with pytest.raises(ConfigurationError, match="cannot resume"):
        next(paginate_offset(vendor, "/items", start=cursor))


def test_json_path() -> None:
    doc = {"paging": {"next": {"after": "42"}}, "items": [{"id": "a"}, {"id": "b"}]}
    assert json_path(doc, "paging.next.after") == "42"
    assert json_path(doc, "items.1.id") == "b"
    assert json_path(doc, "items.9.id") is None
    assert json_path(doc, "paging.previous.before") is None
    assert json_path(doc, "") is doc
