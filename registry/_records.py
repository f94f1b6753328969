"""``RecordStore``: one tenant's view of the canonical replica (the SDK and the HTTP API).

Listings follow the tenant's change sequence: ``next_cursor`` resumes after the last
record returned, so calling again with it returns only what changed since (tombstones
included), and never skips or repeats a change while syncs write.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine, Row

from canonical import (
    CanonicalModel,
    Customer,
    Event,
    Invoice,
    NotFoundInRegistry,
    ValidationFailed,
)
from registry._engine import database_errors
from registry._store_query import (
    MAX_LIMIT,
    PageRow,
    RecordFilter,
    count_rows,
    data_by_id,
    decode_cursor,
    get_row,
    list_rows,
    model_key,
)

__all__ = ["FILTERS", "RecordPage", "RecordStore", "record_filter", "with_remote_data"]

Record = CanonicalModel | Event
_CLASSES: dict[str, type[Customer] | type[Invoice] | type[Event]] = {
    "customer": Customer,
    "invoice": Invoice,
    "event": Event,
}
FILTERS: dict[str, tuple[str, ...]] = {
    "customer": ("email", "currency"),
    "invoice": (
        "status",
        "currency",
        "customer_id",
        "issued_after",
        "issued_before",
        "due_after",
        "due_before",
    ),
    "event": ("event_type", "occurred_after", "occurred_before"),
}
"""The per-model filters of a listing, besides the common ones."""


@dataclass(frozen=True)
class RecordPage:
    """One page of a listing; ``next_cursor`` resumes after it (also when it is empty)."""

    records: list[Record]
    next_cursor: str
    has_more: bool

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


def record_filter(
    model: str,
    *,
    cursor: str | None = None,
    connection_id: str | None = None,
    modified_after: datetime | None = None,
    include_deleted: bool | None = None,
    **filters: Any,
) -> RecordFilter:
    """The ``RecordFilter`` of a listing, checking each filter applies to the model."""
    key = model_key(model)
    equals: dict[str, str] = {}
    ranges: dict[str, tuple[datetime | None, datetime | None]] = {}
    for name, value in filters.items():
        if value is None:
            continue
        if name not in FILTERS[key]:
            raise ValidationFailed(
                f"{name!r} is not a filter of {key} records",
                hint=f"use one of: {', '.join(FILTERS[key])}",
            )
        if name.endswith(("_after", "_before")):
            field, _, side = name.rpartition("_")
            low, high = ranges.get(field, (None, None))
            ranges[field] = (value, high) if side == "after" else (low, value)
        else:
            equals[name] = str(value)
    after, live = decode_cursor(key, cursor)
    return RecordFilter(
        model=key,
        after=after,
        live=live,
        connection_id=connection_id,
        modified_after=modified_after,
        include_deleted=include_deleted,
        equals=equals,
        ranges=ranges,
    )


def with_remote_data(data: str, remote_data: str | None) -> str:
    """The stored JSON with its ``remote_data`` (raw vendor object) spliced back in."""
    return data[:-1] + ',"remote_data":' + (remote_data or "null") + "}"


class RecordStore:
    """The canonical replica of one tenant, read-only."""

    def __init__(self, engine: Engine, tenant: str) -> None:
        self.engine, self.tenant = engine, tenant

    def rows(
        self, spec: RecordFilter, limit: int = 100, *, remote_data: bool = False
    ) -> tuple[list[PageRow], bool]:
        """Raw rows of a listing (``seq``, ``id``, ``data`` JSON, ...) and whether more follow."""
        _check_limit(limit)
        with database_errors(), self.engine.connect() as conn, conn.begin():
            return list_rows(conn, self.tenant, spec, limit, remote_data=remote_data)

    def page(
        self,
        model: str,
        *,
        limit: int = 100,
        include_remote_data: bool = False,
        **options: Any,
    ) -> RecordPage:
        """A page of ``model`` records (see ``record_filter`` for the options)."""
        spec = record_filter(model, **options)
        rows, more = self.rows(spec, limit, remote_data=include_remote_data)
        records = [self._parse(spec.model, row, include_remote_data) for row in rows]
        return RecordPage(records, spec.next_cursor(rows[-1].seq if rows else None, more), more)

    def data_by_id(self, model: str, ids: list[str]) -> dict[str, str]:
        """The stored JSON of each of ``ids`` (at most 1000) that the tenant has."""
        with database_errors(), self.engine.connect() as conn, conn.begin():
            return data_by_id(conn, self.tenant, model_key(model), ids[:MAX_LIMIT])

    def count(self, model: str, **options: Any) -> int:
        spec = record_filter(model, **options)
        with database_errors(), self.engine.connect() as conn, conn.begin():
            return count_rows(conn, self.tenant, spec)

    def row(self, model: str, record_id: str, *, remote_data: bool = False) -> Row[Any]:
        key = model_key(model)
        with database_errors(), self.engine.connect() as conn, conn.begin():
            found = get_row(conn, self.tenant, key, record_id, remote_data=remote_data)
        if found is None:
            raise NotFoundInRegistry(
                f"no {key} record {record_id!r} in tenant {self.tenant!r}",
                hint=f"list them with `canonry records list {key}s` (check --tenant)",
            )
        return found

    def get(self, model: str, record_id: str, *, include_remote_data: bool = False) -> Record:
        found = self.row(model, record_id, remote_data=include_remote_data)
        return self._parse(model_key(model), found, include_remote_data)

    @staticmethod
    def _parse(model: str, row: PageRow | Row[Any], remote_data: bool) -> Record:
        raw = remote_data and model != "event"  # events keep no raw payload of their own
        text = with_remote_data(row.data, row.remote_data) if raw else row.data
        return _CLASSES[model].model_validate_json(text)


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            f"limit must be between 1 and {MAX_LIMIT}, not {limit}", hint="page with the cursor"
        )
