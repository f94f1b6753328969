"""The CLI as a real process: exit codes, and a sync killed with SIGKILL that resumes exactly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry import Registry
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
    synced = cli(cli_env, "sync", "billing", "customers", "--discard")
    assert synced.returncode == 0
    assert "250" in synced.stdout


def checkpointed_offset(url: str) -> int:
    with Registry(url, tenant="acme", adapters={}) as registry:
        state = registry.sync_state("billing", "customers")
    assert state is not None
    return int((state.consumer_state or {}).get("offset", 0))


def kill_when_grown(proc: subprocess.Popen[bytes], out: Path, past: int) -> bool:
    """SIGKILL ``proc`` as soon as ``out`` grows past ``past`` bytes; False if it ended."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.stat().st_size > past:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.0005)
    proc.wait()
    return False


@pytest.mark.slow
def test_sync_killed_with_sigkill_resumes_exactly_once(
    cli_env: dict[str, str], slow_api: FakeAPI, tmp_path: Path
) -> None:
    setup_connection(cli_env, slow_api, 200)
    out = tmp_path / "customers.jsonl"
    command = [
        sys.executable,
        "-m",
        "registry.cli",
        "sync",
        "billing",
        "customers",
        "--out",
        str(out),
    ]
    kills = mid_page = 0
    while kills < 5 and (mid_page < 1 or kills < 2):
        size = out.stat().st_size if out.exists() else 0
        proc = subprocess.Popen(
            command, env=cli_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if not kill_when_grown(proc, out, size + 100_000):
            break
        kills += 1
        offset = checkpointed_offset(cli_env["CANONRY_DATABASE_URL"])
        on_disk = out.stat().st_size
        assert on_disk >= offset  # nothing checkpointed was lost
        mid_page += on_disk > offset  # records written after the last checkpoint
    assert kills >= 2
    assert mid_page >= 1, "no kill landed between a write and its checkpoint"

    finished = cli(cli_env, "sync", "billing", "customers", "--out", str(out))
    assert finished.returncode == 0, finished.stderr
    assert "resumed at byte" in finished.stdout
    remote_ids = [json.loads(line)["remote_id"] for line in out.read_text().splitlines()]
    assert remote_ids == [f"cus_{i:08d}" for i in range(3000)]  # each once, in order
