"""Processing end to end on SQLite: handlers get canonical events; order; retries; dead."""

from __future__ import annotations

import threading
import time

from canonical import Event, EventType, Invoice
from tests.webhooks.jobs.conftest import JobsEnv, now_s, stripe_event
from webhooks.handlers import HandlerRegistry


def test_handler_gets_the_mapped_canonical_event_and_a_stable_key(jobs_env: JobsEnv) -> None:
    handlers = HandlerRegistry()
    seen: list[tuple[Event, str]] = []

    @handlers.on("invoice.paid", name="record")
    def record(event: Event, *, idempotency_key: str) -> None:
        seen.append((event, idempotency_key))

    jobs_env.launch(handlers)
    [item] = jobs_env.deliver(stripe_event("invoice.paid", "in_1", now_s()))
    assert jobs_env.wait([item]) == {item: "done"}
    [(event, key)] = seen
    assert event.type is EventType.INVOICE_PAID
    assert isinstance(event.data, Invoice)
    assert event.data.remote_id == "in_1"
    assert event.source.connection_id == jobs_env.connection_id
    assert key == f"{item}:record"


def test_an_older_event_arriving_late_is_stale_and_not_handled(jobs_env: JobsEnv) -> None:
    handlers = HandlerRegistry()
    seen: list[str] = []

    @handlers.on("invoice.*", name="track")
    def track(event: Event, *, idempotency_key: str) -> None:
        seen.append(event.vendor_event_id)

    jobs_env.launch(handlers)
    t = now_s()
    newer = stripe_event("invoice.paid", "in_2", t, event_id="evt_newer")
    older = stripe_event("invoice.finalized", "in_2", t - 60, event_id="evt_older")
    [first] = jobs_env.deliver(newer)
    jobs_env.wait([first])
    [late] = jobs_env.deliver(older)
    assert jobs_env.wait([late]) == {late: "stale"}
    same_time = stripe_event("invoice.updated", "in_2", t, event_id="evt_same_second")
    [tie] = jobs_env.deliver(same_time)
    assert jobs_env.wait([tie]) == {tie: "done"}
    assert seen == ["evt_newer", "evt_same_second"]


def test_events_about_one_object_never_run_concurrently_and_keep_their_order(
    jobs_env: JobsEnv,
) -> None:
    handlers = HandlerRegistry()
    lock = threading.Lock()
    active: dict[str, int] = {}
    overlaps: list[str] = []
    order: dict[str, list[str]] = {}

    @handlers.on("*", name="slow")
    def slow(event: Event, *, idempotency_key: str) -> None:
        obj = event.object_remote_id or ""
        with lock:
            active[obj] = active.get(obj, 0) + 1
            if active[obj] > 1:
                overlaps.append(obj)
            order.setdefault(obj, []).append(event.vendor_event_id)
        time.sleep(0.01)
        with lock:
            active[obj] -= 1

    t = now_s()
    bodies = [
        stripe_event("invoice.updated", f"in_{n % 3}", t + n, event_id=f"evt_{n:03d}")
        for n in range(30)
    ]
    ids = jobs_env.deliver(*bodies)
    jobs_env.launch(handlers, concurrency=8)
    assert set(jobs_env.wait(ids).values()) == {"done"}
    assert overlaps == []
    for obj, events in order.items():
        assert events == sorted(events), obj
    assert sum(len(v) for v in order.values()) == 30


def test_a_failing_handler_is_retried_until_it_succeeds(jobs_env: JobsEnv) -> None:
    handlers = HandlerRegistry()
    calls: list[str] = []

    @handlers.on("customer.created", name="flaky", max_attempts=4, retry_interval=0.01)
    def flaky(event: Event, *, idempotency_key: str) -> None:
        calls.append(idempotency_key)
        if len(calls) < 3:
            raise RuntimeError("vendor down")

    jobs_env.launch(handlers)
    [item] = jobs_env.deliver(stripe_event("customer.created", "cus_1", now_s()))
    assert jobs_env.wait([item]) == {item: "done"}
    assert calls == [f"{item}:flaky"] * 3
    with jobs_env.engine.connect() as conn:
        from webhooks import get_item

        stored = get_item(conn, item, tenant="acme")
    assert stored is not None
    assert stored.attempts == 3
    assert stored.last_error is None


def test_exhausted_attempts_dead_letter_the_item_with_its_error(jobs_env: JobsEnv) -> None:
    from webhooks.jobs import dead_letters

    handlers = HandlerRegistry()
    calls: list[int] = []

    @handlers.on("customer.*", name="broken", max_attempts=2, retry_interval=0.01)
    def broken(event: Event, *, idempotency_key: str) -> None:
        calls.append(1)
        raise ValueError("no such account")

    jobs_env.launch(handlers)
    [item] = jobs_env.deliver(stripe_event("customer.updated", "cus_2", now_s()))
    assert jobs_env.wait([item]) == {item: "dead"}
    assert len(calls) == 2
    [dead] = dead_letters(jobs_env.engine, "acme")
    assert dead.id == item
    assert dead.last_error == "broken: ValueError: no such account"
    assert dead_letters(jobs_env.engine, "other-tenant") == []


def test_replay_reruns_only_the_failed_handlers_with_the_same_keys(jobs_env: JobsEnv) -> None:
    from webhooks.jobs import replay

    handlers = HandlerRegistry()
    effects: list[tuple[str, str]] = []
    broken = [True]

    @handlers.on("invoice.paid", name="a_ledger")
    def ledger(event: Event, *, idempotency_key: str) -> None:
        effects.append(("ledger", idempotency_key))

    @handlers.on("invoice.paid", name="b_mailer", max_attempts=1)
    def mailer(event: Event, *, idempotency_key: str) -> None:
        if broken[0]:
            raise RuntimeError("smtp refused")
        effects.append(("mailer", idempotency_key))

    jobs_env.launch(handlers)
    [item] = jobs_env.deliver(stripe_event("invoice.paid", "in_9", now_s()))
    assert jobs_env.wait([item]) == {item: "dead"}
    broken[0] = False
    workflow_id = replay(jobs_env.engine, item, tenant="acme")
    assert workflow_id == f"{item}:replay:1"
    assert jobs_env.wait([item]) == {item: "done"}
    assert effects == [("ledger", f"{item}:a_ledger"), ("mailer", f"{item}:b_mailer")]
    second = replay(jobs_env.engine, item, tenant="acme")
    assert second == f"{item}:replay:2"
    jobs_env.wait([item])
    assert len(effects) == 2  # both handlers already succeeded: nothing runs again


def test_an_item_that_cannot_be_mapped_fails_without_running_handlers(jobs_env: JobsEnv) -> None:
    handlers = HandlerRegistry()
    seen: list[Event] = []
    handlers.on("*", name="all")(lambda e, *, idempotency_key: seen.append(e))
    jobs_env.launch(handlers)
    body = stripe_event("invoice.paid", "in_bad", now_s()).replace(
        b'"currency": "usd"', b'"currency": 12'
    )
    [item] = jobs_env.deliver(body)
    assert jobs_env.wait([item]) == {item: "failed"}
    assert seen == []


def test_jobs_report_metrics_on_the_endpoints_registry(jobs_env: JobsEnv) -> None:
    from webhooks import METRICS_REGISTRY

    def sample(name: str, **labels: str) -> float:
        return METRICS_REGISTRY.get_sample_value(name, labels) or 0.0

    handlers = HandlerRegistry()
    handlers.on("invoice.*", name="count_me")(lambda e, *, idempotency_key: None)
    before = sample("canonry_webhook_jobs_total", status="done")
    attempts = sample("canonry_webhook_handler_attempts_total", handler="count_me", outcome="ok")
    jobs_env.launch(handlers)
    ids = jobs_env.deliver(stripe_event("invoice.paid", "in_m1", now_s()))
    jobs_env.wait(ids)
    assert sample("canonry_webhook_jobs_total", status="done") == before + 1
    assert (
        sample("canonry_webhook_handler_attempts_total", handler="count_me", outcome="ok")
        == attempts + 1
    )
    assert sample("canonry_webhook_processing_seconds_count", status="done") >= 1
    assert METRICS_REGISTRY.get_sample_value("canonry_webhook_queue_depth") == 0.0
