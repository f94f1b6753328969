"""Rules every test module keeps, checked on the sources: no clock read at import time,
no process started except through the ``processes`` fixture, no hypothesis deadline."""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

from hypothesis import settings

TESTS = Path(__file__).resolve().parents[1]
HARNESS = TESTS / "harness"

CLOCKS = {
    ("time", "time"), ("time", "monotonic"), ("time", "perf_counter"), ("time", "time_ns"),
    ("datetime", "now"), ("datetime", "utcnow"), ("date", "today"),
}  # fmt: skip
STARTERS = {("subprocess", "Popen"), ("os", "fork"), ("os", "spawnv"), ("os", "system")}


@functools.cache
def _parsed() -> tuple[tuple[Path, ast.Module], ...]:
    paths = sorted(TESTS.rglob("*.py"))
    return tuple((path, ast.parse(path.read_text(), filename=str(path))) for path in paths)


def _sources() -> Iterator[tuple[Path, ast.Module]]:
    yield from _parsed()


def _calls(node: ast.AST, names: set[tuple[str, str]]) -> Iterator[ast.Call]:
    for call in ast.walk(node):
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and (call.func.value.id, call.func.attr) in names
        ):
            yield call


def _import_time(module: ast.Module) -> Iterator[ast.AST]:
    """What runs when the module is imported: module and class bodies, default arguments
    and decorator arguments; not function bodies."""
    pending: list[ast.AST] = list(module.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            pending.extend(node.decorator_list)
            pending.extend(node.args.defaults)
            pending.extend(d for d in node.args.kw_defaults if d is not None)
        elif isinstance(node, ast.ClassDef):
            pending.extend(node.decorator_list)
            pending.extend(node.body)
        elif isinstance(node, ast.Lambda):
            continue
        else:
            yield node


def test_no_test_module_reads_the_clock_at_import_time() -> None:
    """A timestamp taken at import is stale by the time a slow suite reaches the test."""
    found = [
        f"{path.relative_to(TESTS)}:{call.lineno}"
        for path, module in _sources()
        for node in _import_time(module)
        for call in _calls(node, CLOCKS)
    ]
    assert found == [], "take the time when the test runs (or inject a clock): " + ", ".join(found)


def test_processes_are_started_only_through_the_harness() -> None:
    """``subprocess.Popen`` and friends outside tests/harness: use the ``processes`` fixture,
    which ends what it started in teardown whatever the outcome."""
    found = [
        f"{path.relative_to(TESTS)}:{call.lineno}"
        for path, module in _sources()
        if not path.is_relative_to(HARNESS)
        for call in _calls(module, STARTERS)
    ]
    assert found == [], "start processes with the processes fixture: " + ", ".join(found)


def test_hypothesis_has_no_deadline() -> None:
    """The suite's profile (tests/conftest.py): a loaded machine must not fail an example."""
    assert settings().deadline is None


def test_the_rules_see_what_they_forbid() -> None:
    module = ast.parse(
        "import time, subprocess\nT = time.time()\n"
        "class C:\n    now = datetime.now()\n"
        "def f(x=time.monotonic()):\n    return time.time()\n"
        "def g():\n    subprocess.Popen(['true'])\n"
    )
    clock_lines = sorted(c.lineno for n in _import_time(module) for c in _calls(n, CLOCKS))
    assert clock_lines == [2, 4, 5]  # not line 6: a function body runs when called
    assert [c.lineno for c in _calls(module, STARTERS)] == [8]
