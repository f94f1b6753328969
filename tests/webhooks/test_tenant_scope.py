"""Issue 15 item 5: the inbox's SDK entry points are tenant-scoped; unscoped administration
is a separately named function."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from canonical import NotFoundInRegistry
from registry import Registry, create_engine, upgrade
from tests.webhooks.conftest import ADAPTERS
from vault import LocalCredentialStore, LocalKeyring
from webhooks import NewInboxItem, get_item, get_item_any_tenant, insert_items
from webhooks.jobs import replay


@pytest.fixture
def stored(tmp_path: Path) -> Iterator[tuple[sa.Engine, str]]:
    url = f"sqlite:///{tmp_path / 'scope.db'}"
    engine = create_engine(url)
    upgrade(engine)
    store = LocalCredentialStore(engine, LocalKeyring.generate(), create_table=False)
    with Registry(url, tenant="acme", credentials=store, adapters=ADAPTERS) as registry:
        conn_id = registry.add_connection("billing", "stripe").id
    when = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    item = NewInboxItem(
        tenant="acme",
        connection_id=conn_id,
        adapter="stripe",
        vendor_event_id="evt_scope",
        vendor_event_type="invoice.paid",
        object_type="invoice",
        object_id="in_1",
        occurred_at=when,
        body=b'{"id": "evt_scope"}',
        headers={},
        received_at=when,
    )
    with engine.begin() as conn:
        [item_id] = insert_items(conn, [item])
    yield engine, item_id
    engine.dispose()


def test_get_item_needs_the_tenant_and_hides_other_tenants_items(
    stored: tuple[sa.Engine, str],
) -> None:
    engine, item_id = stored
    assert inspect.signature(get_item).parameters["tenant"].default is inspect.Parameter.empty
    with engine.connect() as conn:
        mine = get_item(conn, item_id, tenant="acme")
        assert mine is not None
        assert mine.tenant == "acme"
        assert get_item(conn, item_id, tenant="globex") is None
        anyone = get_item_any_tenant(conn, item_id)  # explicitly unscoped administration
        assert anyone is not None
        assert anyone.id == item_id


def test_replay_needs_the_tenant_and_refuses_other_tenants_items(
    stored: tuple[sa.Engine, str],
) -> None:
    engine, item_id = stored
    assert inspect.signature(replay).parameters["tenant"].default is inspect.Parameter.empty
    with pytest.raises(NotFoundInRegistry, match=item_id):
        replay(engine, item_id, tenant="globex")
    with engine.connect() as conn:
        status = conn.execute(
            sa.text("select status from canonry_webhook_inbox where id = :i"), {"i": item_id}
        ).scalar_one()
    assert status == "received"  # untouched
