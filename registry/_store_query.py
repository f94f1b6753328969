"""Reading the record store: a listing follows the tenant's change sequence (the cursor).

A page is ``seq > after ORDER BY seq LIMIT n``: writers of a tenant commit in sequence
order (see ``registry._store``), so a reader that resumes after the last ``seq`` it got
never skips a change, and sees a record again only when it changed again.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from canonical import ValidationFailed
from registry._store_rows import MODELS
from registry._store_scope import driver_time, scope_tenant
from registry._store_tables import RecordRow

__all__ = [
    "MAX_LIMIT",
    "PageRow",
    "RecordFilter",
    "count_rows",
    "data_by_id",
    "decode_cursor",
    "encode_cursor",
    "get_row",
    "list_rows",
    "model_key",
]

MAX_LIMIT = 1000
_RECORDS: sa.Table = RecordRow.__table__  # type: ignore[attr-defined]
_ALIASES = {
    "customers": "customer",
    "customer": "customer",
    "invoices": "invoice",
    "invoice": "invoice",
    "events": "event",
    "event": "event",
}
_COLUMNS = (
    _RECORDS.c.seq,
    _RECORDS.c.id,
    _RECORDS.c.data,
    _RECORDS.c.content_hash,
    _RECORDS.c.deleted,
    _RECORDS.c.connection_id,
    _RECORDS.c.customer_id,
)


def model_key(name: str) -> str:
    """``customer``/``invoice``/``event`` for a model or collection name (any case)."""
    key = _ALIASES.get(name.strip().lower())
    if key is None:
        raise ValidationFailed(
            f"unknown record model {name!r}",
            hint=f"use one of: {', '.join(sorted(set(_ALIASES) - set(MODELS)))}",
        )
    return key


def encode_cursor(model: str, seq: int, *, live: bool = False) -> str:
    """A cursor resuming after ``seq``; ``live``: it continues a listing of live records
    (a first listing's next page), else it reads changes, tombstones included."""
    data: dict[str, Any] = {"m": model, "s": seq}
    if live:
        data["l"] = 1
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(model: str, cursor: str | None) -> tuple[int, bool]:
    """The sequence number a cursor resumes after (0 without one), and whether it
    continues a listing of live records (see ``encode_cursor``)."""
    if not cursor:
        return 0, True
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        seq, kind, live = data["s"], data["m"], data.get("l", 0)
        valid = isinstance(seq, int) and seq >= 0 and kind == model and live in (0, 1)
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError, AttributeError):
        valid = False
    if not valid:
        raise ValidationFailed(
            "the cursor is not valid for this listing",
            hint="pass back a next_cursor this listing returned, or start without a cursor",
        )
    return int(seq), bool(live)


@dataclass(frozen=True)
class RecordFilter:
    """What a listing selects. ``include_deleted`` None: a first listing (and its next
    pages) shows the live records; a cursor from its last page reads what changed since,
    tombstones included, so an incremental reader sees every deletion."""

    model: str
    after: int = 0
    live: bool = True
    """The cursor continues a listing of live records (the default for ``include_deleted``)."""
    connection_id: str | None = None
    modified_after: datetime | None = None
    include_deleted: bool | None = None
    equals: dict[str, str] = field(default_factory=dict)
    """Exact filters: ``email`` (case-insensitive), ``status``, ``currency``,
    ``customer_id``, ``event_type``."""
    ranges: dict[str, tuple[datetime | None, datetime | None]] = field(default_factory=dict)
    """``issued``/``due``/``occurred``/``modified``: (after, before), both exclusive."""

    def deleted_included(self) -> bool:
        return self.include_deleted if self.include_deleted is not None else not self.live

    def next_cursor(self, last_seq: int | None, has_more: bool) -> str:
        """The cursor after a page whose last record has ``last_seq`` (None: empty page)."""
        after = last_seq if last_seq is not None else self.after
        return encode_cursor(self.model, after, live=has_more and not self.deleted_included())


_SELECTED = "seq, data, customer_id"  # what a page needs: its position and its bodies
_RANGE_COLUMNS = {
    "issued": "issued_at",
    "due": "due_at",
    "occurred": "occurred_at",
    "modified": "modified_at",
}
_EQUALS = frozenset({"email", "status", "currency", "customer_id", "event_type"})


def _where_sql(conn: Connection, tenant: str, spec: RecordFilter) -> tuple[str, list[Any]]:
    """The listing's WHERE clause as driver SQL and its parameters (column names only from
    the constants above; every value is a parameter)."""
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    when = driver_time(conn)
    parts = [f"tenant = {mark}", f"model = {mark}", f"seq > {mark}"]
    params: list[Any] = [tenant, spec.model, spec.after]
    if spec.connection_id is not None:
        parts.append(f"connection_id = {mark}")
        params.append(spec.connection_id)
    if spec.modified_after is not None:
        parts.append(f"modified_at > {mark}")
        params.append(when(spec.modified_after))
    if not spec.deleted_included():
        parts.append("NOT deleted")
    for name, value in spec.equals.items():
        if name not in _EQUALS:
            raise ValueError(f"not a filter column: {name}")
        parts.append(f"{name} = {mark}")
        params.append(value.lower() if name == "email" else value)
    for name, (low, high) in spec.ranges.items():
        column = _RANGE_COLUMNS[name]
        for bound, op in ((low, ">"), (high, "<")):
            if bound is not None:
                parts.append(f"{column} {op} {mark}")
                params.append(when(bound))
    return " AND ".join(parts), params


class PageRow(NamedTuple):
    """One record of a listing page: its position, its stored JSON and what bodies need."""

    seq: int
    data: str
    customer_id: str | None
    remote_data: str | None = None


def list_rows(
    conn: Connection,
    tenant: str,
    spec: RecordFilter,
    limit: int,
    *,
    remote_data: bool = False,
) -> tuple[list[PageRow], bool]:
    """Up to ``limit`` rows after the cursor, oldest change first, and whether more follow.
    The hot path of every listing: one statement on the driver's own cursor, all rows
    fetched at once as plain tuples."""
    scope_tenant(conn, tenant)
    where, params = _where_sql(conn, tenant, spec)
    columns = f"{_SELECTED}, remote_data" if remote_data else _SELECTED
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    sql = f"SELECT {columns} FROM canonry_records WHERE {where} ORDER BY seq LIMIT {mark}"  # noqa: S608
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, (*params, limit + 1))
        rows = [PageRow(*row) for row in cursor.fetchall()]
    finally:
        cursor.close()
    return rows[:limit], len(rows) > limit


def count_rows(conn: Connection, tenant: str, spec: RecordFilter) -> int:
    scope_tenant(conn, tenant)
    where, params = _where_sql(conn, tenant, spec)
    sql = f"SELECT count(*) FROM canonry_records WHERE {where}"  # noqa: S608
    return int(conn.exec_driver_sql(sql, tuple(params)).scalar_one())


def data_by_id(conn: Connection, tenant: str, model: str, ids: list[str]) -> dict[str, str]:
    """The stored JSON of each of ``ids`` that the tenant has (for ``expand``)."""
    scope_tenant(conn, tenant)
    query = sa.select(_RECORDS.c.id, _RECORDS.c.data).where(
        _RECORDS.c.tenant == tenant, _RECORDS.c.model == model, _RECORDS.c.id.in_(ids)
    )
    return {row.id: row.data for row in conn.execute(query)} if ids else {}


def get_row(
    conn: Connection, tenant: str, model: str, record_id: str, *, remote_data: bool = False
) -> Row[Any] | None:
    scope_tenant(conn, tenant)
    columns = (*_COLUMNS, _RECORDS.c.remote_data) if remote_data else _COLUMNS
    query = sa.select(*columns).where(
        _RECORDS.c.tenant == tenant, _RECORDS.c.model == model, _RECORDS.c.id == record_id
    )
    return conn.execute(query).first()
