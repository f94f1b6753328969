"""Fixtures for plugin discovery: fake installed distributions on a temporary sys.path entry."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from plugins import load_adapters


@dataclass
class FakeDists:
    """Writes ``<name>-<version>.dist-info`` folders and modules, as pip would install them."""

    root: Path

    def add(
        self,
        dist: str,
        entry_points: dict[str, str],
        modules: dict[str, str] | None = None,
        version: str = "0.1",
    ) -> None:
        info = self.root / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        lines = [f"{name} = {target}" for name, target in entry_points.items()]
        (info / "entry_points.txt").write_text("[canonry.adapters]\n" + "\n".join(lines) + "\n")
        for module, code in (modules or {}).items():
            (self.root / f"{module}.py").write_text(textwrap.dedent(code))
        importlib.invalidate_caches()


@pytest.fixture
def fake_dists(tmp_path: Path) -> Iterator[FakeDists]:
    """A sys.path entry for fake plugins; removed (with its modules) after the test."""
    root = tmp_path / "site-packages"
    root.mkdir()
    sys.path.insert(0, str(root))
    try:
        yield FakeDists(root)
    finally:
        sys.path.remove(str(root))
        for name, module in list(sys.modules.items()):
            if str(getattr(module, "__file__", None) or "").startswith(str(root)):
                del sys.modules[name]
        load_adapters(refresh=True)  # forget what the fake plugins contributed
