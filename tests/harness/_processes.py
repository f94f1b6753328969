"""The processes one test starts, owned by one object that ends them all.

Every process starts in its own session, so it leads a process group that also holds
whatever it starts in turn (a ``canonry worker``'s children, pip's build backend, a
nested pytest's servers). Ending a process signals its whole group: SIGTERM, a grace
period, then SIGKILL, and the leader is reaped. ``close()`` does that for every process
still running and is what the ``processes`` fixture calls in teardown, whether the test
passed, failed or was stopped by pytest-timeout.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from multiprocessing.process import BaseProcess
from typing import Any

__all__ = ["Processes", "alive", "end_group"]

GRACE = 10.0
"""Seconds a process gets to exit after SIGTERM before its group is SIGKILLed."""


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, exited but not yet reaped, does not count)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state = stat.read().rpartition(b")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in (b"Z", b"X")


def _signal_group(proc: subprocess.Popen[Any], sig: int) -> None:
    """Signal the group ``proc`` leads. Once the leader has been reaped its pid may belong
    to someone else: a process holding that pid now is not ours, so it is left alone."""
    if proc.returncode is not None and os.path.exists(f"/proc/{proc.pid}"):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone
        os.killpg(proc.pid, sig)


def end_group(proc: subprocess.Popen[Any], *, grace: float = GRACE) -> int | None:
    """SIGTERM ``proc``'s group, wait ``grace`` s for the leader, then SIGKILL the group.

    The group is SIGKILLed in the end even when the leader exited on SIGTERM, so nothing
    it started survives it. Returns the leader's exit status.
    """
    try:
        if proc.poll() is None and grace > 0:
            _signal_group(proc, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=grace)
    finally:
        _signal_group(proc, signal.SIGKILL)
        proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    return proc.returncode


class Processes:
    """Starts processes for one test and guarantees that ``close()`` ends every one."""

    def __init__(self, *, grace: float = GRACE) -> None:
        self.grace = grace
        self._popen: list[subprocess.Popen[Any]] = []
        self._adopted: list[BaseProcess] = []

    def start(self, args: Sequence[str], **popen: Any) -> subprocess.Popen[Any]:
        """``subprocess.Popen(args, **popen)`` as the leader of a new process group."""
        if popen.pop("start_new_session", True) is not True:
            raise ValueError("Processes always starts a new session (it ends the group)")
        proc: subprocess.Popen[Any] = subprocess.Popen(args, start_new_session=True, **popen)
        self._popen.append(proc)
        return proc

    def run(
        self, args: Sequence[str], *, timeout: float, input: Any = None, **popen: Any
    ) -> subprocess.CompletedProcess[Any]:
        """Like ``subprocess.run(capture_output=True)``, but a timeout, an error or a
        leftover background process ends the whole group."""
        popen.setdefault("stdout", subprocess.PIPE)
        popen.setdefault("stderr", subprocess.PIPE)
        if input is not None:
            popen["stdin"] = subprocess.PIPE
        proc = self.start(args, **popen)
        try:
            out, err = proc.communicate(input, timeout=timeout)
        finally:
            end_group(proc, grace=0)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def adopt(self, proc: BaseProcess) -> BaseProcess:
        """Own a started ``multiprocessing`` process (killed, then joined, by ``close()``)."""
        self._adopted.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[Any], *, grace: float | None = None) -> int | None:
        """End ``proc`` and its group now: SIGTERM, ``grace`` s, SIGKILL."""
        return end_group(proc, grace=self.grace if grace is None else grace)

    def kill(self, proc: subprocess.Popen[Any]) -> int | None:
        """SIGKILL ``proc``'s whole group at once (a crash) and reap the leader."""
        return end_group(proc, grace=0)

    @property
    def pids(self) -> list[int]:
        """Every pid this object started or adopted, running or not."""
        return [p.pid for p in self._popen] + [p.pid for p in self._adopted if p.pid]

    def close(self) -> None:
        """End everything still running; SIGTERM all groups first so they stop together."""
        running = [p for p in self._popen if p.returncode is None]
        try:
            for proc in running:
                if proc.poll() is None:
                    _signal_group(proc, signal.SIGTERM)
            deadline = time.monotonic() + self.grace
            for proc in running:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=max(deadline - time.monotonic(), 0.01))
        finally:
            for proc in self._popen:
                end_group(proc, grace=0)
            for child in self._adopted:
                if child.is_alive():
                    child.kill()
                child.join()
