"""The guards, proven on inner pytest runs: whatever happens to a test (it fails, it is
stopped by pytest-timeout, it starts a process behind the fixture's back, a grandchild
escapes its group), no process it started is left running."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.harness import alive
from tests.harness.test_processes import STUBBORN, gone

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

INNER_HELPERS = f"""
import subprocess, sys
from pathlib import Path

STUBBORN = {STUBBORN!r}

def start_family(processes):
    leader = processes.start([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, text=True)
    grandchild = int(leader.stdout.readline())
    Path("pids").write_text(f"{{leader.pid}} {{grandchild}}")
    return leader
"""


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """An inner project whose conftest loads the harness plugin, as tests/conftest.py does."""
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    pytester.makeconftest('pytest_plugins = ("tests.harness.plugin",)')
    pytester.makepyfile(helpers=INNER_HELPERS)
    return pytester


def pids(pytester: pytest.Pytester) -> list[int]:
    return [int(p) for p in (pytester.path / "pids").read_text().split()]


def test_a_test_failing_midway_leaves_no_process(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        from helpers import start_family

        def test_fails(processes):
            processes.grace = 0.5  # the family ignores SIGTERM: SIGKILL follows
            start_family(processes)
            assert False, "failing on purpose, children running"
        """
    )
    result = inner.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(failed=1)
    assert all(gone(pid) for pid in pids(inner))


def test_a_test_stopped_by_pytest_timeout_leaves_no_process(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        import time
        import pytest
        from helpers import start_family

        @pytest.mark.timeout(3)
        def test_hangs(processes):
            processes.grace = 0.5
            start_family(processes)
            time.sleep(600)
        """
    )
    result = inner.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Timeout*"])
    assert all(gone(pid) for pid in pids(inner))


def test_a_process_started_behind_the_fixture_fails_its_test_and_is_killed(
    inner: pytest.Pytester,
) -> None:
    inner.makepyfile(
        """
        import subprocess, sys
        from pathlib import Path

        def test_leaks():
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
            Path("pids").write_text(str(child.pid))

        def test_next():
            pass
        """
    )
    result = inner.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_leaks*", "*left 1 process(es)*"])
    [pid] = pids(inner)
    assert not alive(pid)  # killed before the next test ran


def test_a_grandchild_that_escaped_its_group_is_killed_at_session_end(
    inner: pytest.Pytester,
) -> None:
    inner.makepyfile(
        f"""
        import subprocess, sys
        from pathlib import Path

        # a daemon: its own session, its parent gone, so neither guard of the test sees it
        CODE = (
            "import subprocess, sys; "
            "d = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'], "
            "start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
            "print(d.pid)"
        )

        def test_daemonizes():
            out = subprocess.run([{sys.executable!r}, "-c", CODE], capture_output=True,
                                 text=True, check=True, timeout=60).stdout
            Path("pids").write_text(out)
        """
    )
    result = inner.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*processes left running after the session*", "killed pid *"])
    assert all(gone(pid) for pid in pids(inner))
