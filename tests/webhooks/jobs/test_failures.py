"""Every outcome reaches the inbox: reading an event that keeps failing ends ``dead`` with
its error and attempts (replayable); transient faults (Vault sealed, Canonry's database
briefly refusing) retry until they pass; nothing stays ``received``."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from canonical import Event
from plugins.fakes import HUBSPOT_TOKEN, HubSpotFake, LoopbackHTTPServer
from registry import Registry
from tests.fakes.vault_server import ROOT_TOKEN, FakeVault
from tests.webhooks.jobs.conftest import JobsEnv, now_s, stripe_event
from vault import HashiCorpStore, VaultSettings
from webhooks import NewInboxItem, get_item
from webhooks.handlers import HandlerRegistry
from webhooks.jobs import dead_letters, replay


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _contact_event(env: JobsEnv, connection_id: str, contact_id: int) -> list[str]:
    events: list[dict[str, object]] = [{
        "portalId": 62515, "subscriptionId": 7, "objectId": contact_id, "eventId": 1,
        "subscriptionType": "contact.creation", "occurredAt": int(time.time() * 1000),
    }]  # fmt: skip
    return env.deliver_hubspot(connection_id, events)


def _stored(env: JobsEnv, item_id: str) -> Any:
    with env.engine.connect() as conn:
        return get_item(conn, item_id, tenant=env.tenant)


@pytest.fixture
def fake() -> Iterator[HubSpotFake]:
    with LoopbackHTTPServer() as server:
        yield HubSpotFake().start(server)


def test_a_vendor_fetch_that_keeps_failing_ends_dead_and_replays_after_the_fix(
    jobs_env: JobsEnv, fake: HubSpotFake
) -> None:
    down = f"http://127.0.0.1:{_closed_port()}"
    connection = jobs_env.registry.add_connection(
        "crm",
        "hubspot",
        {"base_url": down, "max_attempts": 1, "timeout": 2},
        {"access_token": HUBSPOT_TOKEN, "client_secret": "s"},
    )
    contact = fake.create("contacts", {"email": "ada@example.com", "firstname": "Ada"})
    seen: list[Event] = []
    handlers = HandlerRegistry()
    handlers.on("customer.*", name="crm")(lambda e, *, idempotency_key: seen.append(e))
    jobs_env.launch(handlers, read_attempts=3, read_retry_interval=0.05)
    [item] = _contact_event(jobs_env, connection.id, int(contact["id"]))
    assert jobs_env.wait([item]) == {item: "dead"}
    stored = _stored(jobs_env, item)
    assert stored.attempts == 3
    assert stored.last_error.startswith("read_event: VendorConnectionError")
    assert [d.id for d in dead_letters(jobs_env.engine, "acme")] == [item]
    assert seen == []
    jobs_env.registry.update_connection("crm", config={"base_url": fake.url, "max_attempts": 1})
    jobs_env.runtimes[0].caches["context"].close()  # (item 5 drops this: changes apply at once)
    replay(jobs_env.engine, item, tenant="acme")
    assert jobs_env.wait([item]) == {item: "done"}
    assert [e.data.remote_id for e in seen if e.data is not None] == [contact["id"]]


def test_a_vault_outage_during_processing_ends_done_without_a_replay(
    jobs_env: JobsEnv, tmp_path: Path
) -> None:
    with FakeVault() as vault:
        store = HashiCorpStore(
            VaultSettings(addr=vault.url, token=SecretStr(ROOT_TOKEN), prefix="jobs", timeout=2.0)
        )
        registry = Registry(jobs_env.url, tenant="acme", credentials=store)
        connection = registry.add_connection(
            "vaulted", "stripe", credentials={"api_key": "sk_test_v", "webhook_secret": "w"}
        )
        jobs_env.connection_id = connection.id
        seen: list[str] = []
        handlers = HandlerRegistry()
        handlers.on("invoice.paid", name="receipt")(
            lambda e, *, idempotency_key: seen.append(idempotency_key)
        )
        vault.sealed = True
        jobs_env.launch(
            handlers,
            read_attempts=20,
            read_retry_interval=0.05,
            read_backoff_rate=1.5,
            registry_factory=lambda tenant: Registry(
                jobs_env.url, tenant=tenant, credentials=store
            ),
        )
        [item] = jobs_env.deliver(stripe_event("invoice.paid", "in_vault", now_s()))
        deadline = time.monotonic() + 30
        while (_stored(jobs_env, item).attempts or 0) < 2:
            assert time.monotonic() < deadline, "no failed attempt while Vault was sealed"
            time.sleep(0.05)
        assert jobs_env.statuses()[item] == "received"  # retrying, not failed
        vault.sealed = False
        assert jobs_env.wait([item]) == {item: "done"}
        assert seen == [f"{item}:receipt"]
        registry.close()


def test_the_database_refusing_the_outcome_write_retries_until_it_is_stored(
    jobs_env: JobsEnv,
) -> None:
    """The first three attempts to record the outcome fail as a lost connection does."""
    runtime = jobs_env.launch(HandlerRegistry())
    failures = [3]

    @sa.event.listens_for(runtime.engine, "before_cursor_execute")
    def refuse(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE CANONRY_WEBHOOK_INBOX") and failures[0]:
            failures[0] -= 1
            raise sa.exc.OperationalError(statement, {}, Exception("database is locked"))

    [item] = jobs_env.deliver(stripe_event("customer.updated", "cus_db", now_s()))
    assert jobs_env.wait([item]) == {item: "done"}
    assert failures == [0]
    from dbos import DBOS

    assert DBOS.get_workflow_status(item).status == "SUCCESS"


def test_stale_events_run_business_handlers_and_skip_state_handlers(jobs_env: JobsEnv) -> None:
    handlers = HandlerRegistry()
    ran: list[tuple[str, str]] = []
    for name, pattern, stale in (
        ("receipt", "invoice.paid", None),  # exact name: runs on a stale event
        ("replica", "invoice.*", None),  # wildcard: skips it
        ("strict", "invoice.paid", "skip"),  # declared: skips it
        ("always", "invoice.*", "run"),  # declared: runs
    ):
        handlers.on(pattern, name=name, stale=stale)(  # type: ignore[arg-type]
            lambda e, *, idempotency_key, n=name: ran.append((n, e.vendor_event_id))
        )
    jobs_env.launch(handlers)
    t = now_s()
    [newer] = jobs_env.deliver(stripe_event("invoice.updated", "in_st", t, event_id="evt_new"))
    jobs_env.wait([newer])
    ran.clear()
    [late] = jobs_env.deliver(stripe_event("invoice.paid", "in_st", t - 60, event_id="evt_old"))
    assert jobs_env.wait([late]) == {late: "stale"}
    assert sorted(ran) == [("always", "evt_old"), ("receipt", "evt_old")]


def test_the_database_failing_while_the_event_is_read_is_retried(jobs_env: JobsEnv) -> None:
    """The connection lookup (the resolver's version query) fails twice as a lost
    connection does: the read is retried, the item ends done (it used to end dead)."""
    failures = [2]

    def refuse(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "mapping_versions" in statement and "FROM connections" in statement and failures[0]:
            failures[0] -= 1
            raise sa.exc.OperationalError(statement, {}, Exception("database is locked"))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", refuse)
    try:
        jobs_env.launch(HandlerRegistry(), read_retry_interval=0.05)
        [item] = jobs_env.deliver(stripe_event("customer.updated", "cus_read_db", now_s()))
        assert jobs_env.wait([item]) == {item: "done"}
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", refuse)
    assert failures == [0]
    assert _stored(jobs_env, item).attempts == 2  # the two failed reads count as attempts


@pytest.mark.slow
def test_an_older_item_stranded_without_a_job_does_not_block_its_object_forever(
    jobs_env: JobsEnv,
) -> None:
    """An item an older Canonry left ``received`` with no job (its workflow ended in DBOS
    ERROR): newer events about the object wait a few rounds, then go ahead."""
    from webhooks import insert_items
    from webhooks._split import split_stripe

    t = now_s()
    [draft] = split_stripe(stripe_event("customer.updated", "cus_stranded", t - 60))
    stranded = NewInboxItem(
        tenant="acme", connection_id=jobs_env.connection_id, adapter="stripe",
        vendor_event_id=draft.vendor_event_id, vendor_event_type=draft.vendor_event_type,
        object_type=draft.object_type, object_id=draft.object_id,
        occurred_at=draft.occurred_at, body=draft.body,
    )  # fmt: skip
    with jobs_env.engine.begin() as conn:
        insert_items(conn, [stranded])  # stored, never enqueued
    jobs_env.launch(HandlerRegistry())
    [newer] = jobs_env.deliver(stripe_event("customer.updated", "cus_stranded", t))
    assert jobs_env.wait([newer], timeout=120) == {newer: "done"}
    assert jobs_env.statuses()[stranded.id] == "received"
