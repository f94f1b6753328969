"""Vendor records through a connection's mapping: one record (``map_record``: invalid
output is a ``MappingError``), and a run that saves nothing (``preview``, the dry run)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pydantic import ValidationError

from adapters import Adapter, Cursor
from canonical import CanonicalModel, MappingError
from registry._models import SyncProgress

__all__ = ["ProgressHook", "map_record", "preview"]

ProgressHook = Callable[[SyncProgress], None]


def map_record(
    mapper: Callable[[dict[str, Any]], CanonicalModel], record: dict[str, Any]
) -> CanonicalModel:
    """One vendor record through the connection's mapping; invalid output is a MappingError."""
    try:
        return mapper(record)
    except MappingError:
        raise
    except ValidationError as exc:
        remote = record.get("id")
        raise MappingError(
            f"record {remote!r} does not map to a valid canonical object: "
            f"{exc.error_count()} validation error(s)",
            rule=".".join(map(str, exc.errors()[0]["loc"])) if exc.errors() else None,
            hint="fix the connection's mapping override, then run the sync again",
        ) from exc


def preview(
    adapter: Adapter,
    stream: str,
    cursor: Cursor | None,
    mapper: Callable[[dict[str, Any]], CanonicalModel],
    progress: ProgressHook | None = None,
) -> Iterator[CanonicalModel]:
    """Read and map from ``cursor`` like a run, saving nothing (``canonry sync --dry-run``)."""
    pages = records = 0
    for page in adapter.read(stream, cursor):
        objects = [map_record(mapper, record) for record in page.records]
        yield from objects
        pages, records = pages + 1, records + len(objects)
        if progress is not None:
            progress(SyncProgress("dry-run", pages, records, done=page.cursor is None))
        if page.cursor is None:
            return
