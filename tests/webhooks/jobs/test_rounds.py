"""A job runs in rounds: handlers that succeed cost one write; a failure schedules the next
round on the retry queue after its backoff, and no round sleeps in a worker slot."""

from __future__ import annotations

import itertools
import threading
import time

from dbos import DBOS

from canonical import ConfigurationError, Event
from tests.webhooks.jobs.conftest import JobsEnv, now_s, stripe_event
from webhooks import get_item
from webhooks.handlers import HandlerRegistry
from webhooks.jobs import RETRY_QUEUE_NAME, dbos_client


def _runs(jobs_env: JobsEnv, item: str) -> list[tuple[str, str | None]]:
    client = dbos_client(jobs_env.engine)
    found = client.list_workflows(workflow_id_prefix=item, load_input=False, load_output=False)
    return sorted((str(w.workflow_id), w.queue_name) for w in found)


def _stored(jobs_env: JobsEnv, item: str):  # type: ignore[no-untyped-def]
    with jobs_env.engine.connect() as conn:
        found = get_item(conn, item, tenant=jobs_env.tenant)
    assert found is not None
    return found


def _until(condition: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_a_job_whose_handlers_all_succeed_is_one_run_and_records_no_progress(
    jobs_env: JobsEnv,
) -> None:
    handlers = HandlerRegistry()
    handlers.on("customer.*", name="a")(lambda event, *, idempotency_key: None)
    handlers.on("customer.*", name="b")(lambda event, *, idempotency_key: None)
    jobs_env.launch(handlers)
    [item] = jobs_env.deliver(stripe_event("customer.updated", "cus_fast", now_s()))
    assert jobs_env.wait([item]) == {item: "done"}
    assert [run for run, _ in _runs(jobs_env, item)] == [item]
    stored = _stored(jobs_env, item)
    assert (stored.attempts, stored.progress, stored.run_round) == (2, None, 0)


def test_retries_back_off_from_the_first_attempt_as_new_runs(jobs_env: JobsEnv) -> None:
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
    runs = _runs(jobs_env, item)
    assert runs[0][0] == item
    assert [(r.split(":")[-1], q) for r, q in runs[1:]] == [
        ("r1", RETRY_QUEUE_NAME),
        ("r2", RETRY_QUEUE_NAME),
    ]
    stored = _stored(jobs_env, item)
    assert (stored.attempts, stored.last_error, stored.next_attempt_at) == (3, None, None)


def test_a_waiting_retry_holds_no_worker_slot(jobs_env: JobsEnv) -> None:
    """With one slot, an item waiting 3 s for its retry does not delay the next item."""
    handlers = HandlerRegistry()
    calls: list[str] = []

    @handlers.on("customer.*", name="slow_retry", max_attempts=2, retry_interval=3.0)
    def slow_retry(event: Event, *, idempotency_key: str) -> None:
        calls.append(event.vendor_event_id)
        if event.vendor_event_id == "evt_fails" and calls.count("evt_fails") == 1:
            raise RuntimeError("vendor down")

    jobs_env.launch(handlers, concurrency=1)
    [failing] = jobs_env.deliver(
        stripe_event("customer.updated", "cus_a", now_s(), event_id="evt_fails")
    )
    _until(lambda: _stored(jobs_env, failing).retrying)
    [healthy] = jobs_env.deliver(
        stripe_event("customer.updated", "cus_b", now_s(), event_id="evt_ok")
    )
    assert jobs_env.wait([healthy]) == {healthy: "done"}
    assert jobs_env.statuses()[failing] == "received"  # still waiting for its retry
    assert _stored(jobs_env, failing).retrying
    assert jobs_env.wait([failing]) == {failing: "done"}
    assert calls == ["evt_fails", "evt_ok", "evt_fails"]


def test_a_handler_error_that_is_not_retryable_is_not_retried(jobs_env: JobsEnv) -> None:
    handlers = HandlerRegistry()
    calls: list[int] = []

    @handlers.on("customer.*", name="strict", max_attempts=5, retry_interval=0.01)
    def strict(event: Event, *, idempotency_key: str) -> None:
        calls.append(1)
        raise ConfigurationError("the account is closed", hint="nothing to retry")

    jobs_env.launch(handlers)
    [item] = jobs_env.deliver(stripe_event("customer.updated", "cus_strict", now_s()))
    assert jobs_env.wait([item]) == {item: "dead"}
    assert calls == [1]
    stored = _stored(jobs_env, item)
    assert (
        stored.last_error == "strict: ConfigurationError: the account is closed (nothing to retry)"
    )
    assert stored.attempts == 1


def test_a_round_run_again_while_the_next_is_running_changes_nothing(jobs_env: JobsEnv) -> None:
    handlers = HandlerRegistry()
    calls: list[str] = []
    release = threading.Event()
    handlers.on("customer.*", name="a_steady")(lambda event, *, idempotency_key: calls.append("a"))

    @handlers.on("customer.*", name="b_flaky", max_attempts=4, retry_interval=0.01)
    def flaky(event: Event, *, idempotency_key: str) -> None:
        calls.append("b")
        attempt = calls.count("b")
        if attempt == 1:
            raise RuntimeError("vendor down")
        if attempt == 2:
            release.wait(30)  # round 1 hangs here, then fails
            raise RuntimeError("too late")

    jobs_env.launch(handlers)
    [item] = jobs_env.deliver(stripe_event("customer.updated", "cus_rerun", now_s()))
    _until(lambda: calls.count("b") == 2)
    DBOS._recover_pending_workflows(["test-worker"])  # round 1 runs a second time
    try:
        assert jobs_env.wait([item]) == {item: "done"}
    finally:
        release.set()
    hung = DBOS.retrieve_workflow(f"{item}:r1").get_result()
    assert hung in ("processed", "superseded")
    time.sleep(0.2)
    stored = _stored(jobs_env, item)
    assert (stored.status.value, stored.run_round) == ("done", 1)
    assert calls[:3] == ["a", "b", "b"]
    assert calls.count("a") == 1  # round 1 runs only what failed in round 0
    assert stored.attempts == 3  # a, b (failed), b (the run that finished first)
