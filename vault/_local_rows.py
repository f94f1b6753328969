"""The local store's SQL: credential rows and their version high-water marks.

Every write of a credential row raises its owner's mark (``canonry_credential_versions``) in
the same transaction, and a delete keeps the mark, so a version number is never used twice
for one (tenant, connection). Reads return the row together with its mark (one query), so
the store can refuse a row older than the newest version ever written: a row restored from
a backup, or replayed by someone with write access to the database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError

from canonical import ConflictError
from vault._tables import credentials_table, versions_table

__all__ = ["HIGH_WATER", "conflict", "raise_mark", "read", "rebind", "versions", "write"]

HIGH_WATER = "high_water"
"""The label of the mark in rows returned by :func:`read`."""


def _now() -> datetime:
    return datetime.now(UTC)


def conflict(tenant: str, connection: str, expected: int, found: int | None) -> ConflictError:
    state = "does not exist" if found is None else f"is at version {found}"
    return ConflictError(
        f"credential {tenant}/{connection} {state}, not version {expected}",
        hint="another writer changed it first; read it again and retry",
    )


def _owner(table: sa.Table, tenant: str, connection: str) -> tuple[sa.ColumnElement[bool], ...]:
    return (table.c.tenant == tenant, table.c.connection == connection)


def read(conn: Connection, tenant: str, connection: str) -> RowMapping | None:
    """The credential row with its mark (``HIGH_WATER``, None if it has none), or None."""
    t, m = credentials_table(), versions_table()
    joined = t.outerjoin(m, sa.and_(m.c.tenant == t.c.tenant, m.c.connection == t.c.connection))
    stmt = (
        sa.select(t, m.c.version.label(HIGH_WATER))
        .select_from(joined)
        .where(*_owner(t, tenant, connection))
    )
    return conn.execute(stmt).mappings().first()


def versions(conn: Connection, tenant: str, connection: str) -> tuple[int | None, int | None]:
    """(the row's version or None, the owner's mark or None)."""
    t, m = credentials_table(), versions_table()
    current = conn.execute(
        sa.select(t.c.version).where(*_owner(t, tenant, connection))
    ).scalar_one_or_none()
    mark = conn.execute(
        sa.select(m.c.version).where(*_owner(m, tenant, connection))
    ).scalar_one_or_none()
    return (None if current is None else int(current)), (None if mark is None else int(mark))


def raise_mark(conn: Connection, tenant: str, connection: str, version: int) -> None:
    """Set the owner's mark to ``version`` unless it is already higher (an upsert)."""
    m = versions_table()
    dialect = conn.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"the local store supports SQLite and PostgreSQL, not {dialect}")
    insert: Any = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(m)
    stmt = insert.values(tenant=tenant, connection=connection, version=version, updated_at=_now())
    new = stmt.excluded.version
    higher = sa.case((new > m.c.version, new), else_=m.c.version)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[m.c.tenant, m.c.connection],
            set_={"version": higher, "updated_at": stmt.excluded.updated_at},
        )
    )


def write(
    conn: Connection,
    tenant: str,
    connection: str,
    fields: dict[str, Any],
    *,
    current: int | None,
    version: int,
) -> None:
    """Store ``fields`` as ``version``; the row must still be at ``current`` (None: absent)."""
    t = credentials_table()
    if current is None:
        values = {"tenant": tenant, "connection": connection, "version": version, **fields}
        try:
            conn.execute(t.insert().values(created_at=_now(), **values))
        except IntegrityError as exc:
            raise conflict(tenant, connection, 0, None) from exc
    else:
        stmt = t.update().where(*_owner(t, tenant, connection), t.c.version == current)
        if conn.execute(stmt.values(version=version, **fields)).rowcount != 1:
            raise ConflictError(
                f"credential {tenant}/{connection} changed while it was being written",
                hint="another writer changed it first; read it again and retry",
            )
    raise_mark(conn, tenant, connection, version)


def rebind(conn: Connection, row: RowMapping, fields: dict[str, Any], *, version: int) -> bool:
    """Replace ``row``'s sealed fields (and version) if nobody changed it since it was read."""
    t = credentials_table()
    stmt = (
        t.update()
        .where(
            t.c.id == row["id"],
            t.c.version == row["version"],
            t.c.data_key_id == row["data_key_id"],
        )
        .values(version=version, **fields)
    )
    if conn.execute(stmt).rowcount != 1:
        return False
    raise_mark(conn, row["tenant"], row["connection"], version)
    return True
