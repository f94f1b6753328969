"""The kit as authors use it: an ``AdapterContractTests`` subclass under plain pytest."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from tests.harness import Processes
from tests.plugins.example import REPO

SUITE = """
from plugins.testing import AdapterContractTests
from tests.plugins import memory_adapter as mem


class TestHealthy(AdapterContractTests):
    adapter_class = mem.MemoryAdapter
    credentials_sample = {"api_key": mem.GOOD_KEY}
    bad_credentials_sample = {"api_key": "mem_wrong_key_999"}
    config_sample = {"page_size": 2}


class TestDuplicating(TestHealthy):
    adapter_class = mem.DuplicatesOnResume
"""


@pytest.mark.slow
def test_a_subclass_runs_every_contract_test_and_fails_only_the_broken_rule(
    tmp_path: Path, processes: Processes
) -> None:
    (tmp_path / "test_kit_suite.py").write_text(SUITE)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "CANONRY_"))}
    env["PYTHONPATH"] = str(REPO)

    done = processes.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "-W", "error"],
        cwd=tmp_path,
        env=env,
        text=True,
        timeout=300,
    )

    outcomes = dict(
        re.findall(r"::(Test\w+::test_\w+(?:\[\w+\])?) (PASSED|FAILED|SKIPPED)", done.stdout)
    )
    healthy = {t: o for t, o in outcomes.items() if t.startswith("TestHealthy::")}
    assert len(healthy) == 10, done.stdout[-3000:]
    assert set(healthy.values()) == {"PASSED"}
    failed = sorted(t for t, o in outcomes.items() if o == "FAILED")
    assert failed == ["TestDuplicating::test_resume_from_cursor[customers]"]
    assert "yielded page-1 records again (duplicates): [\"'m2'\"]" in done.stdout
    assert done.returncode == 1
