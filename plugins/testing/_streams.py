"""Contract checks that talk to the author's fake vendor: check(), paging and resuming.

Adapters come from ``make_adapter`` (a zero-argument callable, or one taking credentials)
so that resuming runs on a fresh instance, exactly as after a restart.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any

from adapters import Adapter, CheckResult, Cursor, Page
from canonical import CanonryError
from plugins.testing._static import ContractViolation, assert_no_secret_in

__all__ = [
    "RecordId",
    "check_check_ok",
    "check_check_refused",
    "check_paging",
    "check_resume",
    "check_unknown_stream",
    "default_record_id",
    "read_pages",
]

RecordId = Callable[[dict[str, Any]], Hashable]
"""How the kit tells records apart; the default reads ``record["id"]``."""

MAX_PAGES = 10_000


def default_record_id(record: dict[str, Any]) -> Hashable:
    try:
        value: Hashable = record["id"]
    except (KeyError, TypeError):
        raise ContractViolation(
            f"record {str(record)[:80]} has no 'id'; override record_id() in the test class"
        ) from None
    return value


def check_check_ok(adapter: Adapter) -> CheckResult:
    """``check()`` answers a ``CheckResult`` with ``ok=True`` against the working fake."""
    result = adapter.check()
    if not isinstance(result, CheckResult):
        raise ContractViolation(f"check() returned {type(result).__name__}, not CheckResult")
    if not result.ok:
        raise ContractViolation(f"check() is not ok against the fake: {result.message}")
    return result


def check_check_refused(adapter: Adapter, secrets: Iterable[str] = ()) -> CheckResult:
    """With bad credentials ``check()`` returns ``ok=False`` (it must not raise), with a
    message and no secret in it."""
    try:
        result = adapter.check()
    except Exception as exc:
        raise ContractViolation(
            f"check() raised {type(exc).__name__} for bad credentials; return "
            "CheckResult(ok=False, message=...) instead"
        ) from exc
    if not isinstance(result, CheckResult):
        raise ContractViolation(f"check() returned {type(result).__name__}, not CheckResult")
    if result.ok:
        raise ContractViolation("check() reported ok with credentials the fake refuses")
    if not result.message.strip():
        raise ContractViolation("check() refused without a message; say what to do next")
    assert_no_secret_in(
        {"check() message": result.message, "details": str(result.details)}, secrets
    )
    return result


def check_unknown_stream(adapter: Adapter) -> None:
    """Reading a stream the adapter does not offer raises a ``CanonryError`` (clear error)."""
    pages: Iterator[Page] | None = None
    try:
        pages = adapter.read("__no_such_stream__")
        list(itertools.islice(pages, 1))
    except CanonryError:
        return
    except Exception as exc:
        raise ContractViolation(
            f"read() of an unknown stream raised {type(exc).__name__}, not a CanonryError; "
            "call self.stream(name) first"
        ) from exc
    finally:
        _close(pages)
    raise ContractViolation("read() of an unknown stream did not raise; call self.stream(name)")


def read_pages(
    adapter: Adapter, stream: str, cursor: Cursor | None = None, *, max_pages: int = MAX_PAGES
) -> list[Page]:
    """Every page of ``stream`` from ``cursor``; checks each page's shape on the way."""
    pages: list[Page] = []
    iterator = adapter.read(stream, cursor)
    try:
        for page in iterator:
            _check_page(page, stream, len(pages) + 1)
            pages.append(page)
            if len(pages) > max_pages:
                raise ContractViolation(f"read({stream!r}) did not end after {max_pages} pages")
    finally:
        _close(iterator)  # release the adapter's connections even when a check fails
    return pages


def _check_page(page: object, stream: str, number: int) -> None:
    if not isinstance(page, Page) or not isinstance(page.records, list):
        raise ContractViolation(f"read({stream!r}) yielded {page!r:.80}, not a Page")
    if not all(isinstance(record, dict) for record in page.records):
        raise ContractViolation(f"read({stream!r}) yielded a page holding non-dict records")
    _json_cursor(page.cursor, stream, number)


def _close(iterator: Iterator[Page] | None) -> None:
    close = getattr(iterator, "close", None)
    if callable(close):
        close()


def check_paging(
    adapter: Adapter,
    stream: str,
    *,
    min_pages: int = 2,
    record_id: RecordId = default_record_id,
) -> list[Page]:
    """A full read yields at least ``min_pages`` pages, no duplicate, and a cursor after
    every page but the last."""
    pages = read_pages(adapter, stream)
    if len(pages) < min_pages:
        raise ContractViolation(
            f"stream {stream!r} yielded {len(pages)} page(s); the kit needs >= {min_pages} to "
            "test resuming — seed the fake with more records than a page holds, or lower "
            "the page size in make_adapter (or set min_pages)"
        )
    for number, page in enumerate(pages[:-1], start=1):
        if page.cursor is None:
            raise ContractViolation(
                f"page {number} of {len(pages)} of {stream!r} has no cursor; a sync stopped "
                "there could not resume"
            )
    _no_duplicates([record_id(r) for p in pages for r in p.records], f"a full read of {stream!r}")
    return pages


def check_resume(
    make_adapter: Callable[[], Adapter],
    stream: str,
    *,
    record_id: RecordId = default_record_id,
) -> None:
    """Resuming from the cursor saved after page 1 (JSON round-tripped, on a fresh adapter)
    yields exactly the records of the later pages: no duplicate and no gap."""
    pages = read_pages(make_adapter(), stream)
    if not pages:
        raise ContractViolation(f"stream {stream!r} yielded no page at all")
    saved = _json_cursor(pages[0].cursor, stream, 1)
    first = [record_id(r) for r in pages[0].records]
    expected = [record_id(r) for page in pages[1:] for r in page.records]
    resumed = [
        record_id(r) for page in read_pages(make_adapter(), stream, saved) for r in page.records
    ]
    where = f"resuming {stream!r} after page 1"
    _no_duplicates(resumed, where)
    again = sorted(map(repr, set(first) & set(resumed)))
    if again:
        raise ContractViolation(f"{where} yielded page-1 records again (duplicates): {again[:5]}")
    missing = [repr(i) for i in expected if i not in set(resumed)]
    if missing:
        raise ContractViolation(f"{where} skipped records (a gap): {missing[:5]}")
    extra = [repr(i) for i in resumed if i not in set(expected)]
    if extra:
        raise ContractViolation(
            f"{where} yielded records an uninterrupted read did not: {extra[:5]}"
        )


def _json_cursor(cursor: Cursor | None, stream: str, page: int) -> Cursor | None:
    if cursor is None:
        return None
    try:
        loaded: Cursor = json.loads(json.dumps(cursor))
    except (TypeError, ValueError) as exc:
        raise ContractViolation(
            f"the cursor of page {page} of {stream!r} is not JSON-serialisable ({exc}); "
            "cursors are stored as JSON — keep them to str/int/float/bool/None/list/dict"
        ) from None
    if not isinstance(loaded, dict):
        raise ContractViolation(f"the cursor of page {page} of {stream!r} is not a dict")
    return loaded


def _no_duplicates(ids: list[Hashable], where: str) -> None:
    seen: set[Hashable] = set()
    dupes: list[str] = []
    for record_id in ids:
        if record_id in seen:
            dupes.append(repr(record_id))
        seen.add(record_id)
    if dupes:
        raise ContractViolation(f"{where} yielded the same record twice: {dupes[:5]}")
