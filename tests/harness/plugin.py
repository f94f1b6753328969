"""The pytest side of process ownership (loaded by tests/conftest.py).

- ``processes``: the fixture that starts a test's processes and ends them all in teardown.
- A per-test guard: a child of the pytest process that a test started and left running
  fails that test's teardown and is killed. Children that existed before the test (of
  session- or module-scoped fixtures, set up before it) are not its own and are left
  alone; such fixtures end their processes in their own teardown.
- A session guard: at the end of the run, any process still carrying this run's marker
  in its environment (a grandchild that outlived its parent included) is killed, listed,
  and the run fails.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.harness._leaks import RUN_MARKER, children, end, marked
from tests.harness._processes import Processes

__all__ = [
    "processes",
    "pytest_configure",
    "pytest_sessionfinish",
    "pytest_terminal_summary",
]

_LEFT_KEY = pytest.StashKey[list[str]]()
SWEEP_GRACE = 5.0


def pytest_configure(config: pytest.Config) -> None:
    os.environ[RUN_MARKER] = uuid.uuid4().hex
    config.stash[_LEFT_KEY] = []


@pytest.fixture(autouse=True)
def _no_process_outlives_its_test() -> Iterator[None]:
    """Set up before, torn down after, every other fixture of the test."""
    before = set(children())
    yield
    left = {pid: p for pid, p in children().items() if pid not in before}
    if left:
        end(left)
        listed = "\n  ".join(str(p) for p in left.values())
        pytest.fail(
            f"the test left {len(left)} process(es) running (now killed):\n  {listed}\n"
            "start processes through the `processes` fixture (tests/harness), which ends "
            "them in teardown",
            pytrace=False,
        )


@pytest.fixture
def processes(_no_process_outlives_its_test: None) -> Iterator[Processes]:
    """Start a test's processes here: each leads its own group; teardown ends them all."""
    owner = Processes()
    try:
        yield owner
    finally:
        owner.close()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After every fixture's teardown: kill and report what still carries our marker.
    Processes that are ending already (SIGKILLed by a teardown a moment ago) get a few
    seconds to disappear first."""
    run_id = os.environ.get(RUN_MARKER, "-")
    deadline = time.monotonic() + SWEEP_GRACE
    while (left := marked(run_id)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if not left:
        return
    end(left)
    session.config.stash[_LEFT_KEY].extend(str(p) for p in left.values())
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    left = terminalreporter.config.stash.get(_LEFT_KEY, [])
    if left:
        terminalreporter.write_sep("=", "processes left running after the session", red=True)
        for line in left:
            terminalreporter.write_line(f"killed {line}")
