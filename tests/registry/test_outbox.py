"""The outbox: what the store, a failed sync and a refused credential announce, written in
their own transaction, one row per page and model, only for tenants that listen."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import sqlalchemy as sa

from registry import Registry
from registry._outbox import (
    EVENT_TYPES,
    RECORDS_CHANGED,
    OutboxRow,
    claim_outbox,
    set_subscriptions,
)
from registry._store_query import encode_cursor
from tests.registry.conftest import MakeRegistry
from tests.registry.fake_adapter import FakeAPI

_OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]


def _rows(reg: Registry) -> list[Any]:
    with reg.engine.connect() as conn:
        return list(conn.execute(sa.select(_OUTBOX).order_by(_OUTBOX.c.id)))


def _sync(reg: Registry, **kwargs: Any) -> int:
    return sum(1 for _ in reg.sync("shop", "customers", **kwargs))


def _subscribe(reg: Registry, *kinds: str) -> None:
    with reg.engine.begin() as conn:
        set_subscriptions(conn, reg.tenant, kinds)


@pytest.fixture
def reg(make_registry: MakeRegistry, fake_api: FakeAPI) -> Registry:
    registry = make_registry()
    registry.add_connection(
        "shop", "fake", {"base_url": fake_api.url, "page_size": 100}, {"api_key": "sk_test_o"}
    )
    return registry


def test_a_tenant_without_listeners_gets_no_rows(reg: Registry) -> None:
    assert _sync(reg) == 250
    assert _rows(reg) == []


def test_one_row_per_written_page_with_its_sequence_range(reg: Registry, fake_api: FakeAPI) -> None:
    _subscribe(reg, RECORDS_CHANGED)
    _sync(reg)
    rows = _rows(reg)
    assert [(r.kind, r.model, r.changed, r.deleted) for r in rows] == [
        (RECORDS_CHANGED, "customer", 100, 0), (RECORDS_CHANGED, "customer", 100, 0),
        (RECORDS_CHANGED, "customer", 50, 0),
    ]  # fmt: skip
    assert rows[0].seq_before == 0
    for earlier, later in itertools.pairwise(rows):
        assert later.seq_before == earlier.last_seq
    _sync(reg, full=True)  # nothing changed: nothing announced
    assert len(_rows(reg)) == 3
    fake_api.total = 230
    _sync(reg, full=True)  # reconciliation tombstones 20
    last = _rows(reg)[-1]
    assert (last.changed, last.deleted) == (20, 20)
    assert last.seq_before >= rows[-1].last_seq  # unchanged pages left gaps, never overlaps
    since = reg.records("customers", cursor=encode_cursor("customer", last.seq_before))
    assert len(since) == 20
    assert all(r.remote_was_deleted for r in since)
    reg_conn = reg.get_connection("shop")
    assert {r.connection_id for r in _rows(reg)} == {reg_conn.id}


def test_rows_belong_to_the_writers_transaction(reg: Registry, fake_api: FakeAPI) -> None:
    _subscribe(reg, *EVENT_TYPES)
    fake_api.bad_record = 150  # the second page cannot be mapped
    with pytest.raises(Exception, match="remote_id"):
        _sync(reg)
    rows = _rows(reg)
    assert [r.kind for r in rows] == [RECORDS_CHANGED, "sync.failed"]
    assert rows[0].changed == 100  # the first page committed; the failed one wrote nothing
    assert '"stream": "customers"' in rows[1].data


def test_needs_reauth_is_announced_once(reg: Registry) -> None:
    _subscribe(reg, "connection.needs_reauth")
    reg.set_credentials("shop", {"api_key": "revoked"})
    for _ in range(2):
        with pytest.raises(Exception, match="revoked"):
            _sync(reg)
    assert [r.kind for r in _rows(reg)] == ["connection.needs_reauth"]


def test_claiming_takes_rows_out(reg: Registry) -> None:
    _subscribe(reg, RECORDS_CHANGED)
    _sync(reg)
    with reg.engine.begin() as conn:
        taken = claim_outbox(conn, limit=2)
    assert [e.changed for e in taken] == [100, 100]
    with reg.engine.begin() as conn:
        claim_outbox(conn, limit=10)
        conn.rollback()  # a dispatcher that fails puts them back
    with reg.engine.begin() as conn:
        rest = claim_outbox(conn, limit=10)
    assert [e.changed for e in rest] == [50]
    assert _rows(reg) == []


@pytest.mark.postgres
def test_concurrent_claims_take_disjoint_rows(
    make_registry: MakeRegistry, fake_api: FakeAPI
) -> None:
    reg = make_registry()
    if reg.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: claims are serialised")
    reg.add_connection(
        "shop", "fake", {"base_url": fake_api.url, "page_size": 50}, {"api_key": "sk_x"}
    )
    _subscribe(reg, RECORDS_CHANGED)
    _sync(reg)
    with reg.engine.connect() as first, reg.engine.connect() as second, first.begin():
        held = claim_outbox(first, limit=2)
        with second.begin():
            other = claim_outbox(second, limit=10)
    assert len(held) == 2
    assert len(other) == 3
    assert not {e.id for e in held} & {e.id for e in other}
