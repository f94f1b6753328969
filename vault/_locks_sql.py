"""``SqlConnectionLock``: a per-connection lock shared by processes through the database.

PostgreSQL: ``pg_advisory_xact_lock(<namespace>, hashtext(key))`` inside a transaction held
open while the lock is held; the server releases it at commit, rollback or when the holding
process dies. ``lock_timeout`` bounds the wait.

SQLite: a lease row in ``canonry_connection_locks`` claimed in a short ``BEGIN IMMEDIATE``
transaction (so two processes cannot both claim it), polled while another owner's lease is
live, deleted on release. A crashed holder's lease expires after ``lease`` seconds, which
must exceed the longest refresh (the token endpoint's timeouts times its attempts). The
database write lock is held only for the claim, never while refreshing.

Threads of one process first take the process-wide ``ThreadConnectionLock``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from canonical import ConfigurationError
from vault._locks import ConnectionLock, ThreadConnectionLock, lock_key, lock_timeout_error

__all__ = ["SqlConnectionLock", "lock_table"]

_PG_NAMESPACE = 0x43414E4F  # "CANO": keeps our advisory locks apart from other users'
_metadata = sa.MetaData()
lock_table = sa.Table(
    "canonry_connection_locks",
    _metadata,
    sa.Column("lock_key", sa.String(300), primary_key=True),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)


class SqlConnectionLock(ConnectionLock):
    """Cross-process lock on PostgreSQL (advisory locks) or SQLite (lease rows)."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        timeout: float = 30.0,
        lease: float = 120.0,
        poll: float = 0.05,
    ) -> None:
        dialect = engine.dialect.name
        if dialect not in {"postgresql", "sqlite"}:
            raise ConfigurationError(
                f"SqlConnectionLock supports PostgreSQL and SQLite, not {dialect}",
                hint="point CANONRY_DATABASE_URL at PostgreSQL or SQLite",
            )
        self.engine = engine
        self.timeout = timeout
        self.lease = lease
        self.poll = poll
        self._threads = ThreadConnectionLock(timeout=timeout)
        self._table_ready = dialect == "postgresql"

    def __repr__(self) -> str:
        return f"SqlConnectionLock({self.engine.dialect.name}, timeout={self.timeout:g})"

    @contextmanager
    def hold(self, tenant: str, connection: str) -> Iterator[None]:
        key = lock_key(tenant, connection)
        with self._threads.hold(tenant, connection):
            if self.engine.dialect.name == "postgresql":
                with self._postgres(key):
                    yield
            else:
                with self._sqlite(key):
                    yield

    @contextmanager
    def _postgres(self, key: str) -> Iterator[None]:
        with self.engine.connect() as conn, conn.begin():
            millis = max(int(self.timeout * 1000), 1)
            conn.execute(
                sa.text("SELECT set_config('lock_timeout', :t, true)"), {"t": f"{millis}ms"}
            )
            try:
                conn.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))"),
                    {"ns": _PG_NAMESPACE, "key": key},
                )
            except OperationalError as exc:
                raise lock_timeout_error(key, self.timeout) from exc
            yield

    @contextmanager
    def _sqlite(self, key: str) -> Iterator[None]:
        if not self._table_ready:
            # IF NOT EXISTS: several processes may create it at the same moment.
            with self.engine.begin() as conn:
                conn.execute(sa.schema.CreateTable(lock_table, if_not_exists=True))
            self._table_ready = True
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + self.timeout
        while not self._claim(key, owner):
            if time.monotonic() >= deadline:
                raise lock_timeout_error(key, self.timeout)
            time.sleep(self.poll)
        try:
            yield
        finally:
            self._release(key, owner)

    def _claim(self, key: str, owner: str) -> bool:
        """Take the lease if it is free or expired, in one IMMEDIATE transaction."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                now = time.time()
                row = conn.execute(
                    sa.select(lock_table.c.expires_at).where(lock_table.c.lock_key == key)
                ).first()
                if row is not None and row.expires_at > now:
                    conn.rollback()
                    return False
                values = {"owner": owner, "expires_at": now + self.lease}
                if row is None:
                    conn.execute(lock_table.insert().values(lock_key=key, **values))
                else:
                    conn.execute(
                        lock_table.update().where(lock_table.c.lock_key == key).values(**values)
                    )
                conn.commit()
                return True
        except OperationalError:  # "database is locked": someone else is claiming right now
            return False

    def _release(self, key: str, owner: str) -> None:
        for _ in range(20):
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        lock_table.delete().where(
                            lock_table.c.lock_key == key, lock_table.c.owner == owner
                        )
                    )
                return
            except OperationalError:
                time.sleep(self.poll)
        # Could not delete: the lease still expires by itself after ``lease`` seconds.
