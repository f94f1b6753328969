"""Ordering survives a job running again: a newer event about the object waits for it, an
outcome is recorded once, and a live worker's jobs are never taken over (which is what
makes a job run again while it runs)."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta

import sqlalchemy as sa
from dbos import DBOS

from canonical import Event
from tests.webhooks.jobs.conftest import JobsEnv, now_s, stripe_event
from webhooks import InboxStatus, get_item
from webhooks.handlers import HandlerRegistry
from webhooks.jobs import take_over_dead_workers
from webhooks.jobs._gate import Outcome, record_outcome
from webhooks.jobs._tables import OBJECT_STATE, WORKERS


def _until(condition: object, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def test_a_newer_event_waits_for_an_older_one_that_runs_again_after_recovery(
    jobs_env: JobsEnv,
) -> None:
    """The stale check is not recorded: it is safe to decide again because no newer event
    about the object can be applied while an older one's job is unfinished, not even when
    that job runs a second time (recovered while its first run still goes)."""
    handlers = HandlerRegistry()
    calls: list[str] = []
    release = threading.Event()

    @handlers.on("customer.*", name="slow")
    def slow(event: Event, *, idempotency_key: str) -> None:
        calls.append(idempotency_key)
        release.wait(120)

    jobs_env.launch(handlers)
    t = now_s()
    [older] = jobs_env.deliver(stripe_event("customer.updated", "cus_order", t - 10))
    _until(lambda: len(calls) == 1)  # admitted, its handler is running
    [newer] = jobs_env.deliver(stripe_event("customer.updated", "cus_order", t - 5))
    DBOS._recover_pending_workflows(["test-worker"])  # the older job runs again meanwhile
    _until(lambda: len(calls) == 2)
    time.sleep(0.5)
    assert calls == [f"{older}:slow", f"{older}:slow"]  # the newer one has not started
    assert jobs_env.statuses()[newer] == "received"
    release.set()
    assert jobs_env.wait([older, newer]) == {older: "done", newer: "done"}
    assert calls[2:] == [f"{newer}:slow"]
    with jobs_env.engine.connect() as conn:
        mark = conn.execute(sa.select(OBJECT_STATE.c.item_id)).scalar_one()
    assert mark == newer


def test_an_outcome_is_recorded_once_when_two_runs_of_a_job_finish(jobs_env: JobsEnv) -> None:
    jobs_env.launch(HandlerRegistry())
    [item_id] = jobs_env.deliver(stripe_event("customer.updated", "cus_twice", now_s()))
    assert jobs_env.wait([item_id]) == {item_id: "done"}
    with jobs_env.engine.connect() as conn:
        item = get_item(conn, item_id, tenant="acme")
    assert item is not None
    late = Outcome(InboxStatus.DEAD, "late run", 3)
    assert record_outcome(jobs_env.engine, item, item.run_round, late) is False
    with jobs_env.engine.connect() as conn:
        after = get_item(conn, item_id, tenant="acme")
    assert after is not None
    assert (after.status, after.last_error, after.attempts) == (item.status, None, item.attempts)


def test_a_live_worker_on_this_host_with_a_late_heartbeat_is_not_taken_over(
    jobs_env: JobsEnv,
) -> None:
    jobs_env.launch(HandlerRegistry())
    # alive: only its heartbeat thread is late (a loaded host)
    jobs_env.register_worker("w-slow", os.getpid(), silent_for=timedelta(minutes=2))
    assert take_over_dead_workers(jobs_env.engine, "test-worker", 15.0) == []
    with jobs_env.engine.connect() as conn:
        ids = set(conn.execute(sa.select(WORKERS.c.executor_id)).scalars())
    assert "w-slow" in ids


def test_a_job_resumed_after_a_handler_finished_still_counts_its_attempts(
    jobs_env: JobsEnv,
) -> None:
    handlers = HandlerRegistry()
    second_calls: list[str] = []
    release = threading.Event()
    handlers.on("customer.*", name="first")(lambda event, *, idempotency_key: None)

    @handlers.on("customer.*", name="second")
    def second(event: Event, *, idempotency_key: str) -> None:
        second_calls.append(idempotency_key)
        if len(second_calls) == 1:
            release.wait(120)  # the first run stops here, after "first" ran

    jobs_env.launch(handlers)
    [item] = jobs_env.deliver(stripe_event("customer.updated", "cus_attempts", now_s()))
    _until(lambda: len(second_calls) == 1)
    DBOS._recover_pending_workflows(["test-worker"])  # resumed: its first pass runs again
    assert jobs_env.wait([item]) == {item: "done"}
    with jobs_env.engine.connect() as conn:
        found = get_item(conn, item, tenant="acme")
    release.set()
    assert found is not None
    assert found.attempts == 2  # first + second, counted by the run that finished
    assert DBOS.retrieve_workflow(item).get_result() == "processed"
    with jobs_env.engine.connect() as conn:
        after = get_item(conn, item, tenant="acme")
    assert after is not None
    assert (after.status, after.attempts) == (InboxStatus.DONE, 2)  # the parked run adds none


def test_a_worker_on_this_host_silent_twenty_times_too_long_is_taken_over(
    jobs_env: JobsEnv,
) -> None:
    jobs_env.launch(HandlerRegistry())
    # alive, but silent far beyond 20 x dead_after: hung
    jobs_env.register_worker("w-hung", os.getpid(), silent_for=timedelta(seconds=15.0 * 20 + 60))
    assert take_over_dead_workers(jobs_env.engine, "test-worker", 15.0) == ["w-hung"]
