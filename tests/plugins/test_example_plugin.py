"""The example plugin: pip-installed and found through its entry point; its own suite passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from plugins import load_adapters
from tests.plugins.example import EXAMPLE, install_example, installed_matches_source


def test_the_installed_example_plugin_is_found_through_its_entry_point(tmp_path: Path) -> None:
    install_example(tmp_path)

    report = load_adapters(refresh=True, environ={})

    assert installed_matches_source()
    adapter = report.get("acme")
    assert adapter.__module__ == "canonry_acme._adapter"
    assert not adapter.__module__.startswith(str(EXAMPLE))
    info = next(p for p in report.plugins if p.name == "acme")
    assert (info.status, info.key, info.api_version) == ("loaded", "acme", "1.0")
    assert (info.distribution, info.distribution_version) == ("canonry-acme", "0.1.0")
    assert info.display_name == "Acme Billing"


def test_installing_again_is_a_no_op(tmp_path: Path) -> None:
    install_example(tmp_path)

    assert install_example(tmp_path) is False


def test_canonry_plugins_can_leave_the_example_out(tmp_path: Path) -> None:
    install_example(tmp_path)

    report = load_adapters(environ={"CANONRY_PLUGINS": "some-other-plugin"})

    assert "acme" not in report.adapters
    assert report.failure_for("acme") is not None


def test_the_example_plugins_own_suite_and_the_contract_kit_pass() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "CANONRY_"))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider"],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )

    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    for test in (
        "TestAcmeContract::test_resume_from_cursor[customers] PASSED",
        "TestAcmeContract::test_resume_from_cursor[invoices] PASSED",
        "TestAcmeContract::test_default_mapping_on_read_records[invoices] PASSED",
        "TestAcmeContract::test_check_refuses_bad_credentials PASSED",
        "test_acme_adapter.py::test_rate_limited_request_is_retried PASSED",
    ):
        assert test in done.stdout
    assert " failed" not in done.stdout
    assert " skipped" not in done.stdout
