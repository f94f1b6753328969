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

from tests.webhooks.jobs.conftest import JobsEnv, make_env
from tests.webhooks.jobs.crashkit import (
    Sender,
    Worker,
    audit,
    create_effect_tables,
    report,
    time_to_progress,
    time_until_taken_over,
    wait_all_final,
    wait_handler_runs,
    wait_in_flight,
    wait_mid_handler,
    worker_env,
)

DELIVERIES = 1000


def _check(env: JobsEnv, sender: Sender) -> None:
    assert sender.refused == 0
    assert len(sender.acknowledged) == DELIVERIES
    result = audit(env, sender.acknowledged)
    assert result.items == DELIVERIES
    assert result.statuses == {"done": DELIVERIES}
    assert result.missing_effects == 0
    assert result.effects == DELIVERIES
    assert result.runs >= DELIVERIES
    assert result.max_runs_per_key >= 2, f"no handler was interrupted and run again: {result}"


@pytest.mark.slow
def test_sqlite_worker_killed_ten_times_loses_and_duplicates_nothing(
    jobs_env: JobsEnv, tmp_path: Path
) -> None:
    rng = random.Random(6)
    create_effect_tables(jobs_env.engine)
    worker = Worker("crash-sqlite", worker_env(jobs_env, tmp_path / "canonry.keys"),
                    tmp_path / "worker.log")  # fmt: skip
    sender = Sender(jobs_env, DELIVERIES)
    sender.start()
    resumes: list[float] = []
    worker.start()
    for _ in range(10):
        time_to_progress(jobs_env.engine, worker.started)
        time.sleep(rng.uniform(0.05, 0.6))
        wait_in_flight(jobs_env, worker.executor_id)
        worker.kill()
        worker.start()
        resumed = time_to_progress(jobs_env.engine, worker.started)
        if resumed is not None:
            resumes.append(resumed)
    sender.join()
    wait_all_final(jobs_env.engine, DELIVERIES)
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
def test_postgres_two_workers_one_killed_the_other_finishes_its_work(
    pg_env: tuple[JobsEnv, str], tmp_path: Path
) -> None:
    env, schema = pg_env
    rng = random.Random(7)
    create_effect_tables(env.engine)
    common = worker_env(env, tmp_path / "canonry.keys", CANONRY_DBOS_SCHEMA=schema)
    victim = Worker("pg-a", common, tmp_path / "a.log")
    survivor = Worker("pg-b", common, tmp_path / "b.log")
    sender = Sender(env, DELIVERIES)
    sender.start()
    victim.start()
    survivor.start()
    resumes: list[float] = []
    takeovers: list[float] = []
    for round_ in range(4):
        wait_handler_runs(env, victim)
        time.sleep(rng.uniform(0.05, 0.5))
        if round_ < 2:  # twice at a random moment of a job, twice inside a handler
            wait_in_flight(env, victim.executor_id)
        else:
            assert wait_mid_handler(env, victim)
        victim.kill()
        if round_ % 2 == 0:  # left dead: the survivor takes its jobs over
            takeovers.append(time_until_taken_over(env, victim.executor_id, time.monotonic()))
        victim.start()
        wait_handler_runs(env, victim)
        resumes.append(time.monotonic() - victim.started)
    sender.join()
    wait_all_final(env.engine, DELIVERIES)
    assert victim.stop() == 0
    assert survivor.stop() == 0
    _check(env, sender)
    taken = {"takeover_by_other_worker_s": [round(t, 3) for t in takeovers]}
    report("postgres", resumes, {"kills": 4, **taken, **vars(audit(env, sender.acknowledged))})
