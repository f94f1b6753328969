"""Deliveries on DBOS (SQLite, in this process): an endpoint that is down gets the
notification once it is back, signed so standardwebhooks accepts it; a delivery that
keeps failing is dead after its attempts, and a replay delivers it."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from plugins.fakes import unused_port
from registry.schedules._claim import utc
from tests.registry.schedules.conftest import ScheduleEnv, wait_for
from tests.webhooks.notify.receiver import Receiver
from webhooks.jobs import dbos_client
from webhooks.notify import DeliveryRow, Endpoints, list_deliveries, replay_deliveries

_DELIVERIES = DeliveryRow.__table__  # type: ignore[attr-defined]


def _deliveries(env: ScheduleEnv) -> list[Any]:
    with env.engine.connect() as conn:
        return list(conn.execute(sa.select(_DELIVERIES).order_by(_DELIVERIES.c.created_at)))


def _all_delivered(env: ScheduleEnv) -> bool:
    found = _deliveries(env)
    return bool(found) and all(d.status == "delivered" for d in found)


def _changed(receiver: Receiver) -> int:
    return sum(r.json()["data"]["changed"] for r in receiver.received)


def _sync(env: ScheduleEnv) -> None:
    for _record in env.registry.sync("shop", "customers"):
        pass


@pytest.mark.slow
def test_a_down_endpoint_gets_the_notification_once_it_is_back(
    notify_env: ScheduleEnv, endpoints: Endpoints
) -> None:
    env, port = notify_env, unused_port()
    endpoint, secret = endpoints.add(f"http://127.0.0.1:{port}/hooks", events=["records.changed"])
    env.launch()
    _sync(env)
    wait_for(lambda: any(d.attempts >= 2 for d in _deliveries(env)), "two failed attempts")
    first = _deliveries(env)[0]
    assert first.status == "retrying"
    assert "ConnectError" in (first.last_error or "")
    assert utc(first.next_attempt_at) > utc(first.last_attempt_at)
    receiver = Receiver(port=port).start()
    try:
        wait_for(lambda: _all_delivered(env) and _changed(receiver) == 250, "all delivered")
    finally:
        receiver.close()
    payloads = [r.verified(secret.get_secret_value()) for r in receiver.received]
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == len(set(ids)) == len(_deliveries(env))
    assert {p["type"] for p in payloads} == {"records.changed"}
    assert sum(p["data"]["changed"] for p in payloads) == 250
    data = min((p["data"] for p in payloads), key=lambda d: d["seq"]["after"])
    assert (data["connection"], data["model"], data["tenant"]) == ("shop", "customers", "acme")
    assert data["connection_id"] == env.connection_id
    page = env.registry.records("customers", cursor=data["cursor"], limit=1000)
    assert len({r.id for r in page}) == 250, "the earliest cursor reads every record announced"
    assert first.endpoint_id == endpoint.id


@pytest.mark.slow
def test_a_delivery_that_keeps_failing_is_dead_then_replayed(
    notify_env: ScheduleEnv, endpoints: Endpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANONRY_NOTIFY_RETRY_SCHEDULE", "0.1,0.1")
    env = notify_env
    receiver = Receiver(answer=lambda _r: (500, {}, b"broken")).start()
    try:
        _endpoint, secret = endpoints.add(receiver.url(), events=["records.changed"])
        env.launch()
        env.api.total = 50  # one page: one event
        _sync(env)
        wait_for(lambda: [d.status for d in _deliveries(env)] == ["dead"], "a dead delivery")
        dead = list_deliveries(env.engine, "acme", status="dead")
        assert [(d.attempts, d.last_status_code) for d in dead] == [(3, 500)]
        assert len(receiver.received) == 3
        receiver.answer = lambda _r: (200, {}, b"ok")
        replayed = replay_deliveries(env.engine, dbos_client(env.engine), "acme", [dead[0].id[:8]])
        assert [d.status for d in replayed] == ["pending"]
        wait_for(lambda: [d.status for d in _deliveries(env)] == ["delivered"], "the replay")
    finally:
        receiver.close()
    assert len(receiver.received) == 4
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    receiver.received[-1].verified(secret.get_secret_value())
    final = list_deliveries(env.engine, "acme")[0]
    assert (final.attempts, final.round, final.last_status_code) == (4, 1, 200)
    assert list_deliveries(env.engine, "acme", status="dead") == []


@pytest.mark.slow
def test_a_failed_sync_and_a_refused_credential_are_announced(
    notify_env: ScheduleEnv, endpoints: Endpoints
) -> None:
    env = notify_env
    receiver = Receiver().start()
    try:
        _endpoint, secret = endpoints.add(
            receiver.url(), events=["sync.failed", "connection.needs_reauth"]
        )
        env.launch()
        env.registry.set_credentials("shop", {"api_key": "revoked"})
        with pytest.raises(Exception, match="revoked"):
            _sync(env)
        received = receiver.wait(2)
    finally:
        receiver.close()
    payloads = {p["type"]: p["data"] for p in (r.verified(secret.get_secret_value())
                                              for r in received)}  # fmt: skip
    assert set(payloads) == {"sync.failed", "connection.needs_reauth"}
    failed = payloads["sync.failed"]
    assert (failed["connection"], failed["stream"]) == ("shop", "customers")
    assert "ReauthorizationRequired" in failed["error"]
    assert payloads["connection.needs_reauth"]["reason"] == "the provider refused the token"


def test_a_batch_to_an_unreachable_endpoint_stops_at_the_first_failure(
    notify_env: ScheduleEnv, endpoints: Endpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New deliveries to one endpoint go out in one batch; when the endpoint does not
    answer, the rest are not tried now: each waits for its own first attempt."""
    monkeypatch.setenv("CANONRY_NOTIFY_RETRY_SCHEDULE", "300")
    env = notify_env
    endpoints.add(f"http://127.0.0.1:{unused_port()}/hooks", events=["sync.failed"])
    from registry._outbox import SYNC_FAILED, add_event

    with env.engine.begin() as conn:
        for n in range(5):
            add_event(conn, tenant="acme", kind=SYNC_FAILED, connection_id=env.connection_id,
                      data={"stream": "customers", "run_id": f"r{n}", "error": "boom"})  # fmt: skip
    env.launch()
    wait_for(lambda: len(_deliveries(env)) == 5 and any(d.attempts for d in _deliveries(env)),
             "the batch's first attempt")  # fmt: skip
    wait_for(lambda: sum(d.next_attempt_at is not None and d.attempts == 0
                         and utc(d.next_attempt_at) > utc(d.created_at)
                         for d in _deliveries(env)) == 4, "the rest postponed")  # fmt: skip
    tried = [d for d in _deliveries(env) if d.attempts]
    assert [(d.status, d.attempts) for d in tried] == [("retrying", 1)]
    assert utc(tried[0].next_attempt_at) > utc(tried[0].last_attempt_at)


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_a_sync_is_announced_to_every_subscribed_endpoint(
    pg_notify_env: ScheduleEnv, loopback_settings: Any
) -> None:
    env = pg_notify_env
    book = Endpoints(env.registry, loopback_settings)
    receiver = Receiver().start()
    try:
        secrets = [book.add(receiver.url(f"/{n}"), events=["records.changed"])[1]
                   for n in range(3)]  # fmt: skip
        book.add(receiver.url("/failures"), events=["sync.failed"])
        env.launch()
        _sync(env)

        wait_for(lambda: _changed(receiver) == 750 and _all_delivered(env), "750 announced")
    finally:
        receiver.close()
    by_path: dict[str, int] = {}
    for n, secret in enumerate(secrets):
        got = [r for r in receiver.received if r.path == f"/{n}"]
        by_path[f"/{n}"] = sum(
            r.verified(secret.get_secret_value())["data"]["changed"] for r in got
        )
    assert by_path == {"/0": 250, "/1": 250, "/2": 250}
    assert not [r for r in receiver.received if r.path == "/failures"]
