"""The example plugin: pip-installed (into a directory of the test run, never into the
running environment) and found through its entry point; its own suite passes."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from plugins import load_adapters
from tests.harness import Processes
from tests.plugins.example import EXAMPLE, PACKAGE, install_example, installed

pytestmark = pytest.mark.slow  # starts processes (pip, interpreters)

SUITE_TESTS = (
    "TestAcmeContract::test_resume_from_cursor[customers] PASSED",
    "TestAcmeContract::test_resume_from_cursor[invoices] PASSED",
    "TestAcmeContract::test_default_mapping_on_read_records[invoices] PASSED",
    "TestAcmeContract::test_check_refuses_bad_credentials PASSED",
    "test_acme_adapter.py::test_rate_limited_request_is_retried PASSED",
)


@pytest.fixture(scope="session")
def acme_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/canonry-acme pip-installed once per run into a directory of the run."""
    target = tmp_path_factory.mktemp("acme-site")
    assert install_example(target) is True
    return target


@pytest.fixture
def acme_on_path(acme_site: Path) -> Iterator[Path]:
    """The install directory on ``sys.path`` for one test, as a site-packages would be."""
    sys.path.insert(0, str(acme_site))
    try:
        yield acme_site
    finally:
        sys.path.remove(str(acme_site))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]
        load_adapters(refresh=True)  # forget the example's adapter


def test_the_installed_example_plugin_is_found_through_its_entry_point(
    acme_on_path: Path,
) -> None:
    report = load_adapters(refresh=True, environ={})

    adapter = report.get("acme")
    assert adapter.__module__ == "canonry_acme._adapter"
    module_file = Path(str(sys.modules[adapter.__module__].__file__))
    assert module_file.is_relative_to(acme_on_path)  # the installed copy, not examples/
    assert not module_file.is_relative_to(EXAMPLE)
    dist = installed()
    assert dist is not None
    assert Path(str(dist.locate_file(""))).resolve() == acme_on_path.resolve()
    info = next(p for p in report.plugins if p.name == "acme")
    assert (info.status, info.key, info.api_version) == ("loaded", "acme", "1.0")
    assert (info.distribution, info.distribution_version) == ("canonry-acme", "0.1.0")
    assert info.display_name == "Acme Billing"


def test_installing_again_is_a_no_op(acme_site: Path) -> None:
    assert install_example(acme_site) is False


def test_canonry_plugins_can_leave_the_example_out(acme_on_path: Path) -> None:
    report = load_adapters(environ={"CANONRY_PLUGINS": "some-other-plugin"})

    assert "acme" not in report.adapters
    assert report.failure_for("acme") is not None


def test_the_running_environment_never_sees_the_example(
    acme_site: Path, processes: Processes
) -> None:
    """What `canonry adapters list` would find in this environment, in a new interpreter."""
    code = "from plugins import load_adapters; print(sorted(load_adapters().adapters))"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CANONRY_PLUGINS")}
    done = processes.run([sys.executable, "-c", code], env=env, timeout=120, text=True)
    assert done.returncode == 0, done.stderr
    leftover = installed([p for p in sys.path if p != str(acme_site)])
    assert leftover is None, (
        f"canonry-acme is installed in the running environment ({leftover.locate_file('')}),"
        " put there by an earlier version of this suite: `pip uninstall canonry-acme`"
    )
    assert "'acme'" not in done.stdout
    assert "'stripe'" in done.stdout  # the same discovery does find installed adapters


def test_the_example_plugins_own_suite_and_the_contract_kit_pass(processes: Processes) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "CANONRY_"))}
    done = processes.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider"],
        cwd=EXAMPLE,
        env=env,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    for test in SUITE_TESTS:
        assert test in done.stdout
    assert " failed" not in done.stdout
    assert " skipped" not in done.stdout
