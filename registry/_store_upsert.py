"""The store's hot statement: one multi-row ``INSERT ... ON CONFLICT DO UPDATE ... WHERE``.

The database itself decides what changed: a conflicting row is replaced only when its
content hash differs and the incoming state is not older than the stored one, and
``RETURNING`` names the rows written. Parameters go to the driver as plain tuples (SQLite
datetimes pre-formatted the way SQLAlchemy stores them), so a page of a thousand records
is one statement with no per-value Python processing beyond building its tuple.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from registry._store_rows import FILTER_COLUMNS, FILTER_TIMES, PreparedRecord
from registry._store_scope import sqlite_time

__all__ = ["COLUMNS", "upsert_rows"]

COLUMNS = (
    "tenant", "model", "id", "connection_id", "stream", "remote_id", "seq", "content_hash",
    "data", "deleted", "version_at", "modified_at", "snapshot", "remote_data",
    "remote_data_at", *FILTER_COLUMNS,
)  # fmt: skip
_TIME_SLOTS = [i for i, name in enumerate(FILTER_COLUMNS) if name in FILTER_TIMES]
_T0, _T1 = _TIME_SLOTS[0], _TIME_SLOTS[-1] + 1
assert list(range(_T0, _T1)) == _TIME_SLOTS, "the time filters are adjacent columns"
_NO_TIMES = (None,) * len(_TIME_SLOTS)
_KEY = ("tenant", "model", "id")
_REPLACED = [c for c in COLUMNS if c not in _KEY]
_MAX_PARAMS = 30_000  # under SQLite's 32,766 and PostgreSQL's 65,535 per statement
_SQL_CACHE: dict[tuple[str, int], str] = {}


def _sql(dialect: str, rows: int) -> str:
    key = (dialect, rows)
    found = _SQL_CACHE.get(key)
    if found is None:
        mark = "%s" if dialect == "postgresql" else "?"
        one = "(" + ",".join([mark] * len(COLUMNS)) + ")"
        # built only from the constant column names above: no value is ever interpolated
        found = (
            f"INSERT INTO canonry_records ({','.join(COLUMNS)}) VALUES "  # noqa: S608
            + ",".join([one] * rows)
            + f" ON CONFLICT ({','.join(_KEY)}) DO UPDATE SET "
            + ",".join(f"{c}=excluded.{c}" for c in _REPLACED)
            + " WHERE canonry_records.content_hash <> excluded.content_hash"
            " AND (canonry_records.version_at IS NULL OR excluded.version_at IS NULL"
            " OR excluded.version_at >= canonry_records.version_at)"
            " RETURNING id, deleted"
        )
        _SQL_CACHE[key] = found
    return found


class _SqliteTimes:
    """SQLAlchemy's SQLite storage text for DateTime (UTC, naive, microseconds), memoised:
    a page's records mostly share one observation time."""

    def __init__(self) -> None:
        self._seen: dict[datetime, str] = {}

    def __call__(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        text = self._seen.get(value)
        if text is None:
            text = self._seen[value] = sqlite_time(value)
        return text


def _same(value: Any) -> Any:
    return value


def upsert_rows(
    conn: Connection,
    records: Sequence[PreparedRecord],
    seqs: Sequence[int],
    *,
    tenant: str,
    connection_id: str,
    stream: str,
    now: datetime,
    snapshot: str | None,
) -> list[tuple[str, bool]]:
    """Write the records that changed; ``(id, deleted)`` of each row written."""
    sqlite = conn.dialect.name != "postgresql"
    when = _SqliteTimes() if sqlite else _same
    stamp = when(now)
    values: list[Any] = []
    for record, seq in zip(records, seqs, strict=True):
        raw = record.remote_data
        filters = record.filters
        if sqlite and filters[_T0:_T1] != _NO_TIMES:
            filters = tuple(when(v) if i in _TIME_SLOTS else v for i, v in enumerate(filters))
        values += (
            tenant, record.model, record.id, connection_id, stream, record.remote_id, seq,
            record.content_hash, record.data, int(record.deleted) if sqlite else record.deleted,
            when(record.version_at), stamp, snapshot, raw, stamp if raw is not None else None,
            *filters,
        )  # fmt: skip
    written: list[tuple[str, bool]] = []
    per_statement = _MAX_PARAMS // len(COLUMNS)
    width = len(COLUMNS)
    for start in range(0, len(records), per_statement):
        count = min(per_statement, len(records) - start)
        chunk = values[start * width : (start + count) * width]
        result = conn.exec_driver_sql(_sql(conn.dialect.name, count), tuple(chunk))
        written += [(row[0], bool(row[1])) for row in result]
    return written
