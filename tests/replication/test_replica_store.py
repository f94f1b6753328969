"""The kit's ``Replica`` agrees with the record store: the same runs of pages, written by
``registry._store`` into SQLite and by the ``Replica`` in memory, leave the same live
records, the same tombstones and the same content (hypothesis draws the runs)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters import Page
from canonical import CanonicalModel, Customer, Source
from plugins.testing import Replica
from plugins.testing._replica import content
from registry import Registry, create_engine, upgrade
from registry._store import lock_sequence, reconcile, write_records
from registry._store_rows import prepare
from registry._store_tables import RecordRow
from tests.plugins.memory_adapter import GOOD_KEY, MemoryAdapter
from vault import LocalCredentialStore, LocalKeyring

NOW = datetime(2026, 12, 1, tzinfo=UTC)
_RECORDS: sa.Table = RecordRow.__table__  # type: ignore[attr-defined]

record = st.fixed_dictionaries(
    {
        "id": st.sampled_from([f"c{n}" for n in range(6)]),
        "name": st.sampled_from(["Ann", "Bob", "Cy"]),
        "deleted": st.booleans(),
        "day": st.one_of(st.none(), st.integers(min_value=1, max_value=4)),
    }
)
page = st.tuples(st.lists(record, max_size=4), st.booleans())  # records, snapshot_start
run = st.tuples(st.booleans(), st.lists(page, max_size=3), st.booleans())
"""(from no cursor, pages, read to exhaustion)"""


class _Store:
    """The store side of the runs, as ``registry._sync_store.SyncStore`` drives it."""

    def __init__(self, engine: sa.Engine, tenant: str, connection_id: str) -> None:
        self.engine, self.tenant, self.connection_id = engine, tenant, connection_id
        self.snapshot: tuple[str, int] | None = None

    def start_snapshot(self) -> None:
        with self.engine.begin() as conn:
            self.snapshot = (uuid.uuid4().hex, lock_sequence(conn, self.tenant))

    def write(self, objects: list[CanonicalModel]) -> None:
        prepared = [prepare(obj, observed_at=NOW) for obj in objects]
        with self.engine.begin() as conn:
            write_records(
                conn, prepared, tenant=self.tenant, connection_id=self.connection_id,
                stream="customers", now=NOW, snapshot=self.snapshot[0] if self.snapshot else None,
            )  # fmt: skip

    def complete(self) -> None:
        if self.snapshot is None:
            return
        with self.engine.begin() as conn:
            reconcile(
                conn, tenant=self.tenant, connection_id=self.connection_id, stream="customers",
                snapshot=self.snapshot[0], started_seq=self.snapshot[1], now=NOW,
            )  # fmt: skip
        self.snapshot = None

    def rows(self) -> dict[str, tuple[bool, dict[str, Any]]]:
        query = sa.select(_RECORDS.c.remote_id, _RECORDS.c.deleted, _RECORDS.c.data).where(
            _RECORDS.c.tenant == self.tenant
        )
        with self.engine.connect() as conn:
            return {r.remote_id: (r.deleted, json.loads(r.data)) for r in conn.execute(query)}


@pytest.fixture(scope="module")
def store_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[sa.Engine, str]]:
    """A migrated SQLite store with one connection (records need a connection row)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'canonry.db'}"
    engine = create_engine(url)
    upgrade(engine)
    credentials = LocalCredentialStore(engine, LocalKeyring.generate(), create_table=False)
    with Registry(
        url, tenant="kit", adapters={"memory": MemoryAdapter}, credentials=credentials
    ) as reg:
        connection = reg.add_connection("kit", "memory", {}, {"api_key": GOOD_KEY})
    yield engine, connection.id
    engine.dispose()


def _customer(raw: dict[str, Any], source: Source) -> Customer:
    day = raw["day"]
    updated = datetime(2026, 1, day, tzinfo=UTC) if day is not None else None
    return Customer(remote_id=raw["id"], source=source, name=raw["name"],
                    remote_was_deleted=raw["deleted"], updated_at=updated)  # fmt: skip


@given(runs=st.lists(run, min_size=1, max_size=5))
@settings(max_examples=100, deadline=None, database=None, derandomize=True)
def test_the_replica_keeps_what_the_store_keeps(
    store_db: tuple[sa.Engine, str], runs: list[tuple[bool, list[Any], bool]]
) -> None:
    engine, connection_id = store_db
    store = _Store(engine, f"t{uuid.uuid4().hex[:12]}", connection_id)
    adapter = MemoryAdapter({}, {"api_key": GOOD_KEY}, connection_id=connection_id)
    replica = Replica(adapter, "customers", clock=lambda: NOW)
    for fresh, pages, exhausted in runs:
        replica.begin_run(None if fresh else {"resumed": True})
        if fresh:
            store.start_snapshot()
        for records, snapshot_start in pages:
            objects = [_customer(r, replica.source) for r in records]
            replica.apply(Page([], None, snapshot_start=snapshot_start))
            if snapshot_start:
                store.start_snapshot()
            replica.write_page(objects)
            store.write(objects)
        if exhausted:
            replica.complete()
            store.complete()
    rows = store.rows()
    kept = {i: (e.deleted, content(e.obj)) for i, e in replica.records.items()}
    assert set(kept) == set(rows)
    for remote_id, (deleted, data) in rows.items():
        mine = kept[remote_id][1]
        differ = {
            k: (mine.get(k), data.get(k)) for k in {*mine, *data} if mine.get(k) != data.get(k)
        }
        assert (kept[remote_id][0], differ) == (deleted, {}), remote_id
