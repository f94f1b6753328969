"""`canonry dev fake-vendor`: serves the loopback fakes; what it prints is enough to sync."""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from plugins.fakes import unused_port
from tests.harness import Processes
from tests.registry.cli import canonry


@pytest.fixture
def served(
    request: pytest.FixtureRequest, cli_env: dict[str, str], processes: Processes
) -> Iterator[list[str]]:
    """``canonry dev fake-vendor VENDOR`` in a child process; yields the lines it printed
    before serving. The child is stopped (SIGTERM, then SIGKILL) whatever the outcome."""
    vendor: str = request.param
    command = [sys.executable, "-m", "registry.cli", "dev", "fake-vendor", vendor]
    command += ["--port", str(unused_port()), "--customers", "7", "--invoices", "3"]
    child = processes.start(command, env=cli_env, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    lines = [child.stdout.readline()]  # printed once it listens
    while "canonry sync" not in lines[-1]:
        lines.append(child.stdout.readline())
        assert lines[-1], f"the instructions end without a sync line: {lines}"
    yield lines
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=60) == 0
    assert "stopped" in child.stdout.read()


def run_printed(line: str) -> tuple[int, str, str]:
    """One printed ``canonry ...`` line, in-process (``<<< JSON`` becomes stdin)."""
    command, _, stdin = line.strip().partition(" <<< ")
    argv = shlex.split(command)
    assert argv[0] == "canonry"
    return canonry(*argv[1:], input=shlex.split(stdin)[0] if stdin else None)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("served", "stream"), [("stripe", "customers"), ("hubspot", "contacts")], indirect=["served"]
)
def test_the_printed_settings_sync_the_fake(
    served: list[str], stream: str, initialised: dict[str, str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    assert served[0].startswith("fake ")
    assert "7 customers, 3 invoices" in served[0]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CANONRY_VENDOR_BASE_URLS")  # only what the instructions set
    for line in served[2:]:
        if line.strip().startswith("export "):
            name, _, value = line.strip().removeprefix("export ").partition("=")
            monkeypatch.setenv(name, shlex.split(value)[0])
            continue
        code, out, err = run_printed(line)
        assert code == 0, (line, out, err)
    records = [json.loads(x) for x in (tmp_path / f"{stream}.jsonl").read_text().splitlines()]
    assert len(records) == 7
    assert all(r["email"].endswith("@example.com") for r in records)
