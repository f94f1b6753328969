"""The per-connection refresh locks: bounded waits, crashed holders, release."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from canonical import ConflictError
from vault import SqlConnectionLock, ThreadConnectionLock, make_engine
from vault._locks import lock_key
from vault._locks_sql import lock_table


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'locks.db'}")
    yield engine
    engine.dispose()


def _lease_rows(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [(r.lock_key, r.owner) for r in conn.execute(sa.select(lock_table))]


def test_thread_lock_wait_is_bounded() -> None:
    holder = ThreadConnectionLock()
    waiter = ThreadConnectionLock(timeout=0.1)
    with (
        holder.hold("acme", "c1"),
        pytest.raises(ConflictError, match="refresh lock") as info,
        waiter.hold("acme", "c1"),
    ):
        pass
    assert info.value.retryable
    with waiter.hold("acme", "c2"):  # other connections are independent
        pass


def test_thread_lock_excludes_threads() -> None:
    lock = ThreadConnectionLock()
    inside: list[int] = []
    overlaps: list[int] = []

    def work() -> None:
        with lock.hold("acme", "shared"):
            inside.append(1)
            if len(inside) > 1:
                overlaps.append(1)
            time.sleep(0.01)
            inside.pop()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []


def test_sqlite_lease_is_released(sqlite_engine: Engine) -> None:
    lock = SqlConnectionLock(sqlite_engine)
    with lock.hold("acme", "c1"):
        assert [k for k, _ in _lease_rows(sqlite_engine)] == [lock_key("acme", "c1")]
    assert _lease_rows(sqlite_engine) == []


def test_sqlite_live_lease_of_another_process_blocks_until_timeout(sqlite_engine: Engine) -> None:
    lock = SqlConnectionLock(sqlite_engine, timeout=0.2)
    with lock.hold("acme", "warmup"):  # creates the table
        pass
    with sqlite_engine.begin() as conn:  # another process's live lease
        conn.execute(
            lock_table.insert().values(
                lock_key=lock_key("acme", "c1"), owner="other", expires_at=time.time() + 60
            )
        )
    with pytest.raises(ConflictError, match="acme/c1"), lock.hold("acme", "c1"):
        pass
    assert _lease_rows(sqlite_engine) == [(lock_key("acme", "c1"), "other")]


def test_sqlite_expired_lease_of_a_crashed_holder_is_taken_over(sqlite_engine: Engine) -> None:
    lock = SqlConnectionLock(sqlite_engine, timeout=60)  # not taken over: ConflictError
    with lock.hold("acme", "warmup"):
        pass
    with sqlite_engine.begin() as conn:
        conn.execute(
            lock_table.insert().values(
                lock_key=lock_key("acme", "c1"), owner="crashed", expires_at=time.time() - 1
            )
        )
    with lock.hold("acme", "c1"):
        [(key, owner)] = _lease_rows(sqlite_engine)
        assert (key, owner != "crashed") == (lock_key("acme", "c1"), True)
    assert _lease_rows(sqlite_engine) == []


def test_postgres_advisory_lock_wait_is_bounded(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        lock = SqlConnectionLock(engine, timeout=0.2)
        with engine.connect() as other:  # another process holding the advisory lock
            other.execute(
                sa.text("SELECT pg_advisory_lock(:ns, hashtext(:key))"),
                {"ns": 0x43414E4F, "key": lock_key("acme", "c1")},
            )
            with pytest.raises(ConflictError, match="acme/c1"), lock.hold("acme", "c1"):
                pass
            with lock.hold("acme", "c2"):  # a different connection is not blocked
                pass
            other.execute(sa.text("SELECT pg_advisory_unlock_all()"))
            other.commit()
        with lock.hold("acme", "c1"):
            pass
    finally:
        engine.dispose()
