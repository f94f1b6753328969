"""Handler plugins load through the same discovery as adapters: isolated, allow-listed,
every failure reported with a reason (fake installed distributions on a temporary path)."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from webhooks.handlers import HandlerRegistry, discover_handlers

GOOD = """
    from webhooks.handlers import HandlerRegistry

    handlers = HandlerRegistry()

    @handlers.on("invoice.paid", name="plugin_receipt")
    def receipt(event, *, idempotency_key):
        pass
"""


class Dists:
    def __init__(self, root: Path) -> None:
        self.root = root

    def add(self, dist: str, points: dict[str, str], modules: dict[str, str]) -> None:
        info = self.root / f"{dist.replace('-', '_')}-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
        lines = "\n".join(f"{name} = {target}" for name, target in points.items())
        (info / "entry_points.txt").write_text(f"[canonry.webhook_handlers]\n{lines}\n")
        for module, code in modules.items():
            (self.root / f"{module}.py").write_text(textwrap.dedent(code))
        importlib.invalidate_caches()


@pytest.fixture
def dists(tmp_path: Path) -> Iterator[Dists]:
    root = tmp_path / "site-packages"
    root.mkdir()
    sys.path.insert(0, str(root))
    try:
        yield Dists(root)
    finally:
        sys.path.remove(str(root))
        for name, module in list(sys.modules.items()):
            if str(getattr(module, "__file__", None) or "").startswith(str(root)):
                del sys.modules[name]


def _install(dists: Dists) -> None:
    dists.add("acme-handlers", {"acme": "acme_handlers:handlers"}, {"acme_handlers": GOOD})
    dists.add("broken-handlers", {"broken": "broken_handlers"},
              {"broken_handlers": "import not_a_module_xyz\n"})  # fmt: skip
    dists.add("crashing-handlers", {"crashing": "crashing_handlers"},
              {"crashing_handlers": "raise RuntimeError('no config')\n"})  # fmt: skip
    dists.add("odd-handlers", {"odd": "odd_handlers:VALUE"}, {"odd_handlers": "VALUE = 42\n"})


def test_broken_handler_plugins_are_reported_and_the_others_load(dists: Dists) -> None:
    _install(dists)
    registry = HandlerRegistry()
    report = discover_handlers(registry, environ={})
    assert [p.name for p in report.loaded] == ["acme"]
    assert registry.names() == ["plugin_receipt"]
    failures = {f.name: (f.kind, f.reason) for f in report.failures}
    assert failures["broken"][0] == "import_error"
    assert "not_a_module_xyz" in failures["broken"][1]
    assert failures["crashing"] == (
        "crashed",
        "importing crashing_handlers raised RuntimeError: no config",
    )
    assert failures["odd"][0] == "invalid"
    assert "not a module, Handler or HandlerRegistry" in failures["odd"][1]


def test_the_allow_list_limits_which_handler_plugins_load(dists: Dists) -> None:
    _install(dists)
    registry = HandlerRegistry()
    report = discover_handlers(registry, environ={"CANONRY_HANDLER_PLUGINS": "odd-handlers"})
    assert report.loaded == []
    kinds = {f.name: f.kind for f in report.failures}
    assert kinds == {"acme": "disabled", "broken": "disabled", "crashing": "disabled",
                     "odd": "invalid"}  # fmt: skip
    assert len(registry) == 0
