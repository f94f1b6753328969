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
