"""Result rows (webhook bodies, personal data, ciphertexts) never reach SQLAlchemy's logs,
even at DEBUG, where SQLAlchemy logs every row it fetches (issue 15, item 6)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry import Registry, create_engine, upgrade
from tests.webhooks.conftest import ADAPTERS
from vault import LocalCredentialStore, LocalKeyring, make_engine, private_sql_logging
from webhooks import NewInboxItem, insert_items, list_items

BODY_CANARY = "CANARY-body-ada@example.com-4242"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rows.db'}"
    value: str = request.getfixturevalue("postgres_url")
    return value


def _delivery(conn_id: str) -> NewInboxItem:
    when = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    return NewInboxItem(
        tenant="acme",
        connection_id=conn_id,
        adapter="stripe",
        vendor_event_id="evt_rows",
        vendor_event_type="invoice.paid",
        object_type="invoice",
        object_id="in_1",
        occurred_at=when,
        body=b'{"id": "evt_rows", "email": "%s"}' % BODY_CANARY.encode(),
        headers={"stripe-signature": "t=1,v1=00"},
        received_at=when,
    )


def test_inbox_rows_stay_out_of_debug_sql_logs(url: str, caplog: pytest.LogCaptureFixture) -> None:
    engine = create_engine(url)
    upgrade(engine)
    store = LocalCredentialStore(engine, LocalKeyring.generate(), create_table=False)
    with Registry(url, tenant="acme", credentials=store, adapters=ADAPTERS) as registry:
        conn_id = registry.add_connection("billing", "stripe").id
    with engine.begin() as conn:
        insert_items(conn, [_delivery(conn_id)])
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    with engine.connect() as conn:
        items = list_items(conn, "acme")
    engine.dispose()

    assert BODY_CANARY.encode() in items[0].body  # the row was read ...
    assert "FROM canonry_webhook_inbox" in caplog.text  # ... the statement was logged at DEBUG ...
    assert "Row (values hidden by Canonry)" in caplog.text  # ... and each row, hidden
    assert BODY_CANARY not in caplog.text


@pytest.mark.parametrize("factory", [create_engine, make_engine], ids=["registry", "vault"])
def test_echo_debug_hides_rows_too(
    factory: Callable[..., sa.Engine], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'echo.db'}"
    engine = factory(url)
    engine.echo = "debug"  # what `create_engine(..., echo="debug")` users turn on
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    with engine.connect() as conn:
        value = conn.execute(sa.text("select :v"), {"v": BODY_CANARY}).scalar_one()
    engine.dispose()
    assert value == BODY_CANARY
    assert "Row (values hidden by Canonry)" in caplog.text
    assert BODY_CANARY not in caplog.text


def test_the_host_applications_engines_are_left_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ours = create_engine(f"sqlite:///{tmp_path / 'ours.db'}")
    theirs = sa.create_engine(f"sqlite:///{tmp_path / 'theirs.db'}")
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    with theirs.connect() as conn:
        conn.execute(sa.text("select 'their-row-value'")).all()
    ours.dispose()
    theirs.dispose()
    assert "their-row-value" in caplog.text  # Canonry does not filter other engines' logs


def test_private_sql_logging_needs_an_engine_of_its_own() -> None:
    with pytest.raises(ValueError, match="logging_name"):
        private_sql_logging(sa.create_engine("sqlite://"))
