"""Worker identity: a live worker's executor id cannot be taken; a dead one's can."""

from __future__ import annotations

import os
import sys

import pytest

from canonical import ConfigurationError
from tests.harness import Processes
from tests.webhooks.jobs.conftest import JobsEnv
from webhooks.jobs._heartbeat import claim_executor, forget_worker
from webhooks.jobs._tables import WORKERS


def _dead_pid(processes: Processes) -> int:
    proc = processes.start([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_live_worker_keeps_its_executor_id(jobs_env: JobsEnv) -> None:
    jobs_env.register_worker("w-live", os.getppid())
    with pytest.raises(ConfigurationError, match="w-live") as caught:
        claim_executor(jobs_env.engine, "w-live")
    assert "--executor-id" in (caught.value.hint or "")


def test_a_dead_workers_id_is_taken_over_and_forgotten_on_clean_exit(
    jobs_env: JobsEnv, processes: Processes
) -> None:
    jobs_env.register_worker("w-dead", _dead_pid(processes))
    claim_executor(jobs_env.engine, "w-dead")
    with jobs_env.engine.connect() as conn:
        [row] = conn.execute(WORKERS.select()).mappings().all()
    assert (row["executor_id"], row["pid"]) == ("w-dead", os.getpid())
    forget_worker(jobs_env.engine, "w-dead")
    with jobs_env.engine.connect() as conn:
        assert conn.execute(WORKERS.select()).all() == []


def test_a_job_claimed_but_never_started_is_handed_back_to_its_queue(jobs_env: JobsEnv) -> None:
    """What a claim whose answer the database dropped leaves behind: PENDING on this
    worker, not running. Two checks in a row find it and re-enqueue it."""
    import sqlalchemy as sa

    from tests.webhooks.jobs.conftest import now_s, stripe_event
    from webhooks import NewInboxItem, insert_items
    from webhooks._split import split_stripe
    from webhooks.handlers import HandlerRegistry
    from webhooks.jobs import enqueue_items
    from webhooks.jobs._orphans import OrphanWatch

    jobs_env.launch(HandlerRegistry())
    [draft] = split_stripe(stripe_event("customer.updated", "cus_orphan", now_s()))
    item = NewInboxItem(
        tenant="acme", connection_id=jobs_env.connection_id, adapter="stripe",
        vendor_event_id=draft.vendor_event_id, vendor_event_type=draft.vendor_event_type,
        object_type=draft.object_type, object_id=draft.object_id,
        occurred_at=draft.occurred_at, body=draft.body,
    )  # fmt: skip
    with jobs_env.engine.begin() as conn:  # stored, enqueued and "claimed" in one go
        insert_items(conn, [item])
        enqueue_items(conn, [item.ref()])
        conn.execute(
            sa.text(
                "update workflow_status set status = 'PENDING', executor_id = 'test-worker'"
                " where workflow_uuid = :id"
            ),
            {"id": item.id},
        )
    watch = OrphanWatch("test-worker")
    assert watch.check() == []  # one sighting is not enough: it may be starting right now
    assert jobs_env.statuses()[item.id] == "received"
    assert watch.check() == [item.id]
    assert jobs_env.wait([item.id]) == {item.id: "done"}


def test_silence_is_evidence_of_death_only_while_the_taker_reached_the_database(
    jobs_env: JobsEnv, processes: Processes
) -> None:
    """After an outage every worker's last heartbeat is old: a survivor that has itself
    reached the database for less than dead_after takes nobody over."""
    from datetime import timedelta

    from webhooks.handlers import HandlerRegistry
    from webhooks.jobs import take_over_dead_workers
    from webhooks.jobs._tables import utcnow

    jobs_env.launch(HandlerRegistry())
    with jobs_env.engine.begin() as conn:
        conn.execute(WORKERS.insert().values(
            executor_id="w-elsewhere", hostname="another-host", pid=4242,
            heartbeat_at=utcnow() - timedelta(seconds=40),
        ))  # fmt: skip
    me, dead_after = "test-worker", 15.0
    assert take_over_dead_workers(jobs_env.engine, me, dead_after, reachable_for=8.0) == []
    with jobs_env.engine.connect() as conn:
        assert conn.execute(WORKERS.select().where(WORKERS.c.executor_id == "w-elsewhere")).first()
    taken = take_over_dead_workers(jobs_env.engine, me, dead_after, reachable_for=16.0)
    assert taken == ["w-elsewhere"]
    jobs_env.register_worker("w-gone-here", _dead_pid(processes), silent_for=timedelta(seconds=1))
    assert take_over_dead_workers(jobs_env.engine, me, dead_after, reachable_for=0.0) == [
        "w-gone-here"  # a gone process on this host is evidence at once
    ]
