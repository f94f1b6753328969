"""Handlers run in a first pass without checkpoints; only failures become DBOS steps, and a
job that runs again replays them (its step sequence stays that of the first run)."""

from __future__ import annotations

import itertools
import threading
import time

from dbos import DBOS

from canonical import Event
from tests.webhooks.jobs.conftest import JobsEnv, now_s, stripe_event
from webhooks import get_item
from webhooks.handlers import HandlerRegistry
from webhooks.jobs import dbos_client


def _steps(jobs_env: JobsEnv, workflow_id: str) -> list[str]:
    client = dbos_client(jobs_env.engine)
    return [str(s["function_name"]) for s in client.list_workflow_steps(workflow_id)]


def test_a_job_whose_handlers_all_succeed_records_no_step(jobs_env: JobsEnv) -> None:
    handlers = HandlerRegistry()
    handlers.on("customer.*", name="a")(lambda event, *, idempotency_key: None)
    handlers.on("customer.*", name="b")(lambda event, *, idempotency_key: None)
    jobs_env.launch(handlers)
    [item] = jobs_env.deliver(stripe_event("customer.updated", "cus_fast", now_s()))
    assert jobs_env.wait([item]) == {item: "done"}
    assert _steps(jobs_env, item) == []
    with jobs_env.engine.connect() as conn:
        stored = get_item(conn, item, tenant="acme")
    assert stored is not None
    assert stored.attempts == 2


def test_retries_back_off_from_the_first_attempt(jobs_env: JobsEnv) -> None:
    handlers = HandlerRegistry()
    times: list[float] = []

    @handlers.on("customer.*", name="flaky", max_attempts=3, retry_interval=0.2, backoff_rate=2)
    def flaky(event: Event, *, idempotency_key: str) -> None:
        times.append(time.monotonic())
        if len(times) < 3:
            raise RuntimeError("vendor down")

    jobs_env.launch(handlers)
    [item] = jobs_env.deliver(stripe_event("customer.updated", "cus_backoff", now_s()))
    assert jobs_env.wait([item]) == {item: "done"}
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert len(gaps) == 2
    assert gaps[0] >= 0.19  # retry_interval before the second attempt
    assert gaps[1] >= 0.39  # times backoff_rate before the third
    assert _steps(jobs_env, item) == ["first-pass", "handler:flaky"]


def test_a_job_run_again_during_retries_replays_its_recorded_first_pass(
    jobs_env: JobsEnv,
) -> None:
    handlers = HandlerRegistry()
    calls: list[str] = []
    release = threading.Event()
    handlers.on("customer.*", name="a_steady")(lambda event, *, idempotency_key: calls.append("a"))

    @handlers.on("customer.*", name="b_flaky", max_attempts=3, retry_interval=0.01)
    def flaky(event: Event, *, idempotency_key: str) -> None:
        calls.append("b")
        attempt = calls.count("b")
        if attempt == 2:
            release.wait(120)  # the first run's retry hangs here
        elif attempt in (1, 3):
            raise RuntimeError("vendor down")  # each run's first pass fails

    jobs_env.launch(handlers)
    [item] = jobs_env.deliver(stripe_event("customer.updated", "cus_rerun", now_s()))
    deadline = time.monotonic() + 120
    while calls.count("b") < 2:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    DBOS._recover_pending_workflows(["test-worker"])  # runs again while the retry hangs
    try:
        # the second run's first pass fails too: it gets the first run's recorded first
        # pass back, and runs b's retry step (unfinished in the first run) next
        assert jobs_env.wait([item]) == {item: "done"}
        assert DBOS.retrieve_workflow(item).get_result() == "processed"
    finally:
        release.set()
    assert calls.count("a") == 2  # at least once: the first pass ran twice
    assert calls == ["a", "b", "b", "a", "b", "b"]  # pass, hung retry; pass, retry
    assert _steps(jobs_env, item) == ["first-pass", "handler:b_flaky"]
