"""The inbox helpers on SQLite and PostgreSQL: insert once, skip duplicates, get, list."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

import webhooks
from registry import Registry, create_engine, upgrade
from tests.webhooks.conftest import ADAPTERS
from vault import LocalCredentialStore, LocalKeyring
from webhooks import InboxStatus, NewInboxItem, get_item, insert_items, list_items


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine_and_connection(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[sa.Engine, str]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'inbox.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    upgrade(engine)
    store = LocalCredentialStore(engine, LocalKeyring.generate(), create_table=False)
    with Registry(url, tenant="acme", credentials=store, adapters=ADAPTERS) as registry:
        conn_id = registry.add_connection("billing", "stripe").id
    yield engine, conn_id
    engine.dispose()


def _item(conn_id: str, event: str, *, minutes: int = 0, tenant: str = "acme") -> NewInboxItem:
    when = datetime(2026, 11, 21, 12, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    return NewInboxItem(
        tenant=tenant,
        connection_id=conn_id,
        adapter="stripe",
        vendor_event_id=event,
        vendor_event_type="invoice.paid",
        object_type="invoice",
        object_id="in_1",
        occurred_at=when,
        body=b'{"id": "%s"}' % event.encode(),
        headers={"stripe-signature": "t=1,v1=00"},
        received_at=when,
    )


def test_insert_skips_what_is_already_stored(engine_and_connection: tuple[sa.Engine, str]) -> None:
    engine, conn_id = engine_and_connection
    first = [_item(conn_id, "evt_1"), _item(conn_id, "evt_2", minutes=1)]
    with engine.begin() as conn:
        assert insert_items(conn, first) == [i.id for i in first]
    again = [_item(conn_id, "evt_2"), _item(conn_id, "evt_3", minutes=2), _item(conn_id, "evt_3")]
    with engine.begin() as conn:
        assert insert_items(conn, again) == [again[1].id]  # evt_2 stored, evt_3 repeated
        assert insert_items(conn, []) == []
    with engine.connect() as conn:
        newest = list_items(conn, "acme")
        stored = get_item(conn, first[0].id, tenant="acme")
        assert get_item(conn, again[0].id, tenant="acme") is None
        assert list_items(conn, "other-tenant") == []
        assert list_items(conn, "acme", status="done") == []
        assert [i.vendor_event_id for i in list_items(conn, "acme", limit=2)] == ["evt_3", "evt_2"]
    assert [i.vendor_event_id for i in newest] == ["evt_3", "evt_2", "evt_1"]
    assert stored is not None
    assert stored.body == b'{"id": "evt_1"}'
    assert stored.status is InboxStatus.RECEIVED
    assert stored.occurred_at == datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert stored.headers == {"stripe-signature": "t=1,v1=00"}


def test_an_insert_rolled_back_leaves_nothing(engine_and_connection: tuple[sa.Engine, str]) -> None:
    engine, conn_id = engine_and_connection

    def insert_then_fail() -> None:
        with engine.begin() as conn:
            insert_items(conn, [_item(conn_id, "evt_9")])
            raise RuntimeError("enqueue failed")

    with pytest.raises(RuntimeError):
        insert_then_fail()
    with engine.connect() as conn:
        assert list_items(conn, "acme") == []


def test_partition_keys_group_events_by_object() -> None:
    a, b = _item("c1", "evt_1"), _item("c1", "evt_2")
    assert a.ref().partition_key == b.ref().partition_key == "c1:invoice:in_1"
    loose = NewInboxItem(**{**a.__dict__, "object_id": None, "id": "x1"})
    assert loose.ref().partition_key == "c1:invoice:#x1"


def test_public_names_resolve() -> None:
    mine = {
        "create_app", "WebhookSettings", "InboxRow", "InboxItem", "InboxItemRef", "InboxStatus",
        "NewInboxItem", "insert_items", "get_item", "list_items", "INBOX", "INBOX_TABLE",
        "METRICS_REGISTRY", "InboxWriter", "Enqueue", "DeclaredScheme", "declared_scheme",
        "build_test_delivery", "DEFAULT_MAX_BODY", "status_for",
    }  # fmt: skip
    assert mine <= set(webhooks.__all__)
    for name in webhooks.__all__:
        assert getattr(webhooks, name) is not None
    with pytest.raises(AttributeError):
        webhooks.not_a_name  # noqa: B018


def test_summaries_list_what_items_list_without_bodies_from_the_listing_index(
    engine_and_connection: tuple[sa.Engine, str],
) -> None:
    engine, conn_id = engine_and_connection
    items = [_item(conn_id, f"evt_s{n}", minutes=n) for n in range(5)]
    with engine.begin() as conn:
        insert_items(conn, items)
    with engine.connect() as conn:
        full = webhooks.list_items(conn, "acme", limit=3)
        summaries = webhooks.list_summaries(conn, "acme", limit=3)
        assert webhooks.list_summaries(conn, "other-tenant") == []
        if engine.dialect.name == "sqlite":
            query = webhooks._inbox_list._newest(
                webhooks._inbox_list._SUMMARY, "acme", None, 50, None
            )
            sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
            assert "ix_canonry_webhook_inbox_tenant_received" in plan
            assert "TEMP B-TREE" not in plan  # no sort of the tenant's whole inbox
    assert [s.vendor_event_id for s in summaries] == ["evt_s4", "evt_s3", "evt_s2"]
    assert [(s.id, s.received_at, s.status) for s in summaries] == [
        (i.id, i.received_at, i.status) for i in full
    ]
    assert not hasattr(summaries[0], "body")
