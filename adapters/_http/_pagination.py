"""Pagination helpers: generators of ``Page`` (records + the cursor to resume after them).

Three styles cover most REST APIs:

* ``paginate_cursor``: the body holds the next token (``paging.next.after``), sent back as
  a query parameter. Cursor: ``{"token": "..."}``.
* ``paginate_offset``: ``offset``/``limit`` parameters. Cursor: ``{"offset": 200}``.
* ``paginate_link``: RFC 8288 ``Link: <...>; rel="next"`` headers. Cursor: ``{"url": "..."}``.

Save each page's cursor after handling its records; pass it back as ``start`` to resume
after that page. The last page's cursor is None: the listing is complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from adapters._contract import Cursor, Page
from adapters._http._client import VendorHTTPClient, decode_json
from canonical import AdapterError, ConfigurationError

__all__ = ["json_path", "paginate_cursor", "paginate_link", "paginate_offset"]

PathOrGetter = str | Callable[[Any], Any]
_T = TypeVar("_T")


def json_path(document: Any, path: str) -> Any:
    """The value at dotted ``path`` (``"paging.next.after"``, ``"items.0.id"``) or None.

    An empty path is the document itself.
    """
    value = document
    for part in path.split(".") if path else ():
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def paginate_cursor(
    client: VendorHTTPClient,
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    start: Cursor | None = None,
    records_path: str = "data",
    next_path: PathOrGetter = "next_cursor",
    cursor_param: str = "cursor",
) -> Iterator[Page]:
    """Follow a next-page token found in each body (``next_path``: dotted path or function)."""
    query = dict(params or {})
    token = _start(start, "token", str)
    while True:
        if token is not None:
            query[cursor_param] = token
        body = client.get_json(path, params=query)
        records = _records(body, records_path, path)
        raw = next_path(body) if callable(next_path) else json_path(body, next_path)
        following = str(raw) if raw not in (None, "") else None
        if following is not None and following == token:
            raise _stuck(path, f"{cursor_param}={following!r}")
        yield Page(records, {"token": following} if following is not None else None)
        if following is None:
            return
        token = following


def paginate_offset(
    client: VendorHTTPClient,
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    start: Cursor | None = None,
    records_path: str = "data",
    limit: int = 100,
    offset_param: str = "offset",
    limit_param: str = "limit",
    total_path: str | None = None,
) -> Iterator[Page]:
    """Walk ``offset``/``limit`` pages until a short or empty page (or ``total``).

    If the vendor caps the page size below ``limit``, pass its cap or a ``total_path``:
    a page shorter than ``limit`` otherwise ends the listing.
    """
    if limit < 1:
        raise ConfigurationError(f"limit must be >= 1, got {limit}", hint="use the page size")
    offset = _start(start, "offset", int) or 0
    while True:
        query = {**(params or {}), offset_param: offset, limit_param: limit}
        body = client.get_json(path, params=query)
        records = _records(body, records_path, path)
        offset += len(records)
        total = json_path(body, total_path) if total_path else None
        if isinstance(total, int) and not isinstance(total, bool):
            done = not records or offset >= total
        else:
            done = len(records) < limit
        yield Page(records, None if done else {"offset": offset})
        if done:
            return


def paginate_link(
    client: VendorHTTPClient,
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    start: Cursor | None = None,
    records_path: str = "",
) -> Iterator[Page]:
    """Follow ``Link: <url>; rel="next"`` headers; the first request uses ``params``.

    ``records_path`` defaults to the body itself (these APIs usually answer a JSON array).
    """
    url = _start(start, "url", str)
    while True:
        if url is None:
            response = client.request("GET", path, params=dict(params or {}))
        else:
            response = client.request("GET", url)
        records = _records(decode_json(response), records_path, path)
        link = response.links.get("next", {}).get("url")
        following = str(response.request.url.join(link)) if link else None
        if following is not None and following == str(response.request.url):
            raise _stuck(path, "a Link rel=next pointing at the same page")
        yield Page(records, {"url": following} if following is not None else None)
        if following is None:
            return
        url = following


def _start(cursor: Cursor | None, key: str, kind: type[_T]) -> _T | None:
    if cursor is None:
        return None
    value = cursor.get(key) if isinstance(cursor, Mapping) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ConfigurationError(
            f"cannot resume from this cursor: expected a {key!r} of type {kind.__name__}",
            hint="pass a cursor saved from the same paginator, or None to start over",
        )
    return value


def _records(body: Any, records_path: str, path: str) -> list[dict[str, Any]]:
    records = json_path(body, records_path)
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        where = f"at {records_path!r}" if records_path else "as the body"
        raise AdapterError(
            f"GET {path} did not return a list of objects {where}",
            code="unexpected_shape",
            retryable=False,
            hint="check records_path against the vendor's response format",
        )
    return records


def _stuck(path: str, what: str) -> AdapterError:
    return AdapterError(
        f"GET {path} returned {what} again; stopping to avoid an endless loop",
        code="pagination_loop",
        retryable=False,
        hint="the vendor's pagination is inconsistent; retry the sync later",
    )
