"""Crash tests: workers SIGKILLed at random moments while signed deliveries flow.

Afterwards every acknowledged delivery is handled and each handler effect (a row under
its idempotency key) exists exactly once; the handler's run log shows re-executions.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.harness import Processes
from tests.webhooks.jobs.conftest import JobsEnv, make_env
from tests.webhooks.jobs.crash_audit import audit, create_effect_tables, report
from tests.webhooks.jobs.crashkit import (
    Sender,
    Worker,
    feed_until,
    handler_ran,
    in_flight,
    mid_handler,
    time_to_progress,
    time_until_taken_over,
    wait_all_final,
    worker_env,
)

DELIVERIES = 1000
"""Fed in equal parts before each kill; more only when a worker ran out of work."""


def _check(env: JobsEnv, sender: Sender) -> None:
    assert sender.refused == 0
    assert sender.sent >= DELIVERIES
    assert len(sender.acknowledged) == sender.sent
    result = audit(env, sender.acknowledged)
    assert result.items == sender.sent
    assert result.statuses == {"done": sender.sent}
    assert result.missing_effects == 0
    assert result.effects == sender.sent
    assert result.runs >= sender.sent
    assert result.max_runs_per_key >= 2, f"no handler was interrupted and run again: {result}"


@pytest.mark.slow
@pytest.mark.timeout(900)  # its own deadlines are generous; a loaded machine needs the room
def test_sqlite_worker_killed_ten_times_loses_and_duplicates_nothing(
    jobs_env: JobsEnv, tmp_path: Path, processes: Processes
) -> None:
    """Ten kills: the odd ones at a random moment of the work, the even ones inside a
    handler (held between its run and its effect, so that kill cannot miss)."""
    rng = random.Random(6)
    create_effect_tables(jobs_env.engine)
    env = worker_env(jobs_env, tmp_path / "canonry.keys")
    worker = Worker(processes, "crash-sqlite", env, tmp_path / "worker.log")
    resumes: list[float] = []
    with Sender(jobs_env) as sender:
        worker.start()
        for round_ in range(10):
            sender.feed(DELIVERIES // 10)
            if round_ % 2:
                feed_until(jobs_env, sender, in_flight(jobs_env, worker), "no job ran")
                time.sleep(rng.uniform(0.0, 0.3))  # where the kill lands; nothing waits on it
            else:
                worker.hold()
                feed_until(jobs_env, sender, mid_handler(jobs_env, worker), "no handler ran")
            worker.kill()
            worker.release()
            worker.start()
            resumed = time_to_progress(jobs_env.engine, worker.started)
            if resumed is not None:
                resumes.append(resumed)
        sender.wait_idle()
    wait_all_final(jobs_env.engine, sender.sent)
    assert worker.stop() == 0
    _check(jobs_env, sender)
    report("sqlite", resumes, {"kills": 10, **vars(audit(jobs_env, sender.acknowledged))})


@pytest.fixture
def pg_env(postgres_url: str, tmp_path: Path) -> Iterator[tuple[JobsEnv, str]]:
    schema = f"dbos_{uuid.uuid4().hex[:10]}"
    from webhooks.jobs import prepare_dbos

    env = make_env(postgres_url, tmp_path / "canonry.keys", dbos_schema=schema)
    yield env, schema
    for runtime in env.runtimes:
        runtime.shutdown(timeout=0)
    env.registry.close()
    with env.engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    env.engine.dispose()
    del prepare_dbos


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(900)
def test_postgres_two_workers_one_killed_the_other_finishes_its_work(
    pg_env: tuple[JobsEnv, str], tmp_path: Path, processes: Processes
) -> None:
    """Four kills of one worker: twice at a random moment of a job, twice inside a handler;
    after the first and third the other worker takes the dead one's jobs over."""
    env, schema = pg_env
    rng = random.Random(7)
    create_effect_tables(env.engine)
    common = worker_env(env, tmp_path / "canonry.keys", CANONRY_DBOS_SCHEMA=schema)
    victim = Worker(processes, "pg-a", common, tmp_path / "a.log")
    survivor = Worker(processes, "pg-b", common, tmp_path / "b.log")
    resumes: list[float] = []
    takeovers: list[float] = []
    with Sender(env) as sender:
        victim.start()
        survivor.start()
        for round_ in range(4):
            sender.feed(DELIVERIES // 4)
            feed_until(env, sender, handler_ran(env, victim), "the victim ran no handler")
            if round_ < 2:
                time.sleep(rng.uniform(0.05, 0.5))
                feed_until(env, sender, in_flight(env, victim), "the victim ran no job")
            else:
                victim.hold()
                feed_until(env, sender, mid_handler(env, victim), "the victim ran no handler")
            victim.kill()
            victim.release()
            if round_ % 2 == 0:  # left dead: the survivor takes its jobs over
                takeovers.append(time_until_taken_over(env, victim.executor_id, time.monotonic()))
            victim.start()
            feed_until(env, sender, handler_ran(env, victim), "the restarted victim ran nothing")
            resumes.append(time.monotonic() - victim.started)
        sender.wait_idle()
    wait_all_final(env.engine, sender.sent)
    assert victim.stop() == 0
    assert survivor.stop() == 0
    _check(env, sender)
    taken = {"takeover_by_other_worker_s": [round(t, 3) for t in takeovers]}
    report("postgres", resumes, {"kills": 4, **taken, **vars(audit(env, sender.acknowledged))})
