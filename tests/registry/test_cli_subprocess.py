"""The CLI as a real process: exit codes, and a sync killed with SIGKILL that resumes exactly."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from subprocess import DEVNULL

import pytest

from registry import Registry
from tests.harness import Processes
from tests.registry.conftest import API_KEY
from tests.registry.fake_adapter import FakeAPI


def cli(
    env: dict[str, str], *args: str, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "registry.cli", *args],
        env=env, input=input, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert API_KEY not in result.stdout + result.stderr
    return result


@pytest.fixture
def slow_api() -> Iterator[FakeAPI]:
    api = FakeAPI(total=3000, delay=0.05)
    yield api
    api.close()


def setup_connection(env: dict[str, str], api: FakeAPI, page_size: int) -> None:
    assert cli(env, "init").returncode == 0
    config = json.dumps({"base_url": api.url, "page_size": page_size})
    added = cli(
        env, "connections", "add", "billing", "--adapter", "fake", "--config", config,
        "--credentials-stdin", input=json.dumps({"api_key": API_KEY}),
    )  # fmt: skip
    assert added.returncode == 0, added.stderr


@pytest.mark.slow
def test_exit_codes_as_a_subprocess(cli_env: dict[str, str], fake_api: FakeAPI) -> None:
    setup_connection(cli_env, fake_api, 100)
    listed = cli(cli_env, "connections", "list", "--json")
    assert (listed.returncode, json.loads(listed.stdout)[0]["name"]) == (0, "billing")
    missing = cli(cli_env, "connections", "show", "nope")
    assert missing.returncode == 3
    assert missing.stderr.startswith("error: no connection 'nope' in tenant 'acme' — ")
    assert cli(cli_env, "connections", "add").returncode == 2  # click usage error
    other = cli(cli_env, "--tenant", "globex", "connections", "test", "billing")
    assert other.returncode == 3
    synced = cli(cli_env, "sync", "billing", "customers")
    assert synced.returncode == 0
    assert "250" in synced.stdout


def checkpointed_offset(url: str) -> int:
    with Registry(url, tenant="acme", adapters={}) as registry:
        state = registry.sync_state("billing", "customers")
    assert state is not None
    return int((state.consumer_state or {}).get("offset", 0))


def _until(condition: Callable[[], bool], proc: subprocess.Popen[bytes], what: str) -> None:
    """Wait for ``condition`` while ``proc`` runs (120 s at most: a loaded machine is slow)."""
    deadline = time.monotonic() + 120
    while not condition():
        assert proc.poll() is None, f"the sync ended before {what}"
        assert time.monotonic() < deadline, f"no {what} within 120 s"
        time.sleep(0.001)


def _size(out: Path) -> int:
    return out.stat().st_size if out.exists() else 0


def kill_when_grown(
    processes: Processes, proc: subprocess.Popen[bytes], out: Path, past: int
) -> None:
    """SIGKILL ``proc`` as soon as ``out`` grows past ``past`` bytes: wherever it is."""
    _until(lambda: _size(out) > past, proc, f"output past {past} bytes")
    processes.kill(proc)


def kill_between_write_and_checkpoint(
    processes: Processes, proc: subprocess.Popen[bytes], out: Path, url: str
) -> None:
    """SIGKILL ``proc`` after it wrote records it has not checkpointed yet, for certain:
    this test holds SQLite's write lock, so no checkpoint can commit meanwhile (the sync
    waits for it, up to its 30 s busy timeout) while the sink writes and flushes a page."""
    start = _size(out)
    _until(lambda: _size(out) > start, proc, "output")  # the sync is under way
    lock = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60, isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")
        committed = checkpointed_offset(url)  # cannot move while the lock is held
        _until(lambda: _size(out) > committed, proc, "records past the checkpoint")
        processes.kill(proc)
    finally:
        lock.close()


@pytest.mark.slow
def test_sync_killed_with_sigkill_resumes_exactly_once(
    cli_env: dict[str, str], slow_api: FakeAPI, tmp_path: Path, processes: Processes
) -> None:
    setup_connection(cli_env, slow_api, 200)
    url = cli_env["CANONRY_DATABASE_URL"]
    out = tmp_path / "customers.jsonl"
    command = [sys.executable, "-m", "registry.cli", "sync", "billing", "customers"]
    command += ["--out", str(out)]
    for kill in ("anywhere", "mid-page", "anywhere"):
        proc = processes.start(command, env=cli_env, stdout=DEVNULL, stderr=DEVNULL)
        if kill == "anywhere":
            kill_when_grown(processes, proc, out, _size(out) + 100_000)
        else:
            kill_between_write_and_checkpoint(processes, proc, out, url)
        assert proc.returncode == -signal.SIGKILL
        offset, on_disk = checkpointed_offset(url), _size(out)
        assert on_disk >= offset  # nothing checkpointed was lost
        if kill == "mid-page":
            assert on_disk > offset  # records written after the last checkpoint

    finished = cli(cli_env, "sync", "billing", "customers", "--out", str(out))
    assert finished.returncode == 0, finished.stderr
    assert "resumed at byte" in finished.stdout
    remote_ids = [json.loads(line)["remote_id"] for line in out.read_text().splitlines()]
    assert remote_ids == [f"cus_{i:08d}" for i in range(3000)]  # each once, in order
