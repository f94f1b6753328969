"""Endpoints: a secret each, kept encrypted in the credential store and shown once; the
tenant's outbox subscriptions follow its endpoints; dispatch coalesces a sync's pages."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from canonical import NotFoundInRegistry, ValidationFailed
from registry import Registry
from registry._outbox import OutboxSubscriptionRow
from tests.registry.schedules.conftest import ScheduleEnv
from webhooks.jobs import dbos_client
from webhooks.notify import Endpoints, EventRow, NotifySettings, dispatch, secret_key
from webhooks.notify._tables import DeliveryRow

_SUBS = OutboxSubscriptionRow.__table__  # type: ignore[attr-defined]


def _subscriptions(reg: Registry) -> set[str]:
    with reg.engine.connect() as conn:
        return {r.kind for r in conn.execute(sa.select(_SUBS).where(_SUBS.c.tenant == "acme"))}


def _dump(reg: Registry) -> str:
    """Every value of every table, as text (to hunt for secrets stored in clear)."""
    found = []
    with reg.engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            found += [repr(tuple(r)) for r in conn.execute(sa.text(f'select * from "{table}"'))]
    return "\n".join(found)


def test_each_endpoint_has_its_own_secret_never_stored_in_clear(
    notify_env: ScheduleEnv, endpoints: Endpoints
) -> None:
    first, secret_a = endpoints.add("http://127.0.0.1:9001/a", description="billing app")
    second, secret_b = endpoints.add("http://127.0.0.1:9002/b", events=["sync.failed"])
    assert secret_a.get_secret_value().startswith("whsec_")
    assert secret_a != secret_b
    assert endpoints.secret(first.id) == secret_a
    assert first.events == ("records.changed", "sync.failed", "connection.needs_reauth")
    assert second.events == ("sync.failed",)
    everything = _dump(notify_env.registry)
    for secret in (secret_a, secret_b):
        assert secret.get_secret_value().removeprefix("whsec_") not in everything
        assert secret.get_secret_value() not in repr(endpoints.list())
    assert _subscriptions(notify_env.registry) == set(first.events)
    actions = [e.action for e in notify_env.registry.audit_log()]
    assert actions[:2] == ["notify.endpoint.add", "notify.endpoint.add"]


def test_removing_an_endpoint_removes_its_secret_and_subscriptions(
    notify_env: ScheduleEnv, endpoints: Endpoints
) -> None:
    only_failures, _ = endpoints.add("http://127.0.0.1:9001/a", events=["sync.failed"])
    everything, _ = endpoints.add("http://127.0.0.1:9002/b")
    endpoints.remove(everything.id[:8])
    assert _subscriptions(notify_env.registry) == {"sync.failed"}
    with pytest.raises(NotFoundInRegistry):
        notify_env.registry.credential_store.get("acme", secret_key(everything.id))
    with pytest.raises(NotFoundInRegistry, match="no notification endpoint"):
        endpoints.get(everything.id)
    endpoints.remove(only_failures.id)
    assert _subscriptions(notify_env.registry) == set()
    assert endpoints.list() == []


def test_bad_endpoints_are_refused(notify_env: ScheduleEnv) -> None:
    strict = Endpoints(notify_env.registry, NotifySettings())
    for url, message in [
        ("http://hooks.example.com/x", "must use https"),
        ("https://127.0.0.1/x", "loopback"),
        ("https://[fe80::1]/x", "link-local"),
    ]:
        with pytest.raises(ValidationFailed, match=message):
            strict.add(url)
    lenient = Endpoints(notify_env.registry, NotifySettings(allow_http=True, allow_private=True))
    with pytest.raises(ValidationFailed, match=r"unknown event type\(s\): invoice.paid"):
        lenient.add("http://127.0.0.1:1/x", events=["invoice.paid"])
    assert strict.list() == []
    assert notify_env.registry.credential_store.list("acme") != []  # the connection's only


def test_dispatch_coalesces_a_sync_into_one_event_per_model(
    notify_env: ScheduleEnv, endpoints: Endpoints
) -> None:
    env = notify_env
    changes, _ = endpoints.add("http://127.0.0.1:9001/a", events=["records.changed"])
    endpoints.add("http://127.0.0.1:9002/b", events=["sync.failed"])
    for _record in env.registry.sync("shop", "customers"):
        pass
    client = dbos_client(env.engine, env.dbos_schema)
    assert dispatch(env.engine, client, limit=100, now=env.registry.audit_log()[0].ts) == 3
    assert dispatch(env.engine, client, limit=100, now=env.registry.audit_log()[0].ts) == 0
    with env.engine.connect() as conn:
        events = list(conn.execute(sa.select(EventRow.__table__)))  # type: ignore[attr-defined]
        deliveries = list(conn.execute(sa.select(DeliveryRow.__table__)))  # type: ignore[attr-defined]
    assert len(events) == 1
    body = json.loads(events[0].body)
    assert body["type"] == "records.changed"
    assert (body["data"]["changed"], body["data"]["seq"]["after"]) == (250, 0)
    assert [(d.endpoint_id, d.status) for d in deliveries] == [(changes.id, "pending")]
    queued = env.rows(
        "select status, queue_name from workflow_status where workflow_uuid = :w",
        w=f"{deliveries[0].id}:0:1",
    )
    assert [tuple(r) for r in queued] == [("ENQUEUED", "canonry-notify")]
