"""A dlt source over the record store: load canonical records into any dlt destination.

Each model is a resource with dlt's incremental cursor on the store's change sequence
(``_canonry_seq``), primary key ``id`` and ``merge`` loading; tombstones carry
``remote_was_deleted: true``, which the resource declares as dlt's ``hard_delete`` column,
so a deleted record leaves the destination. Invoice lines become dlt's child table
``invoices__lines``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import dlt
from dlt.sources import DltResource

from registry._engine import create_engine
from registry._records import RecordStore
from registry._store_query import RecordFilter, model_key

__all__ = ["source"]

_NAMES = {"customer": "customers", "invoice": "invoices", "event": "events"}


def _rows(
    database_url: str | None, tenant: str, model: str, after: int, page_size: int
) -> Iterator[dict[str, Any]]:
    engine = create_engine(database_url)
    try:
        store = RecordStore(engine, tenant)
        while True:
            spec = RecordFilter(model=model, after=after, include_deleted=True)
            rows, more = store.rows(spec, page_size)
            for row in rows:
                item: dict[str, Any] = json.loads(row.data)
                item["_canonry_seq"] = row.seq
                yield item
            if not rows or not more:
                return
            after = rows[-1].seq
    finally:
        engine.dispose()


def _resource(database_url: str | None, tenant: str, model: str, page_size: int) -> DltResource:
    name = _NAMES[model]

    def records(
        seq: dlt.sources.incremental[int] = dlt.sources.incremental(  # noqa: B008
            "_canonry_seq", initial_value=0
        ),
    ) -> Iterator[dict[str, Any]]:
        yield from _rows(database_url, tenant, model, int(seq.last_value or 0), page_size)

    deletes: dict[str, Any] = {"remote_was_deleted": {"hard_delete": True}}
    resource: DltResource = dlt.resource(
        records,
        name=name,
        primary_key="id",
        write_disposition="merge",
        columns=deletes if model != "event" else {},
    )
    return resource


@dlt.source(name="canonry")
def source(
    database_url: str | None = None,
    tenant: str = "default",
    models: Sequence[str] = ("customers", "invoices", "events"),
    page_size: int = 1000,
) -> list[DltResource]:
    """The tenant's canonical records as dlt resources (``customers``, ``invoices`` with
    the child table ``invoices__lines``, ``events``), loaded incrementally by change
    sequence with merges and deletions applied. ``database_url`` defaults to
    ``CANONRY_DATABASE_URL`` (then ``sqlite:///canonry.db``)."""
    return [_resource(database_url, tenant, model_key(m), page_size) for m in models]
