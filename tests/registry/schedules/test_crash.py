"""A scheduled run killed with SIGKILL mid-sync resumes from its last checkpoint, as the
same run and the same tick, on restart (SQLite) or on another worker (PostgreSQL); two
workers never run a tick twice nor two runs of one stream at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.registry.schedules.conftest import (
    Processes,
    ScheduleEnv,
    start_worker,
    wait_for,
)
from tests.registry.schedules.test_ticks import _assert_no_overlap, _assert_one_tick_per_second

TOTAL, PAGE = 2000, 100


def _running_run(env: ScheduleEnv, pages: int) -> Any:
    return next((r for r in env.runs() if r.status == "running" and r.pages >= pages), None)


def _run(env: ScheduleEnv, run_id: str) -> Any:
    return next((r for r in env.runs() if r.id == run_id), None)


def _check_resumed(env: ScheduleEnv, run_id: str, pages_at_kill: int, served: int) -> None:
    run = _run(env, run_id)
    assert run.status == "succeeded"
    assert run.records == TOTAL
    assert run.pages == TOTAL // PAGE
    after = env.api.offsets[served:]
    assert after[0] >= pages_at_kill * PAGE, f"restarted from offset {after[0]}, not the checkpoint"
    assert env.api.offsets.count(0) == 1, "the listing started over"
    assert [r.id for r in env.runs() if r.id == run_id] == [run_id]
    assert not [r for r in env.runs() if r.status in ("interrupted", "failed")]
    ticks = env.ticks()
    assert len([t for t in ticks if t.sync_run_id == run_id]) == 1
    times = [(t.schedule_id, t.scheduled_at) for t in ticks if t.trigger == "schedule"]
    assert len(times) == len(set(times)), "a tick ran twice"
    _assert_no_overlap(env.runs())
    assert env.registry.count_records("customers") == TOTAL


@pytest.mark.slow
def test_sqlite_a_killed_worker_resumes_its_run_on_restart(
    sqlite_env: ScheduleEnv, processes: Processes, tmp_path: Path
) -> None:
    env = sqlite_env
    env.api.total, env.api.delay = TOTAL, 0.1
    book = env.schedules()
    book.add("shop", "customers", every="1s")
    worker = start_worker(processes, env, "sched-crash", tmp_path / "worker.log")
    run = wait_for(lambda: _running_run(env, 4), "the first run past four pages")
    processes.kill(worker)
    pages_at_kill = _run(env, run.id).pages
    served = len(env.api.offsets)
    assert _run(env, run.id).status == "running"
    start_worker(processes, env, "sched-crash", tmp_path / "worker.log")
    wait_for(lambda: _run(env, run.id).status == "succeeded", "the resumed run to finish")
    book.pause("shop", "customers")
    wait_for(lambda: not book.get("shop", "customers").running, "the last tick to finish")
    _check_resumed(env, run.id, pages_at_kill, served)


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_two_workers_one_killed_the_other_resumes_its_run(
    pg_env: ScheduleEnv, processes: Processes, tmp_path: Path
) -> None:
    env = pg_env
    env.api.total, env.api.delay = TOTAL, 0.1
    book = env.schedules()
    book.add("shop", "customers", every="1s")
    extra = {"CANONRY_WORKER_DEAD_AFTER": "2"}
    workers = {
        name: start_worker(processes, env, name, tmp_path / f"{name}.log", **extra)
        for name in ("pg-a", "pg-b")
    }
    run = wait_for(lambda: _running_run(env, 4), "the first run past four pages")
    victim = _executor_of_run(env, run.id)
    processes.kill(workers[victim])
    pages_at_kill = _run(env, run.id).pages
    served = len(env.api.offsets)
    wait_for(lambda: _run(env, run.id).status == "succeeded", "the other worker to finish it")
    assert _executor_of_run(env, run.id) != victim
    wait_for(lambda: sum(t.status == "succeeded" for t in env.ticks()) >= 4, "more ticks")
    book.pause("shop", "customers")
    wait_for(lambda: not book.get("shop", "customers").running, "the last tick to finish")
    _check_resumed(env, run.id, pages_at_kill, served)


def _executor_of_run(env: ScheduleEnv, run_id: str) -> str:
    return _executor_of_tick(env, next(t.id for t in env.ticks() if t.sync_run_id == run_id))


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_two_workers_fire_every_second_once(
    pg_env: ScheduleEnv, processes: Processes, tmp_path: Path
) -> None:
    env = pg_env
    book = env.schedules()
    book.add("shop", "customers", every="1s")
    for name in ("pg-a", "pg-b"):
        start_worker(processes, env, name, tmp_path / f"{name}.log")
    wait_for(lambda: sum(t.status == "succeeded" for t in env.ticks()) >= 8, "eight ticks")
    book.pause("shop", "customers")
    wait_for(lambda: not book.get("shop", "customers").running, "the last tick to finish")
    ticks = env.ticks()
    _assert_one_tick_per_second(ticks)
    _assert_no_overlap(env.runs())
    executors = {_executor_of_tick(env, t.id) for t in ticks}
    assert executors <= {"pg-a", "pg-b"}


def _executor_of_tick(env: ScheduleEnv, tick_id: str) -> str:
    rows = env.rows(
        f'select executor_id from "{env.dbos_schema}".workflow_status where workflow_uuid = :t',
        t=tick_id,
    )
    return str(rows[0][0])
