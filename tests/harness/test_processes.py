"""``Processes`` ends whole process groups: after SIGTERM is ignored, on a timeout, and
when the leader is gone but something it started is not."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.harness import Processes, alive

pytestmark = pytest.mark.slow  # starts processes (pip, interpreters)

# A leader that ignores SIGTERM, starts a grandchild (which ignores it too), says both pids.
STUBBORN = """
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"
grandchild = subprocess.Popen([sys.executable, "-c", code])
print(grandchild.pid, flush=True)
time.sleep(600)
"""


def gone(pid: int, timeout: float = 30.0) -> bool:
    """Wait (generously) for ``pid`` to stop running; SIGKILL takes effect asynchronously."""
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_close_ends_a_group_that_ignores_sigterm() -> None:
    owner = Processes(grace=0.2)
    leader = owner.start([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, text=True)
    assert leader.stdout is not None
    grandchild = int(leader.stdout.readline())
    assert alive(leader.pid)
    assert alive(grandchild)
    owner.close()
    assert leader.returncode is not None
    assert gone(grandchild)


def test_kill_ends_the_group_at_once() -> None:
    owner = Processes()
    leader = owner.start([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, text=True)
    assert leader.stdout is not None
    grandchild = int(leader.stdout.readline())
    assert owner.kill(leader) == -9
    assert gone(grandchild)
    owner.close()  # nothing left to do, and no error


def test_run_ends_the_group_on_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    script = f"sleep 600 >/dev/null 2>&1 & echo $! > {pid_file}; wait"
    with pytest.raises(subprocess.TimeoutExpired):
        Processes().run(["sh", "-c", script], timeout=1)
    assert gone(int(pid_file.read_text()))


def test_run_ends_what_the_command_left_in_the_background(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    script = f"sleep 600 >/dev/null 2>&1 & echo $! > {pid_file}; echo done"
    done = Processes().run(["sh", "-c", script], timeout=60, text=True)
    assert (done.returncode, done.stdout) == (0, "done\n")
    assert gone(int(pid_file.read_text()))


def test_run_passes_input_and_captures_both_streams() -> None:
    code = "import sys; data = sys.stdin.read(); print(data.upper()); print('e', file=sys.stderr)"
    done = Processes().run([sys.executable, "-c", code], timeout=60, input="hi", text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "HI\n", "e\n")


def test_a_new_session_cannot_be_switched_off() -> None:
    with pytest.raises(ValueError, match="new session"):
        Processes().start(["true"], start_new_session=False)
