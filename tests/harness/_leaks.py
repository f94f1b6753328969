"""Finding processes a test run left behind: this process's children, and every process
that inherited the run's marker from the environment (grandchildren included)."""

from __future__ import annotations

import contextlib
import os
import signal
from dataclasses import dataclass
from pathlib import Path

from tests.harness._processes import alive

__all__ = ["RUN_MARKER", "Leftover", "children", "end", "marked"]

RUN_MARKER = "TESTS_CANONRY_RUN"
"""Set in the environment of the pytest process; every process it starts inherits it."""

_HELPERS = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")
"""Interpreter helpers that live until the interpreter exits: not a test's processes."""


@dataclass(frozen=True)
class Leftover:
    pid: int
    command: str

    def __str__(self) -> str:
        return f"pid {self.pid}: {self.command[:200]}"


def _command(pid: int) -> str | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def _leftover(pid: int) -> Leftover | None:
    command = _command(pid)
    if command is None or not alive(pid) or any(h in command for h in _HELPERS):
        return None
    return Leftover(pid, command)


def _child_pids(pid: int) -> set[int]:
    tasks = Path(f"/proc/{pid}/task")
    found: set[int] = set()
    try:
        for task in tasks.iterdir():
            found.update(int(p) for p in (task / "children").read_text().split())
        return found
    except FileNotFoundError:  # a kernel without /proc/<pid>/task/<tid>/children
        return {p for p in _all_pids() if _parent(p) == pid}


def _all_pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    return int(stat.rpartition(b")")[2].split()[1])


def children(pid: int | None = None) -> dict[int, Leftover]:
    """The running children of ``pid`` (default: this process), helpers excluded."""
    found = (_leftover(p) for p in _child_pids(pid or os.getpid()))
    return {p.pid: p for p in found if p is not None}


def marked(run_id: str) -> dict[int, Leftover]:
    """Running processes (not this one) whose environment carries this run's marker."""
    wanted = f"{RUN_MARKER}={run_id}".encode()
    found: dict[int, Leftover] = {}
    for pid in _all_pids():
        if pid == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if wanted in environ.split(b"\0"):
            leftover = _leftover(pid)
            if leftover is not None:
                found[pid] = leftover
    return found


def end(leftovers: dict[int, Leftover]) -> None:
    """SIGKILL each leftover (its whole group when it leads one) and reap our children."""
    for pid in leftovers:
        try:
            if os.getpgid(pid) == pid and pid != os.getpgrp():
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            continue
    for pid in leftovers:
        with contextlib.suppress(ChildProcessError):  # not our child: init reaps it
            os.waitpid(pid, 0)
